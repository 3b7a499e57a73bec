package domain

import "time"

// Allocation is one allocation of welfare-lottery funds to a round's pool, recorded once per source
// reference with who made it, when and under which request.
type Allocation struct {
	SourceReference string
	RoundID         string
	AmountFen       int64
	AllocatedBy     string
	RequestID       string
	AllocatedAt     time.Time
}

// ClawbackReturn is money returned against a plan's clawback, recorded once per payment reference.
type ClawbackReturn struct {
	PaymentReference string
	PlanID           string
	Share            Share
	AmountFen        int64
	ReturnedBy       string
	RequestID        string
	ReturnedAt       time.Time
}

// PlanEvent is one entry of a plan's audit trail (append-only): who, when, what, why, under which request.
type PlanEvent struct {
	PlanID    string
	Action    string
	At        time.Time
	By        string
	RequestID string
	Detail    string
}
