package app

import (
	"context"
	"fmt"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// AppraisePledge values an in-kind pledge.
type AppraisePledge struct {
	Key      idempotency.Key
	PledgeID string
	ValueFen int64
	Notes    string
}

// AppraisePledge values an in-kind pledge (PLEDGED → APPRAISED).
func (s *Service) AppraisePledge(ctx context.Context, cmd AppraisePledge) (domain.Pledge, error) {
	if out, done, err := idempotency.Replay[domain.Pledge](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	if err := ids.Parse("pledge_id", cmd.PledgeID); err != nil {
		return domain.Pledge{}, err
	}
	by := identity.From(ctx).Subject
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Pledge, error) {
		return s.pledges.UpdatePledge(ctx, cmd.PledgeID, func(p *domain.Pledge) error {
			now := s.now()
			if err := p.Appraise(cmd.ValueFen, cmd.Notes, now); err != nil {
				return err
			}
			return s.pledges.RecordEvent(ctx, domain.PledgeEvent{PledgeID: p.ID, Action: "APPRAISED", At: now, By: by, RequestID: cmd.Key.RequestID,
				Detail: fmt.Sprintf("value_fen=%d notes=%s", cmd.ValueFen, cmd.Notes)})
		})
	})
}

// ApproveAppraisal approves an in-kind pledge's value.
type ApproveAppraisal struct {
	Key      idempotency.Key
	PledgeID string
}

// ApproveAppraisal approves an in-kind pledge's value (APPRAISED → APPROVED), issues its receipt and books it.
// The round's donation cutoff is asked of the applications service before the unit of work starts.
func (s *Service) ApproveAppraisal(ctx context.Context, cmd ApproveAppraisal) (domain.Pledge, error) {
	if out, done, err := idempotency.Replay[domain.Pledge](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	if err := ids.Parse("pledge_id", cmd.PledgeID); err != nil {
		return domain.Pledge{}, err
	}
	first, err := s.pledges.GetPledge(ctx, cmd.PledgeID)
	if err != nil {
		return domain.Pledge{}, err
	}
	r, err := s.apps.GetRound(ctx, first.RoundID)
	if err != nil {
		return domain.Pledge{}, err
	}
	by := identity.From(ctx).Subject
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Pledge, error) {
		return s.pledges.UpdatePledge(ctx, cmd.PledgeID, func(p *domain.Pledge) error {
			now := s.now()
			if err := p.Approve(now, r.DonationCutoff); err != nil {
				return err
			}
			if err := s.bookConfirmation(ctx, p, now, "in-kind donation approved", by, cmd.Key.RequestID); err != nil {
				return err
			}
			return s.pledges.RecordEvent(ctx, domain.PledgeEvent{PledgeID: p.ID, Action: "APPROVED", At: now, By: by, RequestID: cmd.Key.RequestID,
				Detail: fmt.Sprintf("value_fen=%d late=%t receipt=%s", p.AppraisedValueFen, p.Late, p.ReceiptNumber)})
		})
	})
}
