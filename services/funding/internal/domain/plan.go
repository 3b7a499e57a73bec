package domain

import (
	"slices"
	"strings"
	"time"

	"github.com/commonweal/commonweal/pkg/money"
)

// PlanState is where a funding plan stands.
type PlanState string

// The plan states.
const (
	PlanContracting PlanState = "CONTRACTING" // created; the contract is being signed
	PlanActive      PlanState = "ACTIVE"      // signed by all three parties: tranches may be requested
	PlanSuspended   PlanState = "SUSPENDED"   // non-compliance: no further tranche
	PlanTerminated  PlanState = "TERMINATED"  // force majeure: no further tranche
	PlanCompleted   PlanState = "COMPLETED"   // every tranche paid
)

// TrancheState is where a tranche stands.
type TrancheState string

// The tranche states.
const (
	TranchePending   TrancheState = "PENDING"
	TrancheRequested TrancheState = "REQUESTED"
	TrancheApproved  TrancheState = "APPROVED"
	TranchePaid      TrancheState = "PAID"
	TrancheCancelled TrancheState = "CANCELLED"
)

// Party is who signs a project contract.
type Party string

// The contract parties.
const (
	PartyOrganizer Party = "ORGANIZER"
	PartyOperator  Party = "OPERATOR"
	PartyTeam      Party = "TEAM"
)

// Parties are the three signatures a contract needs, in order.
var Parties = []Party{PartyOrganizer, PartyOperator, PartyTeam}

// Share is one source of a tranche's money.
type Share string

// The shares.
const (
	ShareGovernment Share = "GOVERNMENT"
	ShareDonation   Share = "DONATION"
)

// Gates of the round policy's tranches.
const (
	GateContractSigned = "CONTRACT_SIGNED"
	GateMidterm        = "MIDTERM_PASSED"
	GateFinal          = "FINAL_ACCEPTANCE_PASSED"
)

// TrancheRule is one tranche of a round's policy.
type TrancheRule struct {
	Number  int
	Percent int
	Gate    string
}

// Tranche is one disbursement of a plan: its government share (paid by FINANCE from the pool) and its
// donation share (released by the charity federation through the donations service).
type Tranche struct {
	Number        int
	Percent       int
	Gate          string
	GovernmentFen int64
	DonationFen   int64
	State         TrancheState
	// GovernmentRef is FINANCE's payment reference, set when the government share is paid.
	GovernmentPaid   bool
	GovernmentRef    string
	GovernmentPaidAt time.Time
	// DonationRef is set when the federation starts paying the donation share (the payment is then in
	// flight and is completed by a retry, whatever happens to the plan); DonationPaid when it is released.
	DonationPaid   bool
	DonationRef    string
	DonationPaidAt time.Time
	RequestedAt    time.Time
	RequestedBy    string
	ApprovedAt     time.Time
	ApprovedBy     string
	PaidAt         time.Time
}

// AmountFen is the tranche's two shares together.
func (t Tranche) AmountFen() int64 { return t.GovernmentFen + t.DonationFen }

// settled reports whether a share needs nothing more: paid, or zero.
func (t Tranche) settled(s Share) bool {
	if s == ShareGovernment {
		return t.GovernmentPaid || t.GovernmentFen == 0
	}
	return t.DonationPaid || t.DonationFen == 0
}

// touched reports whether an approved tranche's payment has started (a share paid or in flight): such a
// tranche is completed, never cancelled, so no money that moved goes unrecorded.
func (t Tranche) touched() bool {
	return t.GovernmentPaid || t.DonationPaid || t.DonationRef != ""
}

// cancellable reports whether the tranche can still be cancelled.
func (t Tranche) cancellable() bool {
	switch t.State {
	case TranchePending, TrancheRequested:
		return true
	case TrancheApproved:
		return !t.touched()
	}
	return false
}

// Approval is one party's approval of a termination or a transfer.
type Approval struct {
	Role string // ORGANIZER or OPERATOR
	By   string // the approver's subject
}

// Clawback is what a suspended or terminated plan owes back (追缴), computed once.
type Clawback struct {
	Computed              bool
	VerifiedSpendingFen   int64
	OwedFen               int64 // disbursed − verified spending, never negative
	GovernmentFen         int64 // the part owed to the pool
	DonationFen           int64 // the part owed to the donations
	ReturnedGovernmentFen int64
	ReturnedDonationFen   int64
	ComputedAt            time.Time
}

// ReturnedFen is what came back so far.
func (c Clawback) ReturnedFen() int64 { return c.ReturnedGovernmentFen + c.ReturnedDonationFen }

// Plan is a selected project's funding plan.
type Plan struct {
	ID            string
	RoundID       string
	ApplicationID string
	OrgID         string
	Rank          int // the project's place among the round's selected projects, from 1
	State         PlanState
	BudgetFen     int64
	DonationFen   int64 // the cash donations disbursed (the donation share)
	InKindFen     int64 // approved in-kind values: counted in the quote, delivered as goods
	GovernmentFen int64 // match + top-up, committed from the pool
	MatchFen      int64
	TopupFen      int64
	ShortfallFen  int64
	Tranches      []Tranche
	Signatures    []Party
	Payee         Payee
	Clawback      Clawback
	Reason        string
	// A termination requested by the team, approved by the organizer and the operator.
	TerminationRequested bool
	TerminationApprovals []Approval
	// A transfer to another organisation, approved by the organizer and the operator.
	TransferToOrgID   string
	TransferApprovals []Approval
	CreatedAt         time.Time
	Version           int64
}

// TotalFen is what the plan disburses: the donation share and the government share.
func (p Plan) TotalFen() int64 { return p.DonationFen + p.GovernmentFen }

// PaidFen is what was disbursed so far from each source.
func (p Plan) PaidFen() (government, donation int64) {
	for _, t := range p.Tranches {
		if t.GovernmentPaid {
			government += t.GovernmentFen
		}
		if t.DonationPaid {
			donation += t.DonationFen
		}
	}
	return government, donation
}

// DisbursedFen is what was disbursed so far.
func (p Plan) DisbursedFen() int64 {
	g, d := p.PaidFen()
	return g + d
}

// Tranche returns the tranche numbered n.
func (p *Plan) Tranche(n int) (*Tranche, error) {
	for i := range p.Tranches {
		if p.Tranches[i].Number == n {
			return &p.Tranches[i], nil
		}
	}
	return nil, ErrTrancheNotFound.With("plan %s has no tranche %d", p.ID, n)
}

// Clone returns a deep copy, so a change can be compared with the original.
func (p Plan) Clone() Plan {
	c := p
	c.Tranches = slices.Clone(p.Tranches)
	c.Signatures = slices.Clone(p.Signatures)
	c.TerminationApprovals = slices.Clone(p.TerminationApprovals)
	c.TransferApprovals = slices.Clone(p.TransferApprovals)
	c.Payee.Sealed = slices.Clone(p.Payee.Sealed)
	return c
}

// PlanInput is what a plan is made from: the project, its donations at the cutoff, and the round's policy.
type PlanInput struct {
	ID, RoundID, ApplicationID, OrgID string
	Rank                              int
	BudgetFen                         int64
	CashFen, InKindFen                int64 // confirmed at the donation cutoff
	Terms                             money.Terms
	Rules                             []TrancheRule
	CreatedAt                         time.Time
}

// NewPlan quotes the project (DOMAIN.md §3: donations in cash and in kind both count) and splits each source
// into the policy's tranches (money.Tranches: every tranche but the last rounded down, the last takes the
// remainder). The donation share is the cash, never more than what the budget leaves after the government
// share, so a plan never disburses more than the budget.
func NewPlan(in PlanInput) (Plan, error) {
	q, err := in.Terms.Quote(in.BudgetFen, in.CashFen+in.InKindFen)
	if err != nil {
		return Plan{}, err
	}
	rules := slices.Clone(in.Rules)
	slices.SortFunc(rules, func(a, b TrancheRule) int { return a.Number - b.Number })
	percents := make([]int, len(rules))
	for i, r := range rules {
		percents[i] = r.Percent
	}
	donation := max(0, min(in.CashFen, in.BudgetFen-q.GovernmentFen))
	gov, err := money.Tranches(q.GovernmentFen, percents)
	if err != nil {
		return Plan{}, err
	}
	don, err := money.Tranches(donation, percents)
	if err != nil {
		return Plan{}, err
	}
	p := Plan{ID: in.ID, RoundID: in.RoundID, ApplicationID: in.ApplicationID, OrgID: in.OrgID, Rank: in.Rank, State: PlanContracting,
		BudgetFen: in.BudgetFen, DonationFen: donation, InKindFen: in.InKindFen, GovernmentFen: q.GovernmentFen, MatchFen: q.MatchFen,
		TopupFen: q.TopupFen, ShortfallFen: q.ShortfallFen, CreatedAt: in.CreatedAt}
	for i, r := range rules {
		p.Tranches = append(p.Tranches, Tranche{Number: r.Number, Percent: r.Percent, Gate: r.Gate, GovernmentFen: gov[i], DonationFen: don[i],
			State: TranchePending})
	}
	return p, nil
}

// Sign records a party's signature; the third makes the plan ACTIVE. Signing twice changes nothing.
func (p *Plan) Sign(party Party) error {
	if !slices.Contains(Parties, party) {
		return ErrInvalidParty
	}
	if p.State != PlanContracting && p.State != PlanActive {
		return ErrPlanState.With("the plan is %s; contracts are signed while it is CONTRACTING", p.State)
	}
	if slices.Contains(p.Signatures, party) {
		return nil
	}
	p.Signatures = append(p.Signatures, party)
	if len(p.missingSignatures()) == 0 {
		p.State = PlanActive
	}
	return nil
}

func (p *Plan) missingSignatures() []string {
	var missing []string
	for _, party := range Parties {
		if !slices.Contains(p.Signatures, party) {
			missing = append(missing, string(party))
		}
	}
	return missing
}

// inProgress reports whether a tranche is requested or approved and not paid.
func (p *Plan) inProgress() bool {
	return slices.ContainsFunc(p.Tranches, func(t Tranche) bool { return t.State == TrancheRequested || t.State == TrancheApproved })
}

// SetPayee records the payee account, replacing any earlier one and withdrawing the operator's
// confirmation. Refused while a tranche is requested or being paid (it would be paid elsewhere than
// requested).
func (p *Plan) SetPayee(payee Payee) error {
	if p.State != PlanContracting && p.State != PlanActive {
		return ErrPlanState.With("the plan is %s", p.State)
	}
	if p.inProgress() {
		return ErrTrancheInProgress.With("the payee cannot change while a tranche is requested or being paid")
	}
	payee.Confirmed = false
	p.Payee = payee
	return nil
}

// ConfirmPayee records the operator's confirmation of the payee account.
func (p *Plan) ConfirmPayee() error {
	if p.State != PlanContracting && p.State != PlanActive {
		return ErrPlanState.With("the plan is %s", p.State)
	}
	if !p.Payee.Set() {
		return ErrPayeeNotSet
	}
	p.Payee.Confirmed = true
	return nil
}

// open refuses a plan that takes no further tranche, naming why.
func (p *Plan) open() error {
	switch p.State {
	case PlanActive:
		return nil
	case PlanSuspended:
		return ErrPlanSuspended.With("plan %s is suspended: %s", p.ID, p.Reason)
	case PlanTerminated:
		return ErrPlanTerminated.With("plan %s is terminated: %s", p.ID, p.Reason)
	case PlanContracting:
		return ErrContractNotSigned.With("the contract still needs the signature of %s", strings.Join(p.missingSignatures(), ", "))
	}
	return ErrPlanState.With("the plan is %s", p.State)
}

// Evaluations are the supervision service's evaluation kinds that gate tranches.
const (
	EvaluationMidterm         = "MIDTERM"
	EvaluationFinalAcceptance = "FINAL_ACCEPTANCE"
)

// CheckRequest runs the local checks of a tranche request (plan open, tranche pending, previous tranche
// paid, payee confirmed) and returns the evaluation supervision must have passed, if the tranche's gate
// needs one ("" for the contract gate, which ACTIVE already means).
func (p *Plan) CheckRequest(n int) (evaluation string, err error) {
	if err := p.open(); err != nil {
		return "", err
	}
	t, err := p.Tranche(n)
	if err != nil {
		return "", err
	}
	if t.State != TranchePending {
		return "", ErrTrancheState.With("tranche %d is %s", n, t.State)
	}
	for _, prev := range p.Tranches {
		if prev.Number < n && prev.State != TranchePaid {
			return "", ErrPreviousTrancheNotPaid.With("tranche %d is %s", prev.Number, prev.State)
		}
	}
	if !p.Payee.Confirmed {
		if !p.Payee.Set() {
			return "", ErrPayeeNotConfirmed.With("no payee account is recorded")
		}
		return "", ErrPayeeNotConfirmed
	}
	switch t.Gate {
	case GateMidterm:
		return EvaluationMidterm, nil
	case GateFinal:
		return EvaluationFinalAcceptance, nil
	}
	return "", nil
}

// RequestTranche files a tranche's request; evaluationPassed is supervision's answer for the tranche's
// gate (ignored when the gate needs none).
func (p *Plan) RequestTranche(n int, evaluationPassed bool, now time.Time, by string) error {
	evaluation, err := p.CheckRequest(n)
	if err != nil {
		return err
	}
	switch {
	case evaluation == EvaluationMidterm && !evaluationPassed:
		return ErrMidtermNotPassed
	case evaluation == EvaluationFinalAcceptance && !evaluationPassed:
		return ErrFinalNotPassed
	}
	t, _ := p.Tranche(n)
	t.State, t.RequestedAt, t.RequestedBy = TrancheRequested, now, by
	return nil
}

// ApproveTranche approves a requested tranche (approving it again changes nothing). A tranche whose two
// shares are zero is paid at once.
func (p *Plan) ApproveTranche(n int, now time.Time, by string) error {
	t, err := p.Tranche(n)
	if err != nil {
		return err
	}
	if t.State == TrancheApproved || t.State == TranchePaid {
		return nil
	}
	if err := p.open(); err != nil {
		return err
	}
	if t.State != TrancheRequested {
		return ErrTrancheState.With("tranche %d is %s; only a requested tranche is approved", n, t.State)
	}
	t.State, t.ApprovedAt, t.ApprovedBy = TrancheApproved, now, by
	p.settle(t, now)
	return nil
}

// settle marks a tranche PAID once both its shares are settled, and the plan COMPLETED once every tranche
// is paid.
func (p *Plan) settle(t *Tranche, now time.Time) {
	if t.State != TrancheApproved || !t.settled(ShareGovernment) || !t.settled(ShareDonation) {
		return
	}
	t.State, t.PaidAt = TranchePaid, now
	if p.State == PlanActive && !slices.ContainsFunc(p.Tranches, func(t Tranche) bool { return t.State != TranchePaid }) {
		p.State = PlanCompleted
	}
}
