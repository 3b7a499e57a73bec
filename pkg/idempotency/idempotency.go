// Package idempotency makes mutations safe to retry (AIP-155): the first answer to a request_id is stored in
// the same transaction as the change it made (the use case's unit of work, see Run), and a retry gets that
// answer back without changing anything.
package idempotency

import (
	"context"
	"crypto/sha256"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/commonweal/commonweal/pkg/errs"
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
