package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

const shareReturnCols = `transfer_id, payment_reference, application_id, amount_fen, reason, returned_by, returned_at`

func scanShareReturn(row pgx.Row) (domain.ShareReturn, error) {
	var r domain.ShareReturn
	err := row.Scan(&r.TransferID, &r.PaymentReference, &r.ApplicationID, &r.AmountFen, &r.Reason, &r.ReturnedBy, &r.ReturnedAt)
	return r, err
}

func collectShareReturns(rows pgx.Rows, err error) ([]domain.ShareReturn, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.ShareReturn, error) { return scanShareReturn(row) })
}

// InsertShareReturn records r unless its transfer ID or payment reference is known (a concurrent insert of
// either waits for the first to end); when it is not inserted, it returns the return stored under r's transfer
// ID, or found = false when the payment reference is another return's.
func (s *Store) InsertShareReturn(ctx context.Context, r domain.ShareReturn) (domain.ShareReturn, bool, bool, error) {
	tag, err := s.q(ctx).Exec(ctx, `INSERT INTO share_returns (`+shareReturnCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
		r.TransferID, r.PaymentReference, r.ApplicationID, r.AmountFen, r.Reason, r.ReturnedBy, r.ReturnedAt)
	if err != nil {
		return domain.ShareReturn{}, false, false, err
	}
	if tag.RowsAffected() == 1 {
		return r, true, true, nil
	}
	stored, err := scanShareReturn(s.q(ctx).QueryRow(ctx, `SELECT `+shareReturnCols+` FROM share_returns WHERE transfer_id = $1`, r.TransferID))
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.ShareReturn{}, false, false, nil
	}
	return stored, false, err == nil, err
}

// ShareTotals is what was paid out to an application (the posts of its donation shares' reservations) and what
// came back from it (its share returns).
func (s *Store) ShareTotals(ctx context.Context, applicationID string) (paidOutFen, returnedFen int64, err error) {
	err = s.q(ctx).QueryRow(ctx, `SELECT
		(SELECT coalesce(sum(amount_fen), 0) FROM ledger_transfers WHERE reference = $1 AND kind = $2 AND debit_account = $3 AND credit_account = $4),
		(SELECT coalesce(sum(amount_fen), 0) FROM share_returns WHERE application_id = $5)`,
		domain.ApplicationReference(applicationID), ledger.PostPending, domain.EarmarkedAccount(applicationID), domain.AccountPayoutPending,
		applicationID).Scan(&paidOutFen, &returnedFen)
	return paidOutFen, returnedFen, err
}
