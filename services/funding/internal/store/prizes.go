package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

const prizeCols = `round_id, application_id, tier, amount_fen, certificate_number, payee_org_id, paid_at, paid_by, request_id`

func listPrizes(ctx context.Context, q db.Querier, where string, args ...any) ([]domain.Prize, error) {
	rows, err := q.Query(ctx, `SELECT `+prizeCols+` FROM idea_prizes WHERE `+where+` ORDER BY round_id, position`, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Prize, error) {
		var z domain.Prize
		err := row.Scan(&z.RoundID, &z.ApplicationID, &z.Tier, &z.AmountFen, &z.CertificateNumber, &z.PayeeOrgID, &z.PaidAt, &z.PaidBy, &z.RequestID)
		return z, err
	})
}

// PrizesOfRound lists a round's prizes in the order they were numbered (by tier, then rank).
func (s *Store) PrizesOfRound(ctx context.Context, roundID string) ([]domain.Prize, error) {
	return listPrizes(ctx, s.q(ctx), `round_id = $1`, roundID)
}

// InsertPrizes stores prizes in order, each with the year's next certificate number. The year's counter
// advances only inside this transaction, under its row lock, so numbers have no gap and no duplicate.
func (s *Store) InsertPrizes(ctx context.Context, year int, prizes []domain.Prize) ([]domain.Prize, error) {
	out := make([]domain.Prize, len(prizes))
	err := db.InTx(ctx, s.pool, func(ctx context.Context) error {
		for i, z := range prizes {
			var n int64
			if err := s.q(ctx).QueryRow(ctx, `INSERT INTO certificate_counters (year, last) VALUES ($1, 1)
				ON CONFLICT (year) DO UPDATE SET last = certificate_counters.last + 1 RETURNING last`, year).Scan(&n); err != nil {
				return err
			}
			z.CertificateNumber = domain.CertificateNumber(year, n)
			if _, err := s.q(ctx).Exec(ctx, `INSERT INTO idea_prizes (`+prizeCols+`, position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				z.RoundID, z.ApplicationID, z.Tier, z.AmountFen, z.CertificateNumber, z.PayeeOrgID, z.PaidAt, z.PaidBy, z.RequestID, i+1); err != nil {
				return err
			}
			out[i] = z
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
