package store

import (
	"context"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/services/donations/internal/app"
)

// ListTransfers returns the ledger transfers f selects, oldest first (pkg/ledger/pgledger).
func (s *Store) ListTransfers(ctx context.Context, f ledger.TransferFilter) ([]ledger.Transfer, error) {
	return s.Ledger.ListTransfers(ctx, f)
}

// ListPledgeEvents returns up to f.Limit pledge events after the keyset position (at, id), oldest first. An
// application's are those of the pledges made or redirected to it.
func (s *Store) ListPledgeEvents(ctx context.Context, f app.PledgeEventFilter) ([]app.PledgeEventEntry, error) {
	var afterID int64
	if f.AfterID != "" {
		var err error
		if afterID, err = strconv.ParseInt(f.AfterID, 10, 64); err != nil {
			return nil, err
		}
	}
	rows, err := s.q(ctx).Query(ctx, `SELECT e.id, p.application_id::text, e.pledge_id::text, e.action, e.at, e.by_subject, e.request_id, e.detail
		FROM pledge_events e JOIN pledges p ON p.id = e.pledge_id
		WHERE ($1 = '' OR p.application_id::text = $1 OR p.redirect_application_id::text = $1) AND ($2 = '' OR e.pledge_id::text = $2)
		  AND ($3::timestamptz IS NULL OR e.at >= $3) AND ($4::timestamptz IS NULL OR e.at < $4)
		  AND (e.at, e.id) > ($5, $6)
		ORDER BY e.at, e.id LIMIT $7`, f.ApplicationID, f.PledgeID, db.NullTime(f.From), db.NullTime(f.To), f.AfterTime, afterID, f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (app.PledgeEventEntry, error) {
		var e app.PledgeEventEntry
		var id int64
		err := row.Scan(&id, &e.ApplicationID, &e.PledgeID, &e.Action, &e.At, &e.By, &e.RequestID, &e.Detail)
		e.ID = strconv.FormatInt(id, 10)
		return e, err
	})
}
