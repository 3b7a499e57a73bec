package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// RoundPanelScores reads, in one query, the panel scores the round's shortlist entries (SHORTLIST) and its
// finalists' result entries (FINAL) hold, by stage then application ID.
func (s *Store) RoundPanelScores(ctx context.Context, roundID string) ([]domain.StagePanelScore, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT application_id::text, $2::text, panel_score FROM shortlist_entries WHERE round_id = $1
		UNION ALL
		SELECT application_id::text, $3::text, panel_score FROM result_entries WHERE round_id = $1 AND finalist
		ORDER BY 2 DESC, 1`, roundID, string(domain.StageShortlist), string(domain.StageFinal))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.StagePanelScore, error) {
		var e domain.StagePanelScore
		return e, row.Scan(&e.ApplicationID, &e.Stage, &e.PanelScore)
	})
}
