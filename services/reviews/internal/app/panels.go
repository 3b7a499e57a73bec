package app

import (
	"context"
	"slices"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// PanelRepository keeps panels with their members and recusals.
type PanelRepository interface {
	// InsertPanel stores a new panel, its members and recusals; a second panel for the round and stage is
	// PANEL_EXISTS.
	InsertPanel(ctx context.Context, p domain.Panel) error
	// GetPanel reads a panel with its members and recusals; NOT_FOUND when missing.
	GetPanel(ctx context.Context, id string) (domain.Panel, error)
	// PanelFor reads a round's panel for a stage; PANEL_MISSING when there is none.
	PanelFor(ctx context.Context, roundID string, stage domain.Stage) (domain.Panel, error)
}

// CreatePanel is the input of CreatePanel.
type CreatePanel struct {
	Key     idempotency.Key
	RoundID string
	Stage   domain.Stage
	Members []domain.Member
}

// CreatePanel creates the panel of a round for a stage and records the conflicts it can detect.
func (s *Service) CreatePanel(ctx context.Context, cmd CreatePanel) (domain.Panel, error) {
	if out, done, err := idempotency.Replay[domain.Panel](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	r, err := s.round(ctx, cmd.RoundID)
	if err != nil {
		return domain.Panel{}, err
	}
	if err := domain.CheckNewPanel(cmd.Stage, cmd.Members, r.Policy); err != nil {
		return domain.Panel{}, err
	}
	if r.Phase.After(domain.ScoringPhase(cmd.Stage)) {
		return domain.Panel{}, domain.ErrStagePassed.With("the round is in %s, past the %s review", r.Phase, cmd.Stage)
	}
	accepted, err := s.cfg.Apps.ListAccepted(ctx, cmd.RoundID)
	if err != nil {
		return domain.Panel{}, err
	}
	now := s.now()
	p := domain.Panel{ID: ids.New(), RoundID: cmd.RoundID, Stage: cmd.Stage, Members: cmd.Members, CreatedAt: now, CreatedBy: subjectOf(ctx)}
	for _, a := range accepted {
		donors, err := s.donorsIfNeeded(ctx, p, a.ID, false)
		if err != nil {
			return domain.Panel{}, err
		}
		for _, m := range cmd.Members {
			for _, rc := range domain.DetectConflicts(p.ID, m, a, donors) {
				rc.CreatedAt, rc.CreatedBy = now, domain.Detected
				p.Recusals = append(p.Recusals, rc)
			}
		}
	}
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Panel, error) {
		return p, s.panels.InsertPanel(ctx, p)
	})
}

// donorsIfNeeded lists an application's donors when the panel has a donor representative. Without the
// donations service it refuses when required and otherwise returns nothing (scoring checks again).
func (s *Service) donorsIfNeeded(ctx context.Context, p domain.Panel, applicationID string, required bool) ([]string, error) {
	if !slices.ContainsFunc(p.Members, func(m domain.Member) bool { return m.Kind == domain.KindDonorRep }) {
		return nil, nil
	}
	if s.cfg.Donations == nil {
		if required {
			return nil, domain.ErrDonationsMissing.With("a donor representative's conflicts cannot be checked without the donations service")
		}
		return nil, nil
	}
	return s.cfg.Donations.Donors(ctx, applicationID)
}

// canSeePanel: OPERATOR, ORGANIZER and AUDITOR (who reads everything, DOMAIN.md §1) see every panel, anyone
// else (a REVIEWER, by the authorisation table) only the panels it sits on.
func canSeePanel(who identity.Identity, p domain.Panel) error {
	if who.Has(identity.Operator, identity.Organizer, identity.Auditor) || p.HasMember(who.Subject) {
		return nil
	}
	return errs.ErrNotFound.With("panel %s not found", p.ID)
}

// GetPanel returns a panel with members and recusals to the staff who run reviews and to its members.
func (s *Service) GetPanel(ctx context.Context, id string) (domain.Panel, error) {
	if err := ids.Parse("panel_id", id); err != nil {
		return domain.Panel{}, err
	}
	p, err := s.panels.GetPanel(ctx, id)
	if err != nil {
		return domain.Panel{}, err
	}
	if err := canSeePanel(identity.From(ctx), p); err != nil {
		return domain.Panel{}, err
	}
	return p, nil
}

// memberPanel loads a panel the caller may act on for reviewerID: a reviewer only for itself on a panel it
// sits on; an OPERATOR (when operatorMay) for any member.
func (s *Service) memberPanel(ctx context.Context, panelID, reviewerID string, operatorMay bool) (domain.Panel, domain.Member, error) {
	who := identity.From(ctx)
	if !(operatorMay && who.Has(identity.Operator)) && who.Subject != reviewerID {
		return domain.Panel{}, domain.Member{}, domain.ErrNotSelf.With("%s may not act for reviewer %s", who.Subject, reviewerID)
	}
	if err := ids.Parse("panel_id", panelID); err != nil {
		return domain.Panel{}, domain.Member{}, err
	}
	p, err := s.panels.GetPanel(ctx, panelID)
	if err != nil {
		return p, domain.Member{}, err
	}
	if err := canSeePanel(who, p); err != nil {
		return p, domain.Member{}, err
	}
	m, ok := p.Member(reviewerID)
	if !ok {
		return p, m, domain.ErrNotMember.Field("reviewer_id", "not a member of this panel")
	}
	return p, m, nil
}

// ReviewerPanelRepository finds the panels a reviewer sits on.
type ReviewerPanelRepository interface {
	// ReviewerPanels lists a reviewer's panels, of one round or (roundID empty) of every round, by round then
	// stage.
	ReviewerPanels(ctx context.Context, reviewerID, roundID string) ([]domain.ReviewerPanel, error)
}

// ListReviewerPanels lists the panels a reviewer sits on, of one round or of every round: the applications
// service asks it to show a panel member the applications its panels score (suite services only, by the
// authorisation table).
func (s *Service) ListReviewerPanels(ctx context.Context, reviewerID, roundID string) ([]domain.ReviewerPanel, error) {
	if reviewerID == "" {
		return nil, domain.ErrReviewerRequired.Field("reviewer_id", "required")
	}
	if roundID != "" {
		if err := ids.Parse("round_id", roundID); err != nil {
			return nil, err
		}
	}
	return s.revPanels.ReviewerPanels(ctx, reviewerID, roundID)
}
