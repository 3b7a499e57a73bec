package pgledger

import (
	"context"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/ledger"
)

// ListTransfers returns the transfers f selects, oldest first (created_at, then ID), for the audit trail's
// keyset pages (pkg/rpc.List). An empty References or Accounts puts no condition; both given, a transfer must
// match both.
func (s *Store) ListTransfers(ctx context.Context, f ledger.TransferFilter) ([]ledger.Transfer, error) {
	return collectTransfers(s.q(ctx).Query(ctx, `SELECT `+transferCols+` FROM ledger_transfers
		WHERE (cardinality($1::text[]) = 0 OR reference = ANY ($1))
		  AND (cardinality($2::text[]) = 0 OR debit_account = ANY ($2) OR credit_account = ANY ($2))
		  AND ($3::timestamptz IS NULL OR created_at >= $3) AND ($4::timestamptz IS NULL OR created_at < $4)
		  AND (created_at, id) > ($5, $6)
		ORDER BY created_at, id LIMIT $7`,
		nonNil(f.References), nonNil(f.Accounts), db.NullTime(f.From), db.NullTime(f.To), f.AfterTime, f.AfterID, f.Limit))
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
