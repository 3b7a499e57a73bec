package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/dbtest"
	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/pkg/sealed/pgreseal/resealtest"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
	"github.com/commonweal/commonweal/services/applications/internal/store"
	"github.com/commonweal/commonweal/services/applications/internal/store/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var schema = dbtest.New("applications", "applications-test", migrations.FS)

func TestResealAfterRotationKeepsOrganizationsReadable(t *testing.T) {
	pool := schema.Pool(t, 0)
	resealtest.Run(t, pool, resealtest.Store{
		Table:  "organizations",
		Sealed: store.SealedTables,
		Insert: func(ctx context.Context, box *sealed.Box, id string, p resealtest.Person) error {
			return store.New(pool, box).InsertOrganization(ctx, domain.Organization{ID: id, Name: "org " + id, Kind: domain.OrgIndividual,
				Registered: true, IDNumber: p.IDNumber, ContactPhone: p.Phone, OwnerSubject: "user-1", CreatedAt: time.Now().UTC().Truncate(time.Microsecond)})
		},
		Read: func(ctx context.Context, box *sealed.Box, id string) (resealtest.Person, error) {
			o, err := store.New(pool, box).GetOrganization(ctx, id)
			return resealtest.Person{IDNumber: o.IDNumber, Phone: o.ContactPhone}, err
		},
		Reseal: store.Reseal,
	})
}
