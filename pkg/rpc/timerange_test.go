package rpc

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/commonweal/commonweal/pkg/grpcerr"
)

// TestRange: either bound may be absent; a range whose to is not after its from is INVALID_TIME_RANGE; the key
// tells ranges apart (it goes into page tokens' filters).
func TestRange(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	from, to := timestamppb.New(t0), timestamppb.New(t0.Add(time.Second))
	if r, err := Range(ctx, nil, nil); err != nil || !r.From.IsZero() || !r.To.IsZero() {
		t.Fatalf("open range: %v %+v", err, r)
	}
	r, err := Range(ctx, from, to)
	if err != nil || !r.From.Equal(t0) || !r.To.Equal(t0.Add(time.Second)) {
		t.Fatalf("range: %v %+v", err, r)
	}
	if open, _ := Range(ctx, from, nil); open.Key() == r.Key() {
		t.Fatalf("keys of [from, ∞) and [from, to) agree: %s", r.Key())
	}
	for _, bad := range [][2]*timestamppb.Timestamp{{from, from}, {to, from}} {
		if _, err := Range(ctx, bad[0], bad[1]); grpcerr.Reason(err) != "INVALID_TIME_RANGE" {
			t.Fatalf("[%v, %v): %v", bad[0].AsTime(), bad[1].AsTime(), err)
		}
	}
}
