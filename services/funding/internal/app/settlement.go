package app

import (
	"context"
	"fmt"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

// PlanReason names a plan and why something is done to it.
type PlanReason struct {
	Key    idempotency.Key
	PlanID string
	Reason string
}

// SuspendPlan suspends a plan for non-compliance: no further tranche. Its tranches not yet being paid are
// cancelled and their committed government shares go back to the pool (voided in the ledger), in the same
// unit of work; a tranche whose payment started is left to complete.
func (s *Service) SuspendPlan(ctx context.Context, cmd PlanReason) (domain.Plan, error) {
	reason, err := domain.CheckReason(cmd.Reason)
	if err != nil {
		return domain.Plan{}, err
	}
	return s.mutatePlan(ctx, cmd.Key, cmd.PlanID, "SUSPENDED", func(ctx context.Context, p *domain.Plan) (string, error) {
		released, err := p.Suspend(reason)
		if err != nil {
			return "", err
		}
		return reason + releasedTranches(released).detail(), s.release(ctx, p, released, "suspended: "+reason, cmd.Key.RequestID)
	})
}

// releasedTranches are the cancelled tranches whose government share goes back to the pool.
type releasedTranches []domain.Tranche

func (r releasedTranches) detail() string {
	var sum int64
	for _, t := range r {
		sum += t.GovernmentFen
	}
	if len(r) == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d tranche(s) cancelled, %d fen back to the pool)", len(r), sum)
}

// release voids the pending government transfers of cancelled tranches, in one ledger call.
func (s *Service) release(ctx context.Context, p *domain.Plan, tranches []domain.Tranche, why, requestID string) error {
	var ts []ledger.Transfer
	for _, t := range tranches {
		ts = append(ts, ledger.Transfer{ID: domain.CancelTransferID(p.ID, t.Number), Kind: ledger.VoidPending, PendingID: domain.CommitTransferID(p.ID, t.Number),
			Reason: fmt.Sprintf("tranche %d cancelled, %s", t.Number, why), RequestedBy: subject(ctx), RequestID: requestID, CreatedAt: s.now()})
	}
	if len(ts) == 0 {
		return nil
	}
	_, err := s.ledger.CreateTransfers(ctx, ts...)
	return err
}

// ClawbackPlan computes, once, the clawback (追缴) of a suspended or terminated plan: disbursed minus the
// spending supervision verified, split across the sources pro rata to what each paid. The verified spending
// is asked of the supervision service with nothing open, and the clawback refused (SPENDING_UNVERIFIABLE)
// while it cannot answer, never guessed.
func (s *Service) ClawbackPlan(ctx context.Context, cmd PlanReason) (domain.Plan, error) {
	if p, done, err := s.replayPlan(ctx, cmd.Key); done || err != nil {
		return p, err
	}
	reason, err := domain.CheckReason(cmd.Reason)
	if err != nil {
		return domain.Plan{}, err
	}
	p, err := s.loadVisible(ctx, cmd.PlanID)
	if err != nil {
		return domain.Plan{}, err
	}
	if done, err := p.CheckClawback(); err != nil || done {
		if err != nil {
			return domain.Plan{}, err
		}
		return s.view(ctx, p)
	}
	verified, err := s.supervision.VerifiedSpendingFen(ctx, p.ApplicationID)
	if err != nil {
		return domain.Plan{}, unverifiable(err, domain.ErrSpendingUnverifiable.With("the verified spending of project %s cannot be known: %v", p.ApplicationID, err))
	}
	return s.mutatePlan(ctx, cmd.Key, cmd.PlanID, "CLAWBACK_COMPUTED", func(_ context.Context, p *domain.Plan) (string, error) {
		if err := p.ComputeClawback(verified, s.now()); err != nil {
			return "", err
		}
		c := p.Clawback
		return fmt.Sprintf("%s: disbursed_fen=%d verified_spending_fen=%d owed_fen=%d (government %d, donation %d)", reason, p.DisbursedFen(),
			c.VerifiedSpendingFen, c.OwedFen, c.GovernmentFen, c.DonationFen), nil
	})
}

// RecordClawbackReturn records money returned against a clawback.
type RecordClawbackReturn struct {
	Key              idempotency.Key
	PlanID           string
	Share            domain.Share
	AmountFen        int64
	PaymentReference string
}

// RecordClawbackReturn records a return to one source, FINANCE for the government part (booked back into
// the pool: returns → pool), CHARITY_FEDERATION for the donation part (booked back into the application's
// earmark in the donations service first, see returnDonation, then recorded against the plan). Idempotent on
// the payment reference: the same reference, plan, source and amount answers the plan as it is; anything else
// under it is PAYMENT_REFERENCE_CONFLICT.
func (s *Service) RecordClawbackReturn(ctx context.Context, cmd RecordClawbackReturn) (domain.Plan, error) {
	if p, done, err := s.replayPlan(ctx, cmd.Key); done || err != nil {
		return p, err
	}
	ref, err := domain.CleanReference(cmd.PaymentReference, domain.ErrReferenceRequired)
	if err != nil {
		return domain.Plan{}, err
	}
	if err := payer(identity.From(ctx), cmd.Share); err != nil {
		return domain.Plan{}, err
	}
	if cmd.AmountFen <= 0 || cmd.AmountFen > ledger.MaxAmountFen {
		return domain.Plan{}, domain.ErrInvalidAmount
	}
	r := domain.ClawbackReturn{PaymentReference: ref, PlanID: cmd.PlanID, Share: cmd.Share, AmountFen: cmd.AmountFen, ReturnedBy: subject(ctx), RequestID: cmd.Key.RequestID}
	donationTransfer := ""
	if cmd.Share == domain.ShareDonation {
		if donationTransfer, err = s.returnDonation(ctx, r); err != nil {
			return domain.Plan{}, err
		}
	}
	return s.mutatePlan(ctx, cmd.Key, cmd.PlanID, "CLAWBACK_RETURNED", func(ctx context.Context, p *domain.Plan) (string, error) {
		r.ReturnedAt = s.now()
		stored, inserted, err := s.plans.InsertReturn(ctx, r)
		switch {
		case err != nil:
			return "", err
		case !inserted && sameReturn(stored, r):
			return "", nil // a retry
		case !inserted:
			return "", returnConflict(stored)
		}
		if err := p.RecordReturn(cmd.Share, cmd.AmountFen); err != nil {
			return "", err
		}
		detail := fmt.Sprintf("share=%s amount_fen=%d payment_reference=%s", cmd.Share, cmd.AmountFen, ref)
		if cmd.Share != domain.ShareGovernment {
			return detail + " donations_transfer=" + donationTransfer, nil
		}
		_, err = s.ledger.CreateTransfers(ctx, ledger.Transfer{ID: domain.ReturnTransferID(p.ID, ref), Kind: ledger.Posted, Debit: domain.ReturnsAccount(p.RoundID),
			Credit: domain.PoolAccount(p.RoundID), AmountFen: cmd.AmountFen, Reason: "clawback returned to the pool, payment reference " + ref,
			Reference: domain.PlanReference(p.ID), RequestedBy: r.ReturnedBy, RequestID: r.RequestID, CreatedAt: r.ReturnedAt})
		return detail, err
	})
}

// returnDonation books a clawback's donation part in the donations service (returned_from_projects →
// earmarked:<application>, so the money is earmarked to the project again) before the return is recorded
// here: with nothing open, under a transfer ID derived from the plan and the payment reference, so a retry
// after a failure anywhere books it there once. What this service would refuse (a reference used otherwise,
// no clawback computed, more than is still owed) is refused before anything is booked; a return recorded
// already was booked before it was recorded and is not booked again. It returns the transfer ID.
//
// Two different returns racing past these checks (each fits what is owed, together they do not) are both
// booked there and one is refused here under the plan's lock: the money did come back to the federation and
// stays earmarked to the project, but is not counted against the clawback (a narrow window, the federation
// records one return at a time).
func (s *Service) returnDonation(ctx context.Context, r domain.ClawbackReturn) (string, error) {
	p, err := s.loadVisible(ctx, r.PlanID)
	if err != nil {
		return "", err
	}
	id := domain.DonationReturnID(p.ID, r.PaymentReference)
	switch stored, ok, err := s.plans.GetReturn(ctx, r.PaymentReference); {
	case err != nil:
		return "", err
	case ok && sameReturn(stored, r):
		return id, nil
	case ok:
		return "", returnConflict(stored)
	}
	trial := p.Clone()
	if err := trial.RecordReturn(r.Share, r.AmountFen); err != nil {
		return "", err
	}
	return id, s.donations.ReturnShare(ctx, id, p.ApplicationID, r.AmountFen, r.PaymentReference, "clawback of plan "+p.ID+" returned")
}

// sameReturn reports whether a stored return is the one asked for again (a retry).
func sameReturn(stored, r domain.ClawbackReturn) bool {
	return stored.PlanID == r.PlanID && stored.Share == r.Share && stored.AmountFen == r.AmountFen
}

func returnConflict(stored domain.ClawbackReturn) error {
	return domain.ErrPaymentReferenceUsed.With("payment reference %q recorded %d fen to the %s source of plan %s", stored.PaymentReference,
		stored.AmountFen, stored.Share, stored.PlanID)
}

// RequestTermination records the project team's request to end the project for force majeure.
func (s *Service) RequestTermination(ctx context.Context, cmd PlanReason) (domain.Plan, error) {
	reason, err := domain.CheckReason(cmd.Reason)
	if err != nil {
		return domain.Plan{}, err
	}
	return s.mutatePlan(ctx, cmd.Key, cmd.PlanID, "TERMINATION_REQUESTED", func(ctx context.Context, p *domain.Plan) (string, error) {
		if !owns(identity.From(ctx), p.OrgID) {
			return "", errs.ErrNotFound.With("plan %s not found", p.ID)
		}
		return reason, p.RequestTermination(reason)
	})
}

// ApproveTermination records the organizer's or the operator's approval of a requested termination; with
// both (two different people), the plan is TERMINATED, its tranches not yet being paid are cancelled and
// their committed government shares go back to the pool.
func (s *Service) ApproveTermination(ctx context.Context, cmd PlanCommand) (domain.Plan, error) {
	who := identity.From(ctx)
	role := approverRole(who)
	return s.mutatePlan(ctx, cmd.Key, cmd.PlanID, "TERMINATION_APPROVED", func(ctx context.Context, p *domain.Plan) (string, error) {
		released, err := p.ApproveTermination(role, who.Subject)
		if err != nil {
			return "", err
		}
		detail := "approved by " + role
		if p.State == domain.PlanTerminated {
			detail += ": terminated" + releasedTranches(released).detail()
		}
		return detail, s.release(ctx, p, released, "terminated: "+p.Reason, cmd.Key.RequestID)
	})
}

// RequestTransfer proposes handing a project to another organisation.
type RequestTransfer struct {
	Key     idempotency.Key
	PlanID  string
	ToOrgID string
	Reason  string
}

// RequestTransfer proposes the transfer of a project to another registered organisation (asked of the
// applications service first).
func (s *Service) RequestTransfer(ctx context.Context, cmd RequestTransfer) (domain.Plan, error) {
	if p, done, err := s.replayPlan(ctx, cmd.Key); done || err != nil {
		return p, err
	}
	reason, err := domain.CheckReason(cmd.Reason)
	if err != nil {
		return domain.Plan{}, err
	}
	if err := ids.Parse("to_org_id", cmd.ToOrgID); err != nil {
		return domain.Plan{}, err
	}
	org, err := s.apps.GetOrganization(ctx, cmd.ToOrgID)
	if err != nil {
		return domain.Plan{}, err
	}
	if !org.Registered {
		return domain.Plan{}, domain.ErrOrgNotRegistered.With("organisation %s is not registered", cmd.ToOrgID)
	}
	return s.mutatePlan(ctx, cmd.Key, cmd.PlanID, "TRANSFER_REQUESTED", func(_ context.Context, p *domain.Plan) (string, error) {
		return fmt.Sprintf("to_org_id=%s: %s", cmd.ToOrgID, reason), p.RequestTransfer(cmd.ToOrgID, reason)
	})
}

// ApproveTransfer records the organizer's or the operator's approval of a requested transfer; with both (two
// different people), the project passes to the new organisation, which signs a new contract and records its
// payee, confirmed by the operator, before the next tranche.
func (s *Service) ApproveTransfer(ctx context.Context, cmd PlanCommand) (domain.Plan, error) {
	who := identity.From(ctx)
	role := approverRole(who)
	return s.mutatePlan(ctx, cmd.Key, cmd.PlanID, "TRANSFER_APPROVED", func(_ context.Context, p *domain.Plan) (string, error) {
		to := p.TransferToOrgID
		from, err := p.ApproveTransfer(role, who.Subject)
		if err != nil || from == "" {
			return "approved by " + role, err
		}
		return fmt.Sprintf("approved by %s: transferred from %s to %s", role, from, to), nil
	})
}
