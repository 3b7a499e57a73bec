package app

import (
	"context"
	"fmt"
	"reflect"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

// Plans keeps funding plans and their audit trail.
type Plans interface {
	InsertPlans(ctx context.Context, plans []domain.Plan) error
	// GetPlan and PlanOfApplication are NOT_FOUND for an unknown plan.
	GetPlan(ctx context.Context, id string) (domain.Plan, error)
	PlanOfApplication(ctx context.Context, applicationID string) (domain.Plan, error)
	// PlansOfRound lists a round's plans in selection order.
	PlansOfRound(ctx context.Context, roundID string) ([]domain.Plan, error)
	// UpdatePlan is the load → lock → change → save of a plan in the context's unit of work.
	UpdatePlan(ctx context.Context, id string, change func(p *domain.Plan) error) (domain.Plan, error)
	RecordEvent(ctx context.Context, e domain.PlanEvent) error
	// InsertReturn records a clawback return unless its payment reference is known; it returns the return
	// stored under the reference.
	InsertReturn(ctx context.Context, r domain.ClawbackReturn) (stored domain.ClawbackReturn, inserted bool, err error)
	// GetReturn reads the return recorded under a payment reference, without a lock; ok is false when none is.
	GetReturn(ctx context.Context, paymentReference string) (r domain.ClawbackReturn, ok bool, err error)
}

// CreatePlans creates a round's funding plans.
type CreatePlans struct {
	Key     idempotency.Key
	RoundID string
}

// CreatePlans creates one plan per project selected in the round's signed-off results: the donation share
// is the cash confirmed at the donation cutoff (in kind beside it), the government share is quoted under the
// round's terms and committed from the pool, tranche by tranche. The results, the round, the applications
// and the donations are asked first, with nothing open; the unit of work then takes the round's lock, and
// creates every plan or none (POOL_INSUFFICIENT when the pool cannot cover them). A second call creates
// nothing and answers the plans.
func (s *Service) CreatePlans(ctx context.Context, cmd CreatePlans) ([]domain.Plan, error) {
	if out, done, err := idempotency.Replay[[]domain.Plan](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	if err := ids.Parse("round_id", cmd.RoundID); err != nil {
		return nil, err
	}
	if existing, err := s.plans.PlansOfRound(ctx, cmd.RoundID); err != nil || len(existing) > 0 {
		return s.views(ctx, existing, err)
	}
	drafts, err := s.draftPlans(ctx, cmd.RoundID)
	if err != nil {
		return nil, err
	}
	by, now := subject(ctx), s.now()
	plans, err := idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) ([]domain.Plan, error) {
		if err := s.pools.LockRound(ctx, cmd.RoundID); err != nil {
			return nil, err
		}
		if existing, err := s.plans.PlansOfRound(ctx, cmd.RoundID); err != nil || len(existing) > 0 {
			return existing, err // created meanwhile by a concurrent call
		}
		if err := s.plans.InsertPlans(ctx, drafts); err != nil {
			return nil, err
		}
		var commits []ledger.Transfer
		var total int64
		for _, p := range drafts {
			total += p.GovernmentFen
			for _, t := range p.Tranches {
				if t.GovernmentFen > 0 {
					commits = append(commits, ledger.Transfer{ID: domain.CommitTransferID(p.ID, t.Number), Kind: ledger.Pending,
						Debit: domain.PoolAccount(p.RoundID), Credit: domain.PaidAccount(p.RoundID), AmountFen: t.GovernmentFen,
						Reason:    fmt.Sprintf("government share of tranche %d committed to the plan of application %s", t.Number, p.ApplicationID),
						Reference: domain.PlanReference(p.ID), RequestedBy: by, RequestID: cmd.Key.RequestID, CreatedAt: now})
				}
			}
		}
		if _, err := s.ledger.CreateTransfers(ctx, commits...); err != nil {
			if ledger.ErrInsufficientFunds.Is(err) {
				pool, perr := s.pool(ctx, cmd.RoundID)
				if perr != nil {
					return nil, perr
				}
				return nil, domain.ErrPoolInsufficient.With("the plans need %d fen of government shares; the pool has %d fen available", total, pool.AvailableFen)
			}
			return nil, err
		}
		// The events come after the transfers: every unit of work takes the ledger's chain lock before the plan
		// events' (pkg/hashchain/pgchain), so none waits for the other's.
		for _, p := range drafts {
			if err := s.plans.RecordEvent(ctx, domain.PlanEvent{PlanID: p.ID, Action: "CREATED", At: now, By: by, RequestID: cmd.Key.RequestID,
				Detail: fmt.Sprintf("budget_fen=%d donation_fen=%d in_kind_fen=%d government_fen=%d (match %d, top-up %d) shortfall_fen=%d",
					p.BudgetFen, p.DonationFen, p.InKindFen, p.GovernmentFen, p.MatchFen, p.TopupFen, p.ShortfallFen)}); err != nil {
				return nil, err
			}
		}
		return drafts, nil
	})
	return s.views(ctx, plans, err)
}

// draftPlans reads what the plans are made from: the signed-off results (reviews), the round's policy and
// each selected application (applications), and its donations at the cutoff (donations).
func (s *Service) draftPlans(ctx context.Context, roundID string) ([]domain.Plan, error) {
	res, err := s.reviews.GetResults(ctx, roundID)
	if err != nil {
		return nil, err
	}
	if res.State != "SIGNED_OFF" {
		return nil, domain.ErrResultsNotSignedOff.With("the results of round %s are %s", roundID, orNone(res.State))
	}
	r, err := s.apps.GetRound(ctx, roundID)
	if err != nil {
		return nil, err
	}
	if r.DonationCutoff.IsZero() {
		return nil, domain.ErrResultsNotSignedOff.With("round %s has no donation cutoff", roundID)
	}
	now := s.now()
	var drafts []domain.Plan
	for i, appID := range res.Selected {
		a, err := s.apps.GetApplication(ctx, appID)
		if err != nil {
			return nil, err
		}
		if a.RoundID != roundID {
			return nil, errs.New(errs.Internal, "RESULTS_INCONSISTENT", fmt.Sprintf("selected application %s belongs to round %s", appID, a.RoundID))
		}
		d, err := s.donations.ConfirmedAt(ctx, appID, r.DonationCutoff)
		if err != nil {
			return nil, err
		}
		p, err := domain.NewPlan(domain.PlanInput{ID: ids.New(), RoundID: roundID, ApplicationID: appID, OrgID: a.OrgID, Rank: i + 1,
			BudgetFen: a.BudgetFen, CashFen: d.CashFen, InKindFen: d.InKindFen, Terms: r.Terms, Rules: r.Tranches, CreatedAt: now})
		if err != nil {
			return nil, err
		}
		drafts = append(drafts, p)
	}
	return drafts, nil
}

func orNone(state string) string {
	if state == "" {
		return "not computed"
	}
	return state
}

// GetPlan returns a project's plan to staff, partners, suite services and the project's own applicant;
// anyone else gets NOT_FOUND.
func (s *Service) GetPlan(ctx context.Context, applicationID string) (domain.Plan, error) {
	if err := ids.Parse("application_id", applicationID); err != nil {
		return domain.Plan{}, err
	}
	p, err := s.plans.PlanOfApplication(ctx, applicationID)
	if err != nil {
		return domain.Plan{}, err
	}
	if who := identity.From(ctx); !readsAll(who) && !owns(who, p.OrgID) {
		return domain.Plan{}, errs.ErrNotFound.With("no plan for application %s", applicationID)
	}
	return s.view(ctx, p)
}

// ListPlans lists a round's plans in selection order (staff, partners and suite services).
func (s *Service) ListPlans(ctx context.Context, roundID string) ([]domain.Plan, error) {
	if err := ids.Parse("round_id", roundID); err != nil {
		return nil, err
	}
	plans, err := s.plans.PlansOfRound(ctx, roundID)
	return s.views(ctx, plans, err)
}

// readsAll reports whether the caller reads every plan: staff, the partners and suite services.
func readsAll(who identity.Identity) bool {
	return who.ReadsAll() || who.Has(identity.CharityFederation, identity.LotteryCenter)
}

// view is a plan as the caller may see it: the payee's account number in clear for the project's own
// applicant and the organizer, masked for everyone else.
func (s *Service) view(ctx context.Context, p domain.Plan) (domain.Plan, error) {
	if !p.Payee.Set() {
		return p, nil
	}
	who := identity.From(ctx)
	if !owns(who, p.OrgID) && !who.Has(identity.Organizer) {
		p.Payee.AccountNumber = p.Payee.Masked
		return p, nil
	}
	n, err := s.box.Open(p.Payee.Sealed, payeeBinding(p.ID))
	if err != nil {
		return domain.Plan{}, err
	}
	p.Payee.AccountNumber = n
	return p, nil
}

func (s *Service) views(ctx context.Context, plans []domain.Plan, err error) ([]domain.Plan, error) {
	if err != nil {
		return nil, err
	}
	out := make([]domain.Plan, 0, len(plans))
	for _, p := range plans {
		v, err := s.view(ctx, p)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// planChange changes a plan under its lock, in the unit of work ctx carries; it returns the audit detail of
// what it did (recorded only when the plan changed).
type planChange func(ctx context.Context, p *domain.Plan) (detail string, err error)

// mutatePlan is the unit of work of a plan's mutation: the stored answer of a retried request, else one
// transaction that locks the plan, applies change, records the event when the plan changed, and the request.
// The answer is the plan as the caller may see it.
func (s *Service) mutatePlan(ctx context.Context, key idempotency.Key, planID, action string, change planChange) (domain.Plan, error) {
	if p, done, err := s.replayPlan(ctx, key); done || err != nil {
		return p, err
	}
	if err := ids.Parse("plan_id", planID); err != nil {
		return domain.Plan{}, err
	}
	p, err := idempotency.Run(ctx, s.requests, key, func(ctx context.Context) (domain.Plan, error) {
		return s.changePlan(ctx, key, planID, action, change)
	})
	if err != nil {
		return domain.Plan{}, err
	}
	return s.view(ctx, p)
}

// replayPlan answers a retried request from its stored answer, as the caller may see the plan; done is false
// for a request not answered yet.
func (s *Service) replayPlan(ctx context.Context, key idempotency.Key) (p domain.Plan, done bool, err error) {
	out, done, err := idempotency.Replay[domain.Plan](ctx, s.requests, key)
	if err != nil || !done {
		return domain.Plan{}, done, err
	}
	p, err = s.view(ctx, out)
	return p, true, err
}

// changePlan applies change to the locked plan inside the current unit of work and records the event.
func (s *Service) changePlan(ctx context.Context, key idempotency.Key, planID, action string, change planChange) (domain.Plan, error) {
	var detail string
	var changed bool
	p, err := s.plans.UpdatePlan(ctx, planID, func(p *domain.Plan) error {
		before := p.Clone()
		var err error
		if detail, err = change(ctx, p); err != nil {
			return err
		}
		changed = !reflect.DeepEqual(before, *p)
		return nil
	})
	if err != nil || !changed {
		return p, err
	}
	return p, s.plans.RecordEvent(ctx, domain.PlanEvent{PlanID: planID, Action: action, At: s.now(), By: subject(ctx), RequestID: key.RequestID, Detail: detail})
}

// loadVisible reads a plan, without a lock, for the checks made before asking other services: NOT_FOUND for
// an applicant's call about another organisation's plan.
func (s *Service) loadVisible(ctx context.Context, planID string) (domain.Plan, error) {
	if err := ids.Parse("plan_id", planID); err != nil {
		return domain.Plan{}, err
	}
	p, err := s.plans.GetPlan(ctx, planID)
	if err != nil {
		return domain.Plan{}, err
	}
	return p, visible(ctx, p)
}

// visible refuses an applicant's access to another organisation's plan with NOT_FOUND.
func visible(ctx context.Context, p domain.Plan) error {
	if who := identity.From(ctx); !readsAll(who) && !owns(who, p.OrgID) {
		return errs.ErrNotFound.With("plan %s not found", p.ID)
	}
	return nil
}
