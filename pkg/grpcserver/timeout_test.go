package grpcserver

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
)

func TestDefaultTimeout(t *testing.T) {
	var got time.Time
	var had bool
	invoker := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, opts ...grpc.CallOption) error {
		got, had = ctx.Deadline()
		return nil
	}
	icpt := withDefaultTimeout(time.Second)
	start := time.Now()
	if err := icpt(context.Background(), "/x.Y/Z", nil, nil, nil, invoker); err != nil {
		t.Fatal(err)
	}
	if !had || got.Before(start.Add(900*time.Millisecond)) || got.After(start.Add(2*time.Second)) {
		t.Fatalf("a call without a deadline got %v (set %v)", got, had)
	}
	// A shorter deadline of the caller's is kept.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	want, _ := ctx.Deadline()
	if err := icpt(ctx, "/x.Y/Z", nil, nil, nil, invoker); err != nil {
		t.Fatal(err)
	}
	if !got.Equal(want) {
		t.Fatalf("the caller's own deadline was replaced: %v, want %v", got, want)
	}
	// A longer one is capped: one slow peer must not hold the caller for the whole request.
	long, cancelLong := context.WithTimeout(context.Background(), time.Hour)
	defer cancelLong()
	start = time.Now()
	if err := icpt(long, "/x.Y/Z", nil, nil, nil, invoker); err != nil {
		t.Fatal(err)
	}
	if got.After(start.Add(2 * time.Second)) {
		t.Fatalf("a one-hour deadline was passed on uncapped: %v", got)
	}
}
