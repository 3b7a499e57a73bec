package domain

import (
	"slices"
	"strings"
	"time"

	"github.com/commonweal/commonweal/pkg/money"
)

// cancelUntouched cancels every tranche whose payment has not started and returns those whose government
// share, committed from the pool, must be released (voided in the ledger). A tranche already being paid is
// left to complete, so no money that moved goes unrecorded.
func (p *Plan) cancelUntouched() []Tranche {
	var release []Tranche
	for i := range p.Tranches {
		t := &p.Tranches[i]
		if !t.cancellable() {
			continue
		}
		t.State = TrancheCancelled
		if t.GovernmentFen > 0 {
			release = append(release, *t)
		}
	}
	return release
}

// CheckReason trims a reason and refuses an empty one.
func CheckReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", ErrReasonRequired
	}
	return reason, nil
}

// Suspend suspends the plan for non-compliance: no further tranche. The tranches not yet being paid are
// cancelled; it returns those whose committed government share goes back to the pool. Suspending a
// suspended plan changes nothing.
func (p *Plan) Suspend(reason string) ([]Tranche, error) {
	switch p.State {
	case PlanSuspended:
		return nil, nil
	case PlanContracting, PlanActive:
	default:
		return nil, ErrPlanState.With("plan %s is %s", p.ID, p.State)
	}
	p.State, p.Reason = PlanSuspended, reason
	return p.cancelUntouched(), nil
}

// CheckClawback refuses a clawback before supervision is asked: the plan is neither suspended nor
// terminated, or a tranche is still being paid. done is true when the clawback was computed already.
func (p *Plan) CheckClawback() (done bool, err error) {
	if p.State != PlanSuspended && p.State != PlanTerminated {
		return false, ErrClawbackNotAllowed.With("plan %s is %s", p.ID, p.State)
	}
	if p.Clawback.Computed {
		return true, nil
	}
	if slices.ContainsFunc(p.Tranches, func(t Tranche) bool { return t.State == TrancheApproved }) {
		return false, ErrPaymentsInProgress
	}
	return false, nil
}

// ComputeClawback computes, once, what the plan owes back: disbursed − verified spending (never negative),
// split across the sources in proportion to what each paid, every fen conserved (money.ProRata).
func (p *Plan) ComputeClawback(verifiedSpendingFen int64, now time.Time) error {
	if done, err := p.CheckClawback(); done || err != nil {
		return err
	}
	if verifiedSpendingFen < 0 {
		return ErrInvalidAmount.With("verified spending %d is negative", verifiedSpendingFen)
	}
	g, d := p.PaidFen()
	owed := max(0, g+d-verifiedSpendingFen)
	parts, err := money.ProRata(owed, []int64{g, d})
	if err != nil {
		return err
	}
	p.Clawback = Clawback{Computed: true, VerifiedSpendingFen: verifiedSpendingFen, OwedFen: owed, GovernmentFen: parts[0], DonationFen: parts[1],
		ComputedAt: now}
	return nil
}

// RecordReturn records money returned against the clawback to one source; at most what is still owed.
func (p *Plan) RecordReturn(share Share, amountFen int64) error {
	if !p.Clawback.Computed {
		return ErrClawbackNotComputed
	}
	if amountFen <= 0 || amountFen > 10_000_000_000_000 {
		return ErrInvalidAmount
	}
	c := &p.Clawback
	owed, returned := c.GovernmentFen, &c.ReturnedGovernmentFen
	switch share {
	case ShareGovernment:
	case ShareDonation:
		owed, returned = c.DonationFen, &c.ReturnedDonationFen
	default:
		return ErrInvalidShare
	}
	if *returned+amountFen > owed {
		return ErrClawbackExceeded.With("%d fen is still owed to the %s source, not %d", owed-*returned, strings.ToLower(string(share)), amountFen)
	}
	*returned += amountFen
	return nil
}

// RequestTermination records the team's request to end the project for force majeure.
func (p *Plan) RequestTermination(reason string) error {
	switch p.State {
	case PlanContracting, PlanActive, PlanSuspended:
	default:
		return ErrPlanState.With("plan %s is %s", p.ID, p.State)
	}
	if p.TerminationRequested {
		return nil
	}
	p.TerminationRequested, p.TerminationApprovals, p.Reason = true, nil, reason
	return nil
}

// approve adds an approval unless this role or this subject approved already (one person holding both roles
// does not approve twice); it reports whether both roles have approved.
func approve(list *[]Approval, role, by string) bool {
	if !slices.ContainsFunc(*list, func(a Approval) bool { return a.Role == role || a.By == by }) {
		*list = append(*list, Approval{Role: role, By: by})
	}
	has := func(r string) bool { return slices.ContainsFunc(*list, func(a Approval) bool { return a.Role == r }) }
	return has(string(PartyOrganizer)) && has(string(PartyOperator))
}

// ApproveTermination records the organizer's or the operator's approval (role); with both the plan is
// TERMINATED and its tranches not yet being paid are cancelled: it returns those whose committed government
// share goes back to the pool.
func (p *Plan) ApproveTermination(role, by string) ([]Tranche, error) {
	if p.State == PlanTerminated {
		return nil, nil
	}
	if !p.TerminationRequested {
		return nil, ErrTerminationNotRequested
	}
	if err := p.RequestTermination(p.Reason); err != nil {
		return nil, err
	}
	if !approve(&p.TerminationApprovals, role, by) {
		return nil, nil
	}
	p.State = PlanTerminated
	return p.cancelUntouched(), nil
}

// RequestTransfer proposes handing the project to another organisation. Refused while a tranche is
// requested or being paid.
func (p *Plan) RequestTransfer(toOrgID, reason string) error {
	if p.State != PlanContracting && p.State != PlanActive {
		return ErrPlanState.With("plan %s is %s", p.ID, p.State)
	}
	if toOrgID == p.OrgID {
		return ErrTransferSameOrg
	}
	if p.inProgress() {
		return ErrTrancheInProgress.With("a project is not transferred while a tranche is requested or being paid")
	}
	if p.TransferToOrgID == toOrgID {
		return nil
	}
	p.TransferToOrgID, p.TransferApprovals, p.Reason = toOrgID, nil, reason
	return nil
}

// ApproveTransfer records the organizer's or the operator's approval; with both the project passes to the
// new organisation, which must sign a new contract (all three parties) and have its payee recorded and
// confirmed before the next tranche. It returns the organisation the project left ("" while waiting).
func (p *Plan) ApproveTransfer(role, by string) (from string, err error) {
	if p.TransferToOrgID == "" {
		return "", ErrTransferNotRequested
	}
	if p.State != PlanContracting && p.State != PlanActive {
		return "", ErrPlanState.With("plan %s is %s", p.ID, p.State)
	}
	if p.inProgress() {
		return "", ErrTrancheInProgress
	}
	if !approve(&p.TransferApprovals, role, by) {
		return "", nil
	}
	from = p.OrgID
	p.OrgID, p.TransferToOrgID, p.TransferApprovals = p.TransferToOrgID, "", nil
	p.Signatures, p.Payee, p.State = nil, Payee{}, PlanContracting
	return from, nil
}
