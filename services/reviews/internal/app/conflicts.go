package app

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// RecusalRepository keeps the recusals of panel members.
type RecusalRepository interface {
	// InsertRecusal records a recusal (once per source) and removes any score the member gave the
	// application, so a recused member's score never counts.
	InsertRecusal(ctx context.Context, r domain.Recusal) error
	// RecusalsOf lists a member's recusals on an application.
	RecusalsOf(ctx context.Context, panelID, reviewerID, applicationID string) ([]domain.Recusal, error)
	// ListRecusals lists every recusal on an application.
	ListRecusals(ctx context.Context, applicationID string) ([]domain.Recusal, error)
}

const maxReason = 2000

// DeclareConflict is the input of DeclareConflict.
type DeclareConflict struct {
	Key           idempotency.Key
	PanelID       string
	ReviewerID    string
	ApplicationID string
	Reason        string
}

// DeclareConflict records a conflict a reviewer declares on an application, for itself only.
func (s *Service) DeclareConflict(ctx context.Context, cmd DeclareConflict) (domain.Recusal, error) {
	if out, done, err := idempotency.Replay[domain.Recusal](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	p, _, err := s.memberPanel(ctx, cmd.PanelID, cmd.ReviewerID, false)
	if err != nil {
		return domain.Recusal{}, err
	}
	reason := strings.TrimSpace(cmd.Reason)
	if reason == "" || utf8.RuneCountInString(reason) > maxReason {
		return domain.Recusal{}, domain.ErrReasonRequired.Field("reason", "describe the conflict (at most 2000 characters)")
	}
	if _, err := s.applicationIn(ctx, p.RoundID, cmd.ApplicationID); err != nil {
		return domain.Recusal{}, err
	}
	rec := domain.Recusal{PanelID: p.ID, ReviewerID: cmd.ReviewerID, ApplicationID: cmd.ApplicationID, Source: domain.SourceDeclared,
		Reason: reason, CreatedAt: s.now(), CreatedBy: subjectOf(ctx)}
	return inRound(ctx, s, cmd.Key, p.RoundID, func(ctx context.Context) (domain.Recusal, error) {
		return rec, s.recordRecusals(ctx, p, rec)
	})
}

// recordRecusals records recusals under the round's lock. A recusal removes the member's score, so it is
// refused once the panel's stage is computed.
func (s *Service) recordRecusals(ctx context.Context, p domain.Panel, recs ...domain.Recusal) error {
	if err := s.checkNotComputed(ctx, p); err != nil {
		return err
	}
	for _, r := range recs {
		if err := s.recusals.InsertRecusal(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// ListRecusals lists an application's recusals.
func (s *Service) ListRecusals(ctx context.Context, applicationID string) ([]domain.Recusal, error) {
	if err := ids.Parse("application_id", applicationID); err != nil {
		return nil, err
	}
	return s.recusals.ListRecusals(ctx, applicationID)
}

// detectConflicts records, in a unit of work of its own, the conflicts a member has on an application
// (affiliation, donor pledge) before a score is taken, so they stay recorded when the score is refused. The
// application's donors are asked of donations before the unit of work.
func (s *Service) detectConflicts(ctx context.Context, p domain.Panel, m domain.Member, a domain.Application) error {
	var donors []string
	if m.Kind == domain.KindDonorRep {
		var err error
		if donors, err = s.donorsIfNeeded(ctx, p, a.ID, true); err != nil {
			return err
		}
	}
	found := domain.DetectConflicts(p.ID, m, a, donors)
	if len(found) == 0 {
		return nil
	}
	now := s.now()
	for i := range found {
		found[i].CreatedAt, found[i].CreatedBy = now, domain.Detected
	}
	_, err := inRound(ctx, s, idempotency.Key{}, p.RoundID, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, s.recordRecusals(ctx, p, found...)
	})
	return err
}

// applicationIn reads an application of the panel's round that passed initial review.
func (s *Service) applicationIn(ctx context.Context, roundID, applicationID string) (domain.Application, error) {
	if err := ids.Parse("application_id", applicationID); err != nil {
		return domain.Application{}, err
	}
	a, err := s.cfg.Apps.GetApplication(ctx, applicationID)
	if err != nil {
		return a, err
	}
	if a.RoundID != roundID {
		return a, domain.ErrOtherRound.Field("application_id", "not an application of the panel's round")
	}
	if !a.Accepted {
		return a, domain.ErrNotAccepted.With("application %s has not passed initial review", a.ID)
	}
	return a, nil
}
