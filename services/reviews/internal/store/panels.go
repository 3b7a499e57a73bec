package store

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// InsertPanel stores a new panel, its members and the recusals detected at its creation; a second panel for
// the round and stage is refused.
func (s *Store) InsertPanel(ctx context.Context, p domain.Panel) error {
	_, err := s.q(ctx).Exec(ctx, `INSERT INTO panels (id, round_id, stage, created_at, created_by) VALUES ($1, $2, $3, $4, $5)`,
		p.ID, p.RoundID, p.Stage, p.CreatedAt, p.CreatedBy)
	if db.IsUniqueViolation(err) {
		return domain.ErrPanelExists.With("round %s already has a %s panel", p.RoundID, p.Stage)
	}
	if err != nil {
		return err
	}
	for i, m := range p.Members {
		if _, err := s.q(ctx).Exec(ctx, `INSERT INTO panel_members (panel_id, position, reviewer_id, name, kind, affiliation_org_id, donor_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, p.ID, i, m.ReviewerID, m.Name, m.Kind, m.AffiliationOrgID, m.DonorID); err != nil {
			return err
		}
	}
	for _, r := range p.Recusals {
		if err := s.InsertRecusal(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) loadPanel(ctx context.Context, where string, args ...any) (domain.Panel, error) {
	var p domain.Panel
	err := s.q(ctx).QueryRow(ctx, `SELECT id::text, round_id::text, stage, created_at, created_by FROM panels WHERE `+where, args...).
		Scan(&p.ID, &p.RoundID, &p.Stage, &p.CreatedAt, &p.CreatedBy)
	if err != nil {
		return p, err
	}
	rows, err := s.q(ctx).Query(ctx, `SELECT reviewer_id, name, kind, affiliation_org_id, donor_id FROM panel_members WHERE panel_id = $1 ORDER BY position`, p.ID)
	if err != nil {
		return p, err
	}
	p.Members, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Member, error) {
		var m domain.Member
		return m, row.Scan(&m.ReviewerID, &m.Name, &m.Kind, &m.AffiliationOrgID, &m.DonorID)
	})
	if err != nil {
		return p, err
	}
	p.Recusals, err = s.recusals(ctx, `panel_id = $1`, p.ID)
	return p, err
}

// GetPanel reads a panel with its members and recusals.
func (s *Store) GetPanel(ctx context.Context, id string) (domain.Panel, error) {
	p, err := s.loadPanel(ctx, `id = $1`, id)
	return p, db.NotFound(err, "panel", id)
}

// PanelFor reads the round's panel for a stage.
func (s *Store) PanelFor(ctx context.Context, roundID string, stage domain.Stage) (domain.Panel, error) {
	p, err := s.loadPanel(ctx, `round_id = $1 AND stage = $2`, roundID, stage)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, domain.ErrNoPanel.With("round %s has no %s panel", roundID, stage)
	}
	return p, err
}

func (s *Store) recusals(ctx context.Context, where string, args ...any) ([]domain.Recusal, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT panel_id::text, reviewer_id, application_id::text, source, reason, created_at, created_by FROM recusals WHERE `+where+
		` ORDER BY created_at, reviewer_id, source`, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Recusal, error) {
		var r domain.Recusal
		return r, row.Scan(&r.PanelID, &r.ReviewerID, &r.ApplicationID, &r.Source, &r.Reason, &r.CreatedAt, &r.CreatedBy)
	})
}

// InsertRecusal records a recusal (once per source) and removes any score the member gave the application, so
// a recused member's score never counts.
func (s *Store) InsertRecusal(ctx context.Context, r domain.Recusal) error {
	if _, err := s.q(ctx).Exec(ctx, `INSERT INTO recusals (panel_id, reviewer_id, application_id, source, reason, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`, r.PanelID, r.ReviewerID, r.ApplicationID, r.Source, r.Reason, r.CreatedAt, r.CreatedBy); err != nil {
		return err
	}
	_, err := s.q(ctx).Exec(ctx, `DELETE FROM scores WHERE panel_id = $1 AND reviewer_id = $2 AND application_id = $3`, r.PanelID, r.ReviewerID, r.ApplicationID)
	return err
}

// RecusalsOf lists a member's recusals on an application.
func (s *Store) RecusalsOf(ctx context.Context, panelID, reviewerID, applicationID string) ([]domain.Recusal, error) {
	return s.recusals(ctx, `panel_id = $1 AND reviewer_id = $2 AND application_id = $3`, panelID, reviewerID, applicationID)
}

// ListRecusals lists every recusal on an application.
func (s *Store) ListRecusals(ctx context.Context, applicationID string) ([]domain.Recusal, error) {
	return s.recusals(ctx, `application_id = $1`, applicationID)
}

// UpsertScore records or amends a member's score.
func (s *Store) UpsertScore(ctx context.Context, sc domain.Score) error {
	criteria, err := json.Marshal(sc.Criteria)
	if err != nil {
		return err
	}
	_, err = s.q(ctx).Exec(ctx, `INSERT INTO scores (panel_id, round_id, stage, application_id, reviewer_id, criteria, total, idea_points, updated_at, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (panel_id, application_id, reviewer_id) DO UPDATE SET criteria = EXCLUDED.criteria, total = EXCLUDED.total,
			idea_points = EXCLUDED.idea_points, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
		sc.PanelID, sc.RoundID, sc.Stage, sc.ApplicationID, sc.ReviewerID, criteria, sc.Total, sc.IdeaPoints, sc.UpdatedAt, sc.UpdatedBy)
	return err
}

// ScoresOfRound lists every score of a round's panels.
func (s *Store) ScoresOfRound(ctx context.Context, roundID string) ([]domain.Score, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT panel_id::text, round_id::text, stage, application_id::text, reviewer_id, criteria, total, idea_points, updated_at, updated_by
		FROM scores WHERE round_id = $1 ORDER BY application_id, reviewer_id`, roundID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Score, error) {
		var sc domain.Score
		var criteria []byte
		if err := row.Scan(&sc.PanelID, &sc.RoundID, &sc.Stage, &sc.ApplicationID, &sc.ReviewerID, &criteria, &sc.Total, &sc.IdeaPoints, &sc.UpdatedAt, &sc.UpdatedBy); err != nil {
			return sc, err
		}
		return sc, json.Unmarshal(criteria, &sc.Criteria)
	})
}

// ReviewerPanels lists the panels a reviewer sits on, of one round or (roundID empty) of every round, by round
// then stage (shortlist first).
func (s *Store) ReviewerPanels(ctx context.Context, reviewerID, roundID string) ([]domain.ReviewerPanel, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT p.id::text, p.round_id::text, p.stage FROM panel_members m JOIN panels p ON p.id = m.panel_id
		WHERE m.reviewer_id = $1 AND ($2 = '' OR p.round_id = $2::uuid)
		ORDER BY p.round_id, CASE p.stage WHEN 'SHORTLIST' THEN 0 ELSE 1 END`, reviewerID, roundID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.ReviewerPanel, error) {
		var p domain.ReviewerPanel
		return p, row.Scan(&p.PanelID, &p.RoundID, &p.Stage)
	})
}
