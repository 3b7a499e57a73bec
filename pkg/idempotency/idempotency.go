// Package idempotency makes mutations safe to retry (AIP-155): the first answer to a request_id is stored in
// the same transaction as the change it made, and a retry gets that answer back without changing anything.
package idempotency

import (
	"context"
	"crypto/sha256"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/identity"
)

// Table is the DDL of the table each service's first migration creates in its schema.
const Table = `CREATE TABLE idempotency_keys (
    request_id  text PRIMARY KEY,
    fingerprint bytea NOT NULL,
    response    bytea,
    created_at  timestamptz NOT NULL DEFAULT now()
)`

// ErrTooLong refuses request IDs longer than 128 characters.
var ErrTooLong = errs.Invalid("INVALID_REQUEST_ID", "request_id", "request_id is at most 128 bytes")

// Do runs fn once per request ID, in a transaction shared with fn's repository calls. With an empty
// request ID it simply runs fn in a transaction. A retry with the same ID and the same request (same
// method, caller and body) returns the stored answer; a different request under the same ID is refused.
func Do[T proto.Message](ctx context.Context, pool *pgxpool.Pool, requestID string, req proto.Message, fn func(ctx context.Context) (T, error)) (T, error) {
	var out T
	if len(requestID) > 128 {
		return out, ErrTooLong
	}
	err := db.InTx(ctx, pool, func(ctx context.Context) error {
		if requestID == "" {
			var err error
			out, err = fn(ctx)
			return err
		}
		q := db.Q(ctx, pool)
		fp, err := Fingerprint(ctx, req)
		if err != nil {
			return err
		}
		tag, err := q.Exec(ctx, `INSERT INTO idempotency_keys (request_id, fingerprint) VALUES ($1, $2) ON CONFLICT DO NOTHING`, requestID, fp)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var storedFP, stored []byte
			if err := q.QueryRow(ctx, `SELECT fingerprint, response FROM idempotency_keys WHERE request_id = $1`, requestID).Scan(&storedFP, &stored); err != nil {
				return err
			}
			if string(storedFP) != string(fp) || stored == nil {
				return errs.ErrRequestIDReused
			}
			out = out.ProtoReflect().New().Interface().(T)
			return proto.Unmarshal(stored, out)
		}
		out, err = fn(ctx)
		if err != nil {
			return err
		}
		b, err := proto.Marshal(out)
		if err != nil {
			return err
		}
		_, err = q.Exec(ctx, `UPDATE idempotency_keys SET response = $2 WHERE request_id = $1`, requestID, b)
		return err
	})
	if err != nil {
		var zero T
		if errors.Is(err, pgx.ErrNoRows) {
			return zero, errs.ErrRequestIDReused
		}
		return zero, err
	}
	return out, nil
}

// Fingerprint identifies a request by method, caller and body, so a reused ID with another body is caught.
func Fingerprint(ctx context.Context, req proto.Message) ([]byte, error) {
	body, err := proto.MarshalOptions{Deterministic: true}.Marshal(req)
	if err != nil {
		return nil, err
	}
	method, _ := grpc.Method(ctx)
	h := sha256.New()
	h.Write([]byte(method))
	h.Write([]byte{0})
	h.Write([]byte(identity.From(ctx).Subject))
	h.Write([]byte{0})
	h.Write(body)
	return h.Sum(nil), nil
}

// Handle is Do for a gRPC handler: a failure comes back as a status carrying its reason.
func Handle[T proto.Message](ctx context.Context, pool *pgxpool.Pool, requestID string, req proto.Message, fn func(ctx context.Context) (T, error)) (T, error) {
	out, err := Do(ctx, pool, requestID, req, fn)
	if err != nil {
		var zero T
		return zero, grpcerr.Status(ctx, err)
	}
	return out, nil
}
