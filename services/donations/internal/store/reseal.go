package store

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/pkg/sealed/pgreseal"
)

// SealedTables are the columns this service seals, each bound to its row (see the seal and open call sites).
var SealedTables = []pgreseal.Table{
	{Schema: "donations", Name: "donors", Columns: []string{"id_number_sealed", "phone_sealed"}},
}

// Reseal moves every sealed value to box's newest key (`donations reseal`).
func Reseal(ctx context.Context, pool *pgxpool.Pool, box *sealed.Box) error {
	_, err := pgreseal.Run(ctx, pool, box, pgreseal.DefaultBatch, SealedTables...)
	return err
}
