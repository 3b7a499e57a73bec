package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
)

// PledgeKind says whether a pledge is money or goods and services.
type PledgeKind string

// The kinds of pledge.
const (
	KindCash   PledgeKind = "CASH"
	KindInKind PledgeKind = "IN_KIND"
)

// PledgeState is where a pledge stands.
type PledgeState string

// The states of a pledge (DOMAIN.md §3 donations).
const (
	StatePledged    PledgeState = "PLEDGED"
	StateDeposited  PledgeState = "DEPOSITED"
	StateAppraised  PledgeState = "APPRAISED"
	StateApproved   PledgeState = "APPROVED"
	StateRefunded   PledgeState = "REFUNDED"
	StateRedirected PledgeState = "REDIRECTED"
)

// Pledge is an earmarked donation to one application.
type Pledge struct {
	ID            string
	DonorID       string
	ApplicationID string
	RoundID       string
	AmountFen     int64
	Kind          PledgeKind
	AgreementRef  string
	Description   string
	State         PledgeState
	CreatedAt     time.Time
	CreatedBy     string

	BankReference      string
	DepositedAmountFen int64
	DepositedAt        time.Time
	ConfirmedAt        time.Time

	AppraisedValueFen int64
	AppraisalNotes    string
	AppraisedAt       time.Time
	ApprovedAt        time.Time

	Late          bool
	ReceiptNumber string

	RefundedAt            time.Time
	RedirectedAt          time.Time
	RedirectApplicationID string
}

// MaxAmountFen bounds every amount this service books (one hundred billion yuan), so no sum of balances or
// total × 10000 can overflow and a mistyped amount is refused rather than booked.
const MaxAmountFen = int64(10_000_000_000_000)

// MaxReferenceLen bounds a bank reference (it is uniquely indexed: a very long one would fail in the index).
const MaxReferenceLen = 128

// CheckAmount refuses an amount that is not positive or exceeds MaxAmountFen.
func CheckAmount(field string, amount int64) error {
	if amount <= 0 || amount > MaxAmountFen {
		return errs.Invalid("INVALID_AMOUNT", field, fmt.Sprintf("the amount must be positive and at most %d fen", MaxAmountFen))
	}
	return nil
}

// Phases of a round during which pledges are accepted.
var pledgePhases = []string{"PUBLICITY", "PROMOTION"}

// NewPledge validates a pledge against the application's stage and its round's phase.
func NewPledge(donorID, applicationID string, amount int64, kind PledgeKind, agreementRef, description, stage, phase string) (Pledge, error) {
	p := Pledge{DonorID: donorID, ApplicationID: applicationID, AmountFen: amount, Kind: kind,
		AgreementRef: strings.TrimSpace(agreementRef), Description: strings.TrimSpace(description), State: StatePledged}
	if kind != KindCash && kind != KindInKind {
		return p, errs.Invalid("INVALID_PLEDGE_KIND", "kind", "kind must be CASH or IN_KIND")
	}
	if err := CheckAmount("amount_fen", amount); err != nil {
		return p, err
	}
	if p.AgreementRef == "" {
		return p, errs.Invalid("AGREEMENT_REF_REQUIRED", "agreement_ref", "the reference of the signed donation agreement is required")
	}
	if kind == KindInKind && p.Description == "" {
		return p, errs.Invalid("DESCRIPTION_REQUIRED", "description", "an in-kind pledge says what is given")
	}
	if stage != "SHORTLISTED" {
		return p, ErrApplicationNotShortlisted.With("the application's stage is %q", stage)
	}
	if !slices.Contains(pledgePhases, phase) {
		return p, ErrRoundNotAcceptingPledges.With("the round is in %s", phase)
	}
	return p, nil
}

// IsLate reports whether a donation confirmed at t (deposit or approval time) counts as late: the round has
// a donation cutoff and t is at or after it.
func IsLate(t, cutoff time.Time) bool { return !cutoff.IsZero() && !t.Before(cutoff) }

// DepositMatches reports whether a retried confirmation under the pledge's bank reference is the same one.
func (p Pledge) DepositMatches(bankRef string, amount int64) bool {
	return p.BankReference == bankRef && p.DepositedAmountFen == amount
}

// ConfirmDeposit records the bank's receipt of a cash pledge (PLEDGED → DEPOSITED) at now; the receipt number
// is issued by the use case in the same unit of work.
func (p *Pledge) ConfirmDeposit(bankRef string, amount int64, depositedAt, now, cutoff time.Time) error {
	if strings.TrimSpace(bankRef) == "" {
		return errs.Invalid("BANK_REFERENCE_REQUIRED", "bank_reference", "the bank reference is required")
	}
	if len(bankRef) > MaxReferenceLen {
		return errs.Invalid("INVALID_BANK_REFERENCE", "bank_reference", fmt.Sprintf("the bank reference is at most %d bytes", MaxReferenceLen))
	}
	if err := CheckAmount("amount_fen", amount); err != nil {
		return err
	}
	if depositedAt.IsZero() {
		return errs.Invalid("DEPOSITED_AT_REQUIRED", "deposited_at", "when the bank received the money is required")
	}
	if depositedAt.After(now) {
		return ErrDepositInFuture.Field("deposited_at", "the deposit time is after now")
	}
	if p.Kind != KindCash {
		return ErrWrongPledgeKind.With("only a cash pledge is deposited")
	}
	if p.State != StatePledged {
		return ErrPledgeState.With("the pledge is %s", p.State)
	}
	p.State, p.BankReference, p.DepositedAmountFen = StateDeposited, bankRef, amount
	// Lateness follows the confirmation (deposited_at ≤ now, so money that arrived after the cutoff is late
	// too): once the cutoff has passed, nothing new counts, and totals read at the cutoff never change.
	p.DepositedAt, p.ConfirmedAt, p.Late = depositedAt, now, IsLate(now, cutoff)
	return nil
}

// Appraise values an in-kind pledge (PLEDGED → APPRAISED).
func (p *Pledge) Appraise(value int64, notes string, now time.Time) error {
	if err := CheckAmount("value_fen", value); err != nil {
		return err
	}
	if p.Kind != KindInKind {
		return ErrWrongPledgeKind.With("only an in-kind pledge is appraised")
	}
	if p.State != StatePledged {
		return ErrPledgeState.With("the pledge is %s", p.State)
	}
	p.State, p.AppraisedValueFen, p.AppraisalNotes, p.AppraisedAt = StateAppraised, value, strings.TrimSpace(notes), now
	return nil
}

// CheckApprovable refuses approving anything but an appraised in-kind pledge.
func (p Pledge) CheckApprovable() error {
	if p.Kind != KindInKind {
		return ErrWrongPledgeKind.With("only an in-kind pledge is approved")
	}
	if p.State != StateAppraised {
		return ErrPledgeState.With("the pledge is %s", p.State)
	}
	return nil
}

// Approve approves the appraisal (APPRAISED → APPROVED) at now; the receipt number is issued by the use case.
func (p *Pledge) Approve(now, cutoff time.Time) error {
	if err := p.CheckApprovable(); err != nil {
		return err
	}
	p.State, p.ApprovedAt, p.Late = StateApproved, now, IsLate(now, cutoff)
	return nil
}

// ConfirmedValue is the value the pledge books in the ledger once confirmed.
func (p Pledge) ConfirmedValue() int64 {
	if p.Kind == KindCash {
		return p.DepositedAmountFen
	}
	return p.AppraisedValueFen
}

// ConfirmedAtTime is when the donation counts from: the deposit time (cash) or the approval time (in kind).
func (p Pledge) ConfirmedAtTime() time.Time {
	if p.Kind == KindCash {
		return p.DepositedAt
	}
	return p.ApprovedAt
}

// Stages after which a project will not receive the money: it was not selected.
var declinedStages = []string{"NOT_SHORTLISTED", "DISQUALIFIED", "NOT_SELECTED", "IDEA_PRIZE"}

// CheckReturnable refuses a refund or redirection unless the donation is confirmed and either late or
// earmarked to a project that was not selected.
func (p Pledge) CheckReturnable(stage string) error {
	if p.State != StateDeposited && p.State != StateApproved {
		return ErrPledgeState.With("only a deposited or approved donation is refunded or redirected; the pledge is %s", p.State)
	}
	if !p.Late && !slices.Contains(declinedStages, stage) {
		return ErrProjectStillEligible.With("the project's stage is %q and the donation is not late", stage)
	}
	return nil
}

// Refund marks the donation returned to the donor.
func (p *Pledge) Refund(stage string, now time.Time) error {
	if err := p.CheckReturnable(stage); err != nil {
		return err
	}
	p.State, p.RefundedAt = StateRefunded, now
	return nil
}

// Stages of an application a donation may be redirected to: one that can still use it (the stages a pledge is
// taken for, or that will be funded).
var redirectTargetStages = []string{"SHORTLISTED", "SELECTED"}

// CheckRedirectTarget refuses a redirection target that is missing, the pledge's own application, or not
// SHORTLISTED or SELECTED (targetStage is the target's stage, as the applications service said).
func (p Pledge) CheckRedirectTarget(target, targetStage string) error {
	switch {
	case strings.TrimSpace(target) == "":
		return ErrRedirectTargetRequired
	case target == p.ApplicationID:
		return ErrRedirectToSelf
	case !slices.Contains(redirectTargetStages, targetStage):
		return ErrRedirectTargetNotEligible.With("the target's stage is %q", targetStage)
	}
	return nil
}

// Redirect marks the donation moved at the donor's choice on to target's earmark (see RedirectAccount);
// stage is the pledge's own application's stage, targetStage the target's.
func (p *Pledge) Redirect(stage, target, targetStage string, now time.Time) error {
	if err := p.CheckReturnable(stage); err != nil {
		return err
	}
	if err := p.CheckRedirectTarget(target, targetStage); err != nil {
		return err
	}
	p.State, p.RedirectedAt, p.RedirectApplicationID = StateRedirected, now, target
	return nil
}

// ReceiptZone is the time zone of a receipt's year.
var ReceiptZone = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// ReceiptYear is the year a confirmation at t is numbered in.
func ReceiptYear(t time.Time) int { return t.In(ReceiptZone).Year() }

// IssueReceipt gives a confirmed pledge the n-th receipt number of the year.
func (p *Pledge) IssueReceipt(year int, n int64) { p.ReceiptNumber = ReceiptNumber(year, n) }

// PledgeEvent is one entry of a pledge's audit trail: what was done, when, by whom, under which request ID
// and why.
type PledgeEvent struct {
	PledgeID  string
	Action    string // PLEDGED, DEPOSITED, APPRAISED, APPROVED, REFUNDED, REDIRECTED
	At        time.Time
	By        string
	RequestID string
	Detail    string
}

// ReceiptNumber formats the n-th receipt of a year: 2026-000123.
func ReceiptNumber(year int, n int64) string { return fmt.Sprintf("%04d-%06d", year, n) }
