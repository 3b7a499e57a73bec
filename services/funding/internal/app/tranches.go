package app

import (
	"context"
	"fmt"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

// TrancheResult is a tranche with its plan.
type TrancheResult struct {
	PlanID  string
	Tranche domain.Tranche
}

// number is a tranche's number; of picks that tranche from a use case's answer.
type number int

func (n number) of(p domain.Plan, err error) (TrancheResult, error) {
	if err != nil {
		return TrancheResult{}, err
	}
	t, err := p.Tranche(int(n))
	if err != nil {
		return TrancheResult{}, err
	}
	return TrancheResult{PlanID: p.ID, Tranche: *t}, nil
}

// TrancheCommand names a tranche of a plan.
type TrancheCommand struct {
	Key    idempotency.Key
	PlanID string
	Number int
}

// RequestTranche files a tranche's disbursement request (拨付申请书). The local gates are checked first (plan
// active, previous tranche paid, payee confirmed); a mid-term or final-acceptance gate is then asked of the
// supervision service, with nothing open, and refused with GATE_UNVERIFIABLE while it cannot answer, never
// assumed; the unit of work re-checks everything under the plan's lock.
func (s *Service) RequestTranche(ctx context.Context, cmd TrancheCommand) (TrancheResult, error) {
	if out, done, err := idempotency.Replay[domain.Plan](ctx, s.requests, cmd.Key); done || err != nil {
		return number(cmd.Number).of(out, err)
	}
	p, err := s.loadVisible(ctx, cmd.PlanID)
	if err != nil {
		return TrancheResult{}, err
	}
	evaluation, err := p.CheckRequest(cmd.Number)
	if err != nil {
		return TrancheResult{}, err
	}
	passed := false
	if evaluation != "" {
		if passed, err = s.supervision.EvaluationPassed(ctx, p.ApplicationID, evaluation); err != nil {
			return TrancheResult{}, unverifiable(err, domain.ErrGateUnverifiable.With("the %s evaluation of project %s cannot be verified: %v", evaluation, p.ApplicationID, err))
		}
	}
	by := subject(ctx)
	return number(cmd.Number).of(s.mutatePlan(ctx, cmd.Key, cmd.PlanID, "TRANCHE_REQUESTED", func(_ context.Context, p *domain.Plan) (string, error) {
		return fmt.Sprintf("tranche=%d gate_evaluation=%s passed=%t", cmd.Number, evaluation, passed), p.RequestTranche(cmd.Number, passed, s.now(), by)
	}))
}

// unverifiable turns supervision's "cannot answer" (it is missing or unreachable) into refusal, and passes
// every other error on.
func unverifiable(err error, refusal error) error {
	if e, ok := errs.As(err); ok && (e.Kind == errs.Unavailable || e.Reason == "SUPERVISION_UNAVAILABLE") {
		return refusal
	}
	return err
}

// ApproveTranche approves a requested tranche.
func (s *Service) ApproveTranche(ctx context.Context, cmd TrancheCommand) (TrancheResult, error) {
	by := subject(ctx)
	return number(cmd.Number).of(s.mutatePlan(ctx, cmd.Key, cmd.PlanID, "TRANCHE_APPROVED", func(_ context.Context, p *domain.Plan) (string, error) {
		return fmt.Sprintf("tranche=%d", cmd.Number), p.ApproveTranche(cmd.Number, s.now(), by)
	}))
}

// PayTranche records the payment of one share of an approved tranche.
type PayTranche struct {
	Key              idempotency.Key
	PlanID           string
	Number           int
	Share            domain.Share
	PaymentReference string
}

// PayTranche records one share's payment; the tranche is PAID when both shares are. No tranche is ever paid
// twice, whatever fails in between:
//   - GOVERNMENT (FINANCE, with its bank payment reference): one unit of work marks the share paid and posts
//     the tranche's pending government transfer in the ledger (posted at most once);
//   - DONATION (CHARITY_FEDERATION): a unit of work records the payment as started under the reference, then
//     the donations service reserves and releases the share under transfer IDs derived from the plan and the
//     tranche (idempotent there), with nothing open here, then a unit of work marks it paid. A retry after a
//     failure anywhere repeats the same idempotent steps; a started payment is completed even if the plan is
//     suspended meanwhile, so money the donations service moved is always recorded.
//
// Paying a paid share again under the same reference answers the tranche as it is; under another
// reference it is SHARE_ALREADY_PAID.
func (s *Service) PayTranche(ctx context.Context, cmd PayTranche) (TrancheResult, error) {
	if out, done, err := idempotency.Replay[domain.Plan](ctx, s.requests, cmd.Key); done || err != nil {
		return number(cmd.Number).of(out, err)
	}
	ref, err := domain.CleanReference(cmd.PaymentReference, domain.ErrReferenceRequired)
	if err != nil {
		return TrancheResult{}, err
	}
	if err := payer(identity.From(ctx), cmd.Share); err != nil {
		return TrancheResult{}, err
	}
	if cmd.Share == domain.ShareDonation {
		return s.payDonation(ctx, cmd, ref)
	}
	by := subject(ctx)
	paidNow := false
	plan, err := s.mutatePlan(ctx, cmd.Key, cmd.PlanID, "GOVERNMENT_SHARE_PAID", func(ctx context.Context, p *domain.Plan) (string, error) {
		paidNow = false
		now := s.now()
		paid, err := p.PayGovernment(cmd.Number, ref, now)
		if err != nil || !paid {
			return "", err
		}
		t, _ := p.Tranche(cmd.Number)
		_, err = s.ledger.CreateTransfers(ctx, ledger.Transfer{ID: domain.PayTransferID(p.ID, cmd.Number), Kind: ledger.PostPending,
			PendingID: domain.CommitTransferID(p.ID, cmd.Number), Reason: fmt.Sprintf("government share of tranche %d paid, payment reference %s", cmd.Number, ref),
			RequestedBy: by, RequestID: cmd.Key.RequestID, CreatedAt: now})
		paidNow = err == nil
		return fmt.Sprintf("tranche=%d amount_fen=%d payment_reference=%s", cmd.Number, t.GovernmentFen, ref), err
	})
	if err == nil && paidNow {
		countTranchePaid(ctx, domain.ShareGovernment) // committed (metrics.go)
	}
	return number(cmd.Number).of(plan, err)
}

// payer refuses a share the caller does not pay: FINANCE pays the government share, CHARITY_FEDERATION the
// donation share.
func payer(who identity.Identity, share domain.Share) error {
	switch share {
	case domain.ShareGovernment:
		if who.Has(identity.Finance) {
			return nil
		}
	case domain.ShareDonation:
		if who.Has(identity.CharityFederation) {
			return nil
		}
	default:
		return domain.ErrInvalidShare
	}
	return domain.ErrWrongPayer
}

func (s *Service) payDonation(ctx context.Context, cmd PayTranche, ref string) (TrancheResult, error) {
	p, err := s.loadVisible(ctx, cmd.PlanID)
	if err != nil {
		return TrancheResult{}, err
	}
	step, err := p.DonationPayment(cmd.Number, ref)
	if err != nil {
		return TrancheResult{}, err
	}
	if step == domain.DonationDone {
		return number(cmd.Number).of(s.view(ctx, p))
	}
	if step == domain.DonationStart {
		// The intent first, in its own unit of work (without the request record: the request is not done).
		if _, err := idempotency.Run(ctx, s.requests, idempotency.Key{}, func(ctx context.Context) (domain.Plan, error) {
			return s.changePlan(ctx, cmd.Key, cmd.PlanID, "DONATION_PAYMENT_STARTED", func(_ context.Context, p *domain.Plan) (string, error) {
				return fmt.Sprintf("tranche=%d payment_reference=%s", cmd.Number, ref), p.StartDonation(cmd.Number, ref)
			})
		}); err != nil {
			return TrancheResult{}, err
		}
	}
	t, _ := p.Tranche(cmd.Number)
	reserveID := domain.DonationReserveID(p.ID, cmd.Number)
	reason := fmt.Sprintf("plan %s tranche %d donation share, payment reference %s", p.ID, cmd.Number, ref)
	if err := s.donations.ReserveShare(ctx, reserveID, p.ApplicationID, t.DonationFen, reason); err != nil {
		if ledger.ErrInsufficientFunds.Is(err) {
			// Refused outright: nothing is reserved, so the payment may start again later.
			if _, aerr := idempotency.Run(ctx, s.requests, idempotency.Key{}, func(ctx context.Context) (domain.Plan, error) {
				return s.changePlan(ctx, cmd.Key, cmd.PlanID, "DONATION_PAYMENT_ABORTED", func(_ context.Context, p *domain.Plan) (string, error) {
					return fmt.Sprintf("tranche=%d payment_reference=%s: %v", cmd.Number, ref, err), p.AbortDonation(cmd.Number, ref)
				})
			}); aerr != nil {
				return TrancheResult{}, aerr
			}
		}
		return TrancheResult{}, err
	}
	if err := s.donations.ReleaseShare(ctx, domain.DonationReleaseID(p.ID, cmd.Number), reserveID); err != nil {
		return TrancheResult{}, err
	}
	paidNow := false
	plan, err := s.mutatePlan(ctx, cmd.Key, cmd.PlanID, "DONATION_SHARE_PAID", func(_ context.Context, p *domain.Plan) (string, error) {
		step, _ := p.DonationPayment(cmd.Number, ref) // DonationDone: paid by a concurrent retry, not again
		err := p.FinishDonation(cmd.Number, ref, s.now())
		paidNow = err == nil && step == domain.DonationInFlight
		return fmt.Sprintf("tranche=%d amount_fen=%d payment_reference=%s reserve=%s", cmd.Number, t.DonationFen, ref, reserveID), err
	})
	if err == nil && paidNow {
		countTranchePaid(ctx, domain.ShareDonation) // committed (metrics.go)
	}
	return number(cmd.Number).of(plan, err)
}
