package app

import (
	"context"
	"time"

	"github.com/commonweal/commonweal/pkg/money"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

// RoundInfo is what funding needs to know of a round (applications service).
type RoundInfo struct {
	ID             string
	Year           int
	Phase          string // FINAL_REVIEW, APPROVAL, IMPLEMENTATION, …
	DonationCutoff time.Time
	Terms          money.Terms
	Tranches       []domain.TrancheRule
	// IdeaPrizeFen is the prize of each tier (index 0 is tier 1).
	IdeaPrizeFen []int64
}

// ApplicationInfo is what funding needs to know of an application (applications service).
type ApplicationInfo struct {
	ID        string
	RoundID   string
	OrgID     string // the applicant organisation
	BudgetFen int64
	Stage     string // SELECTED, IDEA_PRIZE, …
}

// OrganizationInfo is what funding needs to know of an organisation (applications service).
type OrganizationInfo struct {
	ID         string
	Registered bool // a registered social organisation, verified by the operator
}

// Applications is the applications service as funding uses it. An unknown round, application or
// organisation is NOT_FOUND; every other failure is already one of this service's errors (pkg/peer).
type Applications interface {
	GetRound(ctx context.Context, id string) (RoundInfo, error)
	GetApplication(ctx context.Context, id string) (ApplicationInfo, error)
	GetOrganization(ctx context.Context, id string) (OrganizationInfo, error)
}

// IdeaPrizeWinner is one idea prize of signed-off results.
type IdeaPrizeWinner struct {
	ApplicationID string
	Tier          int
}

// Results are a round's results as the reviews service publishes them.
type Results struct {
	State      string   // COMPUTED, APPROVED, SIGNED_OFF
	Selected   []string // selected applications, in rank order
	IdeaPrizes []IdeaPrizeWinner
}

// Reviews is the reviews service as funding uses it.
type Reviews interface {
	GetResults(ctx context.Context, roundID string) (Results, error)
}

// DonationTotals are an application's confirmed donations at an instant (donations service).
type DonationTotals struct {
	CashFen   int64 // deposited cash: the donation share that is disbursed
	InKindFen int64 // approved in-kind values: counted in the quote, delivered as goods
}

// Donations is the donations service as funding uses it: totals at the cutoff, the donation share of a
// tranche reserved and released, and a clawback's donation part returned into the application's earmark
// (idempotent on the transfer IDs funding chooses).
type Donations interface {
	ConfirmedAt(ctx context.Context, applicationID string, at time.Time) (DonationTotals, error)
	ReserveShare(ctx context.Context, transferID, applicationID string, amountFen int64, reason string) error
	ReleaseShare(ctx context.Context, transferID, pendingTransferID string) error
	ReturnShare(ctx context.Context, transferID, applicationID string, amountFen int64, paymentReference, reason string) error
}

// Supervision is the supervision service as funding uses it: tranche gates and verified spending. While it
// cannot answer (FAILED_PRECONDITION SUPERVISION_UNAVAILABLE, or UNAVAILABLE), gates and clawbacks are
// refused (GATE_UNVERIFIABLE, SPENDING_UNVERIFIABLE), never assumed.
type Supervision interface {
	// EvaluationPassed reports whether the project's evaluation of kind (domain.EvaluationMidterm,
	// domain.EvaluationFinalAcceptance) has passed.
	EvaluationPassed(ctx context.Context, projectID, kind string) (bool, error)
	// VerifiedSpendingFen is the project's spending verified by supervision, in fen.
	VerifiedSpendingFen(ctx context.Context, projectID string) (int64, error)
}
