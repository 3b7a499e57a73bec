package rpc

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/idempotency"
)

// request is a mutation whose request_id is its value.
type request struct{ *wrapperspb.StringValue }

func (r request) GetRequestId() string { return r.GetValue() }

func TestMutate(t *testing.T) {
	ctx := context.Background()
	var got idempotency.Key
	out, err := Mutate(ctx, request{wrapperspb.String("req-1")}, func(k idempotency.Key) (int, error) { got = k; return 41, nil },
		func(n int) int { return n + 1 })
	if err != nil || out != 42 {
		t.Fatalf("Mutate = %d, %v", out, err)
	}
	if got.RequestID != "req-1" || len(got.Fingerprint) == 0 {
		t.Fatalf("the use case got key %+v", got)
	}

	// A bad request_id never reaches the use case.
	ran := false
	_, err = Mutate(ctx, request{wrapperspb.String(strings.Repeat("x", 129))}, func(idempotency.Key) (int, error) { ran = true; return 0, nil },
		func(n int) int { return n })
	if ran || status.Code(err) != codes.InvalidArgument || grpcerr.Reason(err) != "INVALID_REQUEST_ID" {
		t.Fatalf("long request_id: ran=%v err=%v", ran, err)
	}
}

func TestQueryErrorsBecomeStatuses(t *testing.T) {
	_, err := Query(context.Background(), func() (int, error) { return 0, errs.ErrNotFound.With("round x not found") },
		func(n int) int { t.Fatal("converted a failed answer"); return n })
	if status.Code(err) != codes.NotFound || grpcerr.Reason(err) != "NOT_FOUND" {
		t.Fatalf("err = %v", err)
	}
}
