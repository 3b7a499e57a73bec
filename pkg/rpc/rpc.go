// Package rpc is the shell every service's gRPC handlers share: a handler turns the request into a use
// case's command, runs it and converts the answer, and every error becomes a status in one place.
package rpc

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/idempotency"
)

// Mutation is a request that carries a request_id (AIP-155).
type Mutation interface {
	proto.Message
	GetRequestId() string
}

// Mutate runs a mutating use case under the request's idempotency key and converts its answer.
func Mutate[T, R any](ctx context.Context, req Mutation, run func(idempotency.Key) (T, error), out func(T) R) (R, error) {
	key, err := idempotency.KeyOf(ctx, req.GetRequestId(), req)
	if err != nil {
		var zero R
		return zero, grpcerr.Status(ctx, err)
	}
	return Query(ctx, func() (T, error) { return run(key) }, out)
}

// Query runs a use case and converts its answer.
func Query[T, R any](ctx context.Context, run func() (T, error), out func(T) R) (R, error) {
	v, err := run()
	if err != nil {
		var zero R
		return zero, grpcerr.Status(ctx, err)
	}
	return out(v), nil
}
