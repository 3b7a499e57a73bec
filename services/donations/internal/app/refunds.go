package app

import (
	"context"
	"fmt"
	"time"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// RefundPledge returns a donation to its donor.
type RefundPledge struct {
	Key      idempotency.Key
	PledgeID string
	Reason   string
}

// RefundPledge returns a late donation, or one to a project not selected, to the donor.
func (s *Service) RefundPledge(ctx context.Context, cmd RefundPledge) (domain.Pledge, error) {
	if out, done, err := idempotency.Replay[domain.Pledge](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	by := identity.From(ctx).Subject
	return s.giveBack(ctx, giveBack{key: cmd.Key, pledgeID: cmd.PledgeID, verb: "refund", reason: cmd.Reason},
		func(ctx context.Context, p *domain.Pledge, stage string, now time.Time) (string, domain.PledgeEvent, error) {
			if err := p.Refund(stage, now); err != nil {
				return "", domain.PledgeEvent{}, err
			}
			return domain.AccountRefunds, domain.PledgeEvent{PledgeID: p.ID, Action: "REFUNDED", At: now, By: by,
				RequestID: cmd.Key.RequestID, Detail: returnDetail(*p, stage, cmd.Reason)}, nil
		})
}

// RedirectPledge moves a donation on to another project's earmark at the donor's choice.
type RedirectPledge struct {
	Key                 idempotency.Key
	PledgeID            string
	TargetApplicationID string // required: SHORTLISTED or SELECTED, not the pledge's own
	Reason              string
}

// RedirectPledge moves a late donation, or one to a project not selected, at the donor's choice on to the
// target application's earmark (DOMAIN.md §6): one ledger transfer from the pledge's account into the target's
// earmarked account (in kind: its in-kind account), pledge:<id>:redirect, at most once. The target's stage is
// asked of the applications service with nothing open, then checked in the unit of work with the pledge's.
func (s *Service) RedirectPledge(ctx context.Context, cmd RedirectPledge) (domain.Pledge, error) {
	if out, done, err := idempotency.Replay[domain.Pledge](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	target := cmd.TargetApplicationID
	if target == "" {
		return domain.Pledge{}, domain.ErrRedirectTargetRequired
	}
	if err := ids.Parse("target_application_id", target); err != nil {
		return domain.Pledge{}, err
	}
	t, err := s.apps.GetApplication(ctx, target)
	if err != nil {
		if domain.ErrApplicationNotFound.Is(err) {
			return domain.Pledge{}, domain.ErrApplicationNotFound.Field("target_application_id", "no application has this ID")
		}
		return domain.Pledge{}, err
	}
	by := identity.From(ctx).Subject
	return s.giveBack(ctx, giveBack{key: cmd.Key, pledgeID: cmd.PledgeID, verb: "redirect", reason: "to " + target + ": " + cmd.Reason},
		func(ctx context.Context, p *domain.Pledge, stage string, now time.Time) (string, domain.PledgeEvent, error) {
			if err := p.Redirect(stage, target, t.Stage, now); err != nil {
				return "", domain.PledgeEvent{}, err
			}
			return domain.RedirectAccount(*p), domain.PledgeEvent{PledgeID: p.ID, Action: "REDIRECTED", At: now, By: by,
				RequestID: cmd.Key.RequestID, Detail: fmt.Sprintf("target=%s target_stage=%s %s", target, t.Stage, returnDetail(*p, stage, cmd.Reason))}, nil
		})
}

// returnDetail is the audit detail of a refund or redirection: the amount, the grounds it was allowed on (late,
// or the project's stage) and the caller's reason.
func returnDetail(p domain.Pledge, stage, reason string) string {
	return fmt.Sprintf("amount_fen=%d late=%t stage=%s reason=%s", p.ConfirmedValue(), p.Late, stage, reason)
}

// giveBack is what a refund and a redirection share.
type giveBack struct {
	key      idempotency.Key
	pledgeID string
	verb     string // refund or redirect: the transfer is pledge:<id>:<verb>
	reason   string
}

// giveBack runs a new refund or redirection: the application's stage is asked of the applications service
// first, then in one unit of work change changes the locked pledge and names the account the money goes to and
// the event to record, the money moves there, and the event is recorded.
func (s *Service) giveBack(ctx context.Context, g giveBack, change func(ctx context.Context, p *domain.Pledge, stage string, now time.Time) (string, domain.PledgeEvent, error)) (domain.Pledge, error) {
	if err := ids.Parse("pledge_id", g.pledgeID); err != nil {
		return domain.Pledge{}, err
	}
	first, err := s.pledges.GetPledge(ctx, g.pledgeID)
	if err != nil {
		return domain.Pledge{}, err
	}
	a, err := s.apps.GetApplication(ctx, first.ApplicationID)
	if err != nil {
		return domain.Pledge{}, err
	}
	by := identity.From(ctx).Subject
	return idempotency.Run(ctx, s.requests, g.key, func(ctx context.Context) (domain.Pledge, error) {
		return s.pledges.UpdatePledge(ctx, g.pledgeID, func(p *domain.Pledge) error {
			now := s.now()
			from := domain.ConfirmedAccount(*p)
			to, event, err := change(ctx, p, a.Stage, now)
			if err != nil {
				return err
			}
			if _, err = s.ledger.CreateTransfer(ctx, pledgeTransfer(p, g.verb, from, to, g.verb+": "+g.reason, by, g.key.RequestID, now)); err != nil {
				return err
			}
			// The event last: a unit of work takes the ledger's chain lock before the pledge events' (chains.go).
			return s.pledges.RecordEvent(ctx, event)
		})
	})
}
