// Package ledger is a double-entry ledger with TigerBeetle's semantics, for any service that keeps money
// (DOMAIN.md §4): every movement is a transfer between two accounts; the sum of all balances is zero; an
// account that may not go negative never does (checked here and by a CHECK constraint); a transfer's ID is
// chosen by the client, so a retried transfer never moves money twice; reserved money is a pending transfer
// that is later posted or voided, at most once; history is append-only.
//
// This file holds the pure rules (balances, limits, verification); store.go keeps them in the service's own
// schema (the tables of Schema) with pgx.
package ledger

import (
	"fmt"
	"sort"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/hashchain"
)

// Kind is what a transfer does (TigerBeetle's two-phase transfers).
type Kind string

// The kinds of transfer.
const (
	Posted      Kind = "POSTED"       // moves money at once
	Pending     Kind = "PENDING"      // reserves money: the debit account can no longer spend it
	PostPending Kind = "POST_PENDING" // completes a pending transfer
	VoidPending Kind = "VOID_PENDING" // cancels a pending transfer, releasing the reservation
)

// Resolves reports whether a transfer of kind k resolves a pending transfer.
func (k Kind) Resolves() bool { return k == PostPending || k == VoidPending }

// Transfer is one immutable ledger transfer. A POST_PENDING or VOID_PENDING transfer repeats the accounts
// and amount of the pending transfer it resolves (the store fills them in). Who asked, when, why and under
// which request ID are kept with it.
type Transfer struct {
	ID            string
	Kind          Kind
	Debit, Credit string
	AmountFen     int64
	PendingID     string // the pending transfer a POST_PENDING or VOID_PENDING resolves
	Reason        string // why
	Reference     string // what it is about (e.g. a plan or a pledge), for reconciliation
	RequestedBy   string // who
	RequestID     string // under which request
	CreatedAt     time.Time
}

// TransferFilter selects transfers for the audit trail, oldest first (created_at, then ID): those with one of
// References (when any is given) and touching one of Accounts as debit or credit (when any is given), made at
// or after From and before To (a zero bound is open), after the keyset position (AfterTime, AfterID); at most
// Limit.
type TransferFilter struct {
	References []string
	Accounts   []string
	From, To   time.Time
	AfterTime  time.Time
	AfterID    string
	Limit      int
}

// SameBody reports whether a retried transfer asks for exactly what the stored one did.
func (t Transfer) SameBody(o Transfer) bool {
	return t.Kind == o.Kind && t.Debit == o.Debit && t.Credit == o.Credit && t.AmountFen == o.AmountFen &&
		t.PendingID == o.PendingID && t.Reason == o.Reason && t.Reference == o.Reference
}

// Balance is an account's four TigerBeetle balances. Its balance is credits − debits: an account that may
// not go negative keeps debits_posted + debits_pending ≤ credits_posted.
type Balance struct {
	DebitsPosted, CreditsPosted, DebitsPending, CreditsPending int64
}

// Posted is the posted balance, credits minus debits.
func (b Balance) Posted() int64 { return b.CreditsPosted - b.DebitsPosted }

// Available is what the account could still be debited by: posted balance minus pending debits.
func (b Balance) Available() int64 { return b.CreditsPosted - b.DebitsPosted - b.DebitsPending }

// Apply changes the debit and credit accounts' balances for t. For a POST or VOID, t carries the pending
// transfer's accounts and amount.
func Apply(debit, credit *Balance, t Transfer) {
	a := t.AmountFen
	switch t.Kind {
	case Posted:
		debit.DebitsPosted += a
		credit.CreditsPosted += a
	case Pending:
		debit.DebitsPending += a
		credit.CreditsPending += a
	case PostPending:
		debit.DebitsPending -= a
		credit.CreditsPending -= a
		debit.DebitsPosted += a
		credit.CreditsPosted += a
	case VoidPending:
		debit.DebitsPending -= a
		credit.CreditsPending -= a
	}
}

// MaxAmountFen bounds one transfer (10^13 fen, a hundred billion yuan): a mistyped amount is refused rather
// than booked, and no sum of balances can overflow.
const MaxAmountFen = 10_000_000_000_000

// Errors of the ledger; their reasons are the same in every service that keeps one.
var (
	ErrInsufficientFunds = errs.New(errs.FailedPrecondition, "INSUFFICIENT_FUNDS", "the account may not go negative")
	ErrTransferIDReused  = errs.New(errs.InvalidArgument, "TRANSFER_ID_REUSED", "transfer_id was already used for a different transfer")
	ErrPendingResolved   = errs.New(errs.FailedPrecondition, "PENDING_TRANSFER_ALREADY_RESOLVED", "the pending transfer was already posted or voided")
	ErrPendingNotFound   = errs.New(errs.NotFound, "PENDING_TRANSFER_NOT_FOUND", "no pending transfer has this ID")
	ErrNotPending        = errs.New(errs.FailedPrecondition, "NOT_A_PENDING_TRANSFER", "the transfer named is not a pending transfer")
	ErrInvalidAmount     = errs.Invalid("INVALID_AMOUNT", "amount_fen", fmt.Sprintf("the amount must be 1 to %d fen", int64(MaxAmountFen)))
	ErrInvalidTransfer   = errs.New(errs.InvalidArgument, "INVALID_TRANSFER", "a transfer needs an ID, a known kind and two different accounts")
)

// Rules are what distinguishes one service's chart of accounts: which accounts mirror the outside world and
// so may go negative.
type Rules struct {
	// MayGoNegative reports whether an account may have a negative balance; nil means none may.
	MayGoNegative func(code string) bool
}

func (r Rules) mayGoNegative(code string) bool {
	return r.MayGoNegative != nil && r.MayGoNegative(code)
}

// CheckLimit refuses a balance that an account that may not go negative would reach.
func (r Rules) CheckLimit(code string, after Balance) error {
	if r.mayGoNegative(code) || after.Available() >= 0 {
		return nil
	}
	return ErrInsufficientFunds.With("account %s would be short by %d fen", code, -after.Available())
}

// Check refuses a malformed transfer before anything is locked. A POST or VOID is checked once it carries
// its pending transfer's accounts and amount.
func Check(t Transfer) error {
	switch {
	case t.ID == "" || len(t.ID) > 200:
		return ErrInvalidTransfer.With("transfer ID %q: 1 to 200 characters", t.ID)
	case t.Kind != Posted && t.Kind != Pending && t.Kind != PostPending && t.Kind != VoidPending:
		return ErrInvalidTransfer.With("transfer %s: unknown kind %q", t.ID, t.Kind)
	case t.Kind.Resolves() && t.PendingID == "":
		return ErrInvalidTransfer.With("transfer %s resolves no pending transfer", t.ID)
	case !t.Kind.Resolves() && (t.Debit == "" || t.Credit == "" || t.Debit == t.Credit):
		return ErrInvalidTransfer.With("transfer %s: two different accounts are needed", t.ID)
	case !t.Kind.Resolves() && (t.AmountFen <= 0 || t.AmountFen > MaxAmountFen):
		return ErrInvalidAmount
	}
	return nil
}

// Verification is the result of recomputing the ledger from its transfers.
type Verification struct {
	Balanced   bool
	Accounts   int
	Transfers  int
	Mismatches []string
	// ChainBreaks are the first bad entry of each hash chain walked with the ledger (pkg/hashchain); none when
	// every chain links up.
	ChainBreaks []hashchain.Break
}

// Verify recomputes every account's balances from the transfers (in insertion order) and compares them with
// the stored balances; it checks that posted and pending balances each sum to zero, that no account that may
// not go negative is, and that every pending transfer was resolved at most once, by a transfer repeating its
// accounts and amount.
func (r Rules) Verify(stored map[string]Balance, transfers []Transfer) Verification {
	v := Verification{Accounts: len(stored), Transfers: len(transfers)}
	bad := func(format string, args ...any) { v.Mismatches = append(v.Mismatches, fmt.Sprintf(format, args...)) }
	computed := map[string]*Balance{}
	get := func(code string) *Balance {
		if computed[code] == nil {
			computed[code] = &Balance{}
		}
		return computed[code]
	}
	pending := map[string]Transfer{}
	resolved := map[string]bool{}
	for _, t := range transfers {
		if t.AmountFen <= 0 {
			bad("transfer %s: non-positive amount %d", t.ID, t.AmountFen)
		}
		switch t.Kind {
		case Pending:
			pending[t.ID] = t
		case PostPending, VoidPending:
			p, ok := pending[t.PendingID]
			if !ok {
				bad("transfer %s resolves unknown pending transfer %s", t.ID, t.PendingID)
			} else if p.Debit != t.Debit || p.Credit != t.Credit || p.AmountFen != t.AmountFen {
				bad("transfer %s does not match pending transfer %s", t.ID, t.PendingID)
			}
			if resolved[t.PendingID] {
				bad("pending transfer %s resolved twice", t.PendingID)
			}
			resolved[t.PendingID] = true
		}
		Apply(get(t.Debit), get(t.Credit), t)
	}
	codes := make([]string, 0, len(stored)+len(computed))
	for c := range stored {
		codes = append(codes, c)
	}
	for c := range computed {
		if _, ok := stored[c]; !ok {
			codes = append(codes, c)
		}
	}
	sort.Strings(codes)
	var sumPosted, sumPending int64
	for _, c := range codes {
		s, ok := stored[c]
		if !ok {
			bad("account %s has transfers but no row", c)
		}
		comp := Balance{}
		if b := computed[c]; b != nil {
			comp = *b
		}
		if s != comp {
			bad("account %s: stored %+v, recomputed %+v", c, s, comp)
		}
		sumPosted += s.Posted()
		sumPending += s.CreditsPending - s.DebitsPending
		if !r.mayGoNegative(c) && s.Available() < 0 {
			bad("account %s is negative: %d fen", c, s.Available())
		}
	}
	if sumPosted != 0 {
		bad("posted balances sum to %d, not zero", sumPosted)
	}
	if sumPending != 0 {
		bad("pending balances sum to %d, not zero", sumPending)
	}
	v.Balanced = len(v.Mismatches) == 0
	return v
}
