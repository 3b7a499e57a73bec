// Package resealtest checks, against a service's real table, that a key rotation followed by reseal keeps every
// sealed personal number and phone readable and that a sealed value moved to another row or column does not
// open: the same test for every service that seals a person's ID number and phone.
package resealtest

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

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/cnid"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/pkg/sealed/pgreseal"
)

// Person is what a row seals.
type Person struct{ IDNumber, Phone string }

// Store is a service's table of people whose ID number and phone are sealed.
type Store struct {
	// Table is the table's name; its sealed columns are id_number_sealed and phone_sealed.
	Table string
	// Sealed are the service's sealed columns (its store.SealedTables).
	Sealed []pgreseal.Table
	// Insert stores a person with ID id, sealing under box.
	Insert func(ctx context.Context, box *sealed.Box, id string, p Person) error
	// Read reads a person back, opening under box.
	Read func(ctx context.Context, box *sealed.Box, id string) (Person, error)
	// Reseal is the service's `reseal` command.
	Reseal func(ctx context.Context, pool *pgxpool.Pool, box *sealed.Box) error
}

// Keyring is a keyring of test keys named ids, newest first; a key's bytes repeat its ID's last character.
func Keyring(t testing.TB, ids ...string) *sealed.Box {
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
func legacySeal(key []byte, pt string) []byte {
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	out := make([]byte, 13)
	out[0] = 1
	rand.Read(out[1:])
	return aead.Seal(out, out[1:], []byte(pt), nil)
}

// residentID is a made-up resident ID number with a valid check character.
func residentID(t testing.TB, i int) string {
	first := fmt.Sprintf("11010119900307%03d", i)
	c, err := cnid.ResidentIDCheckChar(first)
	if err != nil {
		t.Fatal(err)
	}
	return first + string(c)
}

// Run seals five people under key k1 (one of them in the legacy format, one without a phone), rotates to k2,
// reseals in batches of two, and checks that every person reads back under k2 alone, that a third key does not
// open them, and that a value copied to another row or column fails to open and stops reseal.
func Run(t *testing.T, pool *pgxpool.Pool, s Store) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	before := Keyring(t, "k1")
	var rows []string
	var people []Person
	for i := 0; i < 5; i++ {
		p := Person{IDNumber: residentID(t, i), Phone: fmt.Sprintf("1381234%04d", i)}
		if i == 4 {
			p.Phone = "" // nothing sealed stays nothing
		}
		id := ids.New()
		if err := s.Insert(ctx, before, id, p); err != nil {
			t.Fatal(err)
		}
		rows, people = append(rows, id), append(people, p)
	}
	// A row written before key IDs: the legacy format under the key that was DATA_ENCRYPTION_KEY (ID k1 now).
	if _, err := pool.Exec(ctx, `UPDATE `+s.Table+` SET id_number_sealed = $2 WHERE id = $1`, rows[3],
		legacySeal(bytes.Repeat([]byte("1"), sealed.KeySize), people[3].IDNumber)); err != nil {
		t.Fatal(err)
	}
	readsAll := func(when string, box *sealed.Box) {
		t.Helper()
		for i, id := range rows {
			if got, err := s.Read(ctx, box, id); err != nil || got != people[i] {
				t.Fatalf("%s: %+v, %v; want %+v", when, got, err, people[i])
			}
		}
	}

	rotated := Keyring(t, "k2", "k1")
	readsAll("before reseal, under both keys", rotated)
	st, err := pgreseal.Run(ctx, pool, rotated, 2, s.Sealed...)
	if err != nil || st.Rows != 5 || st.Resealed != 9 {
		t.Fatalf("reseal = %+v, %v; want 5 rows, 9 values", st, err)
	}
	if st, err := pgreseal.Run(ctx, pool, rotated, 2, s.Sealed...); err != nil || st.Resealed != 0 {
		t.Fatalf("second reseal = %+v, %v; want nothing to do", st, err)
	}
	if err := s.Reseal(ctx, pool, rotated); err != nil {
		t.Fatal(err)
	}
	onlyNew := Keyring(t, "k2") // the old key retired
	readsAll("after reseal, under the new key alone", onlyNew)
	if _, err := s.Read(ctx, Keyring(t, "k3"), rows[0]); !errors.Is(err, sealed.ErrUnknownKey) {
		t.Fatalf("under an unconfigured key: err = %v, want ErrUnknownKey", err)
	}

	// A sealed value copied to another row, or to another column, does not open.
	if _, err := pool.Exec(ctx, `UPDATE `+s.Table+` SET id_number_sealed = (SELECT id_number_sealed FROM `+s.Table+` WHERE id = $1) WHERE id = $2`, rows[0], rows[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(ctx, onlyNew, rows[1]); !errors.Is(err, sealed.ErrOpen) {
		t.Fatalf("value copied from another row: err = %v, want ErrOpen", err)
	}
	if _, err := pool.Exec(ctx, `UPDATE `+s.Table+` SET phone_sealed = id_number_sealed WHERE id = $1`, rows[2]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(ctx, onlyNew, rows[2]); !errors.Is(err, sealed.ErrOpen) {
		t.Fatalf("value copied from another column: err = %v, want ErrOpen", err)
	}
	// And reseal refuses it rather than rewriting it.
	if _, err := pgreseal.Run(ctx, pool, Keyring(t, "k4", "k2"), 2, s.Sealed...); !errors.Is(err, sealed.ErrOpen) {
		t.Fatalf("reseal over a copied value: err = %v, want ErrOpen", err)
	}
}
