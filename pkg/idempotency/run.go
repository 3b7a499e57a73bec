package idempotency

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/protobuf/proto"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/errs"
)

// Key identifies one mutation request (AIP-155): the client's request_id and a fingerprint of the request
// (method, caller and body). The zero Key means the client sent no request_id.
type Key struct {
	RequestID   string
	Fingerprint []byte
}

// KeyOf builds the key of a gRPC request; the api layer calls it and hands the key to the use case.
func KeyOf(ctx context.Context, requestID string, req proto.Message) (Key, error) {
	if len(requestID) > 128 {
		return Key{}, ErrTooLong
	}
	if requestID == "" {
		return Key{}, nil
	}
	fp, err := Fingerprint(ctx, req)
	if err != nil {
		return Key{}, err
	}
	return Key{RequestID: requestID, Fingerprint: fp}, nil
}

// Store keeps request records. A use case's unit of work is one InTx call: the record is claimed, the
// use case writes, and its answer is saved, all in that transaction.
type Store interface {
	// InTx runs fn in one transaction carried by ctx (repository calls made with that ctx join it).
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// Lookup returns the stored fingerprint and answer of a request ID; found is false when there is none.
	Lookup(ctx context.Context, requestID string) (fingerprint, answer []byte, found bool, err error)
	// Claim records a request ID inside the current transaction; claimed is false when it was there already.
	Claim(ctx context.Context, key Key) (claimed bool, err error)
	// Save stores the answer of a claimed request inside the current transaction.
	Save(ctx context.Context, key Key, answer []byte) error
}

// Replay returns the stored answer of a request that was already done. A use case calls it before it asks
// other services anything, so a retry answers as the first call did even when the world has moved on.
// done is false when the request is new (or carries no request_id).
func Replay[T any](ctx context.Context, st Store, key Key) (out T, done bool, err error) {
	if key.RequestID == "" {
		return out, false, nil
	}
	fp, answer, found, err := st.Lookup(ctx, key.RequestID)
	if err != nil || !found {
		return out, false, err
	}
	out, err = decode[T](key, fp, answer)
	return out, true, err
}

// Run is a use case's unit of work: fn's writes and the request record commit together or not at all. A
// request ID seen before returns its first answer without running fn; the same ID with a different
// request is REQUEST_ID_REUSED. fn must not call other services: read them before Run.
func Run[T any](ctx context.Context, st Store, key Key, fn func(ctx context.Context) (T, error)) (T, error) {
	var out T
	err := st.InTx(ctx, func(ctx context.Context) error {
		if key.RequestID != "" {
			claimed, err := st.Claim(ctx, key)
			if err != nil {
				return err
			}
			if !claimed {
				fp, answer, found, err := st.Lookup(ctx, key.RequestID)
				if err != nil {
					return err
				}
				if !found {
					return errs.ErrRequestIDReused
				}
				out, err = decode[T](key, fp, answer)
				return err
			}
		}
		var err error
		if out, err = fn(ctx); err != nil || key.RequestID == "" {
			return err
		}
		b, err := json.Marshal(out)
		if err != nil {
			return err
		}
		return st.Save(ctx, key, b)
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return out, nil
}

func decode[T any](key Key, fp, answer []byte) (T, error) {
	var out T
	if string(fp) != string(key.Fingerprint) || answer == nil {
		return out, errs.ErrRequestIDReused
	}
	err := json.Unmarshal(answer, &out)
	return out, err
}

// PG is the Store of a service's idempotency_keys table (see Table).
type PG struct {
	Pool *pgxpool.Pool
}

// NewPG returns the store over pool.
func NewPG(pool *pgxpool.Pool) *PG { return &PG{Pool: pool} }

// InTx runs fn in a transaction carried by ctx.
func (s *PG) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return db.InTx(ctx, s.Pool, fn)
}

// Lookup reads a request record.
func (s *PG) Lookup(ctx context.Context, requestID string) ([]byte, []byte, bool, error) {
	var fp, answer []byte
	err := db.Q(ctx, s.Pool).QueryRow(ctx, `SELECT fingerprint, response FROM idempotency_keys WHERE request_id = $1`, requestID).Scan(&fp, &answer)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, err
	}
	return fp, answer, true, nil
}

// Claim inserts the request record; a concurrent claim of the same ID waits for the first to finish.
func (s *PG) Claim(ctx context.Context, key Key) (bool, error) {
	tag, err := db.Q(ctx, s.Pool).Exec(ctx, `INSERT INTO idempotency_keys (request_id, fingerprint) VALUES ($1, $2) ON CONFLICT DO NOTHING`, key.RequestID, key.Fingerprint)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

// Save stores the answer.
func (s *PG) Save(ctx context.Context, key Key, answer []byte) error {
	_, err := db.Q(ctx, s.Pool).Exec(ctx, `UPDATE idempotency_keys SET response = $2 WHERE request_id = $1`, key.RequestID, answer)
	return err
}
