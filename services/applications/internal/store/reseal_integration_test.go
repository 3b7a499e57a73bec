package store_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/dbtest"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/pkg/sealed/pgreseal"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
	"github.com/commonweal/commonweal/services/applications/internal/store"
	"github.com/commonweal/commonweal/services/applications/internal/store/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var schema = dbtest.New("applications", "applications-test", migrations.FS)

func keyring(t *testing.T, ids ...string) *sealed.Box {
	t.Helper()
	var keys []sealed.Key
	for _, id := range ids {
		keys = append(keys, sealed.Key{ID: id, Key: bytes.Repeat([]byte(id[len(id)-1:]), sealed.KeySize)})
	}
	box, err := sealed.NewKeyring(keys)
	if err != nil {
		t.Fatal(err)
	}
	return box
}

// legacySeal writes a value the way Seal did before key IDs (format 1: no key ID, no binding).
func legacySeal(t *testing.T, key []byte, pt string) []byte {
	t.Helper()
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	out := make([]byte, 13)
	out[0] = 1
	rand.Read(out[1:])
	return aead.Seal(out, out[1:], []byte(pt), nil)
}

func TestResealAfterRotationKeepsOrganizationsReadable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool := schema.Pool(t, 0)
	before := store.New(pool, keyring(t, "k1"))
	var donors []domain.Organization
	for i := 0; i < 5; i++ {
		d := domain.Organization{ID: ids.New(), Name: fmt.Sprintf("org %d", i), Kind: domain.OrgIndividual, Registered: true, IDNumber: fmt.Sprintf("11010119900307%04d", i),
			ContactPhone: fmt.Sprintf("1381234%04d", i), OwnerSubject: "user-1", CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
		if i == 4 {
			d.ContactPhone = "" // nothing sealed stays nothing
		}
		if err := before.InsertOrganization(ctx, d); err != nil {
			t.Fatal(err)
		}
		donors = append(donors, d)
	}
	// A row written before key IDs: the legacy format under the key that was DATA_ENCRYPTION_KEY (ID k1 now).
	if _, err := pool.Exec(ctx, `UPDATE organizations SET id_number_sealed = $2 WHERE id = $1`, donors[3].ID,
		legacySeal(t, bytes.Repeat([]byte("1"), sealed.KeySize), donors[3].IDNumber)); err != nil {
		t.Fatal(err)
	}

	rotated := keyring(t, "k2", "k1")
	for _, d := range donors {
		if got, err := store.New(pool, rotated).GetOrganization(ctx, d.ID); err != nil || got.IDNumber != d.IDNumber || got.ContactPhone != d.ContactPhone {
			t.Fatalf("before reseal, under both keys: %+v, %v", got, err)
		}
	}
	st, err := pgreseal.Run(ctx, pool, rotated, 2, store.SealedTables...)
	if err != nil || st.Rows != 5 || st.Resealed != 9 {
		t.Fatalf("reseal = %+v, %v; want 5 rows, 9 values", st, err)
	}
	if st, err := pgreseal.Run(ctx, pool, rotated, 2, store.SealedTables...); err != nil || st.Resealed != 0 {
		t.Fatalf("second reseal = %+v, %v; want nothing to do", st, err)
	}
	if err := store.Reseal(ctx, pool, rotated); err != nil {
		t.Fatal(err)
	}
	onlyNew := store.New(pool, keyring(t, "k2")) // the old key retired
	for _, d := range donors {
		if got, err := onlyNew.GetOrganization(ctx, d.ID); err != nil || got.IDNumber != d.IDNumber || got.ContactPhone != d.ContactPhone {
			t.Fatalf("after reseal, under the new key alone: %+v, %v", got, err)
		}
	}
	if _, err := store.New(pool, keyring(t, "k3")).GetOrganization(ctx, donors[0].ID); !errors.Is(err, sealed.ErrUnknownKey) {
		t.Fatalf("under an unconfigured key: err = %v, want ErrUnknownKey", err)
	}

	// A sealed value copied to another row, or to another column, does not open.
	if _, err := pool.Exec(ctx, `UPDATE organizations SET id_number_sealed = (SELECT id_number_sealed FROM organizations WHERE id = $1) WHERE id = $2`, donors[0].ID, donors[1].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := onlyNew.GetOrganization(ctx, donors[1].ID); !errors.Is(err, sealed.ErrOpen) {
		t.Fatalf("value copied from another row: err = %v, want ErrOpen", err)
	}
	if _, err := pool.Exec(ctx, `UPDATE organizations SET phone_sealed = id_number_sealed WHERE id = $1`, donors[2].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := onlyNew.GetOrganization(ctx, donors[2].ID); !errors.Is(err, sealed.ErrOpen) {
		t.Fatalf("value copied from another column: err = %v, want ErrOpen", err)
	}
	// And reseal refuses it rather than rewriting it.
	if _, err := pgreseal.Run(ctx, pool, keyring(t, "k4", "k2"), 2, store.SealedTables...); !errors.Is(err, sealed.ErrOpen) {
		t.Fatalf("reseal over a copied value: err = %v, want ErrOpen", err)
	}
}
