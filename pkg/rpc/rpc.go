// Package rpc is the shell every service's gRPC handlers share: a handler turns the request into a use
// case's command, runs it and converts the answer, and every error becomes a status in one place.
package rpc

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/pagetoken"
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
	return Answer(ctx, v, err, out)
}

// Answer converts a use case's result with out, or its error into a status carrying its reason.
func Answer[T, R any](ctx context.Context, v T, err error, out func(T) R) (R, error) {
	if err != nil {
		var zero R
		return zero, grpcerr.Status(ctx, err)
	}
	return out(v), nil
}

// Paged is a list request (AIP-158).
type Paged interface {
	GetPageSize() int32
	GetPageToken() string
}

// List serves a keyset-paged list: it checks page_size and page_token against filter (what the token is
// valid for: the query and the caller), fetches one more than a page after the token's position, and
// returns the page converted with out and the token of the next page ("" on the last one). key gives an
// item's position (its ID and creation time, the order fetch returns).
func List[T, R any](ctx context.Context, tokens *pagetoken.Signer, req Paged, filter string,
	fetch func(after pagetoken.Cursor, limit int) ([]T, error), key func(T) (id string, at time.Time), out func(T) R) ([]R, string, error) {
	return ListUpTo(ctx, tokens, req, filter, pagetoken.MaxPageSize, fetch, key, out)
}

// ListUpTo is List with another largest page size, maxSize (pagetoken.MaxServicePageSize for a list that lets
// suite services read larger pages).
func ListUpTo[T, R any](ctx context.Context, tokens *pagetoken.Signer, req Paged, filter string, maxSize int,
	fetch func(after pagetoken.Cursor, limit int) ([]T, error), key func(T) (id string, at time.Time), out func(T) R) ([]R, string, error) {
	size, cur, err := tokens.PageUpTo(req.GetPageSize(), req.GetPageToken(), filter, maxSize)
	if err != nil {
		return nil, "", grpcerr.Status(ctx, err)
	}
	items, err := fetch(cur, size+1)
	if err != nil {
		return nil, "", grpcerr.Status(ctx, err)
	}
	next := ""
	if len(items) > size {
		items = items[:size]
		id, at := key(items[size-1])
		next = tokens.Encode(pagetoken.Cursor{After: id, AfterTime: at, Filter: filter})
	}
	page := make([]R, 0, len(items))
	for _, it := range items {
		page = append(page, out(it))
	}
	return page, next, nil
}
