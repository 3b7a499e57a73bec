package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/dbtest"
	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/pkg/sealed/pgreseal/resealtest"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
	"github.com/commonweal/commonweal/services/donations/internal/store"
	"github.com/commonweal/commonweal/services/donations/internal/store/migrations"
)

var schema = dbtest.New("donations", "donations-test", migrations.FS)

func TestResealAfterRotationKeepsDonorsReadable(t *testing.T) {
	pool := schema.Pool(t, 0)
	resealtest.Run(t, pool, resealtest.Store{
		Table:  "donors",
		Sealed: store.SealedTables,
		Insert: func(ctx context.Context, box *sealed.Box, id string, p resealtest.Person) error {
			return store.New(pool, box).InsertDonor(ctx, domain.Donor{ID: id, Name: "donor " + id, Kind: domain.DonorIndividual,
				IDNumber: p.IDNumber, ContactPhone: p.Phone, OwnerSubject: "user-1", CreatedAt: time.Now().UTC().Truncate(time.Microsecond)})
		},
		Read: func(ctx context.Context, box *sealed.Box, id string) (resealtest.Person, error) {
			d, err := store.New(pool, box).GetDonor(ctx, id)
			return resealtest.Person{IDNumber: d.IDNumber, Phone: d.ContactPhone}, err
		},
		Reseal: store.Reseal,
	})
}
