package peer

import (
	"context"
	"errors"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/commonweal/commonweal/pkg/errs"
)

func withReason(code codes.Code, reason string) error {
	st, _ := status.New(code, "peer says no").WithDetails(&errdetails.ErrorInfo{Reason: reason, Domain: "commonweal"})
	return st.Err()
}

func TestError(t *testing.T) {
	ctx := context.Background()
	missing := errs.New(errs.NotFound, "APPLICATION_NOT_FOUND", "no such application")
	own := errs.New(errs.InvalidArgument, "MINE", "already this service's")
	cases := []struct {
		name     string
		err      error
		notFound *errs.Error
		kind     errs.Kind
		reason   string
	}{
		{"not found, named by the caller", status.Error(codes.NotFound, "x"), missing, errs.NotFound, "APPLICATION_NOT_FOUND"},
		{"not found, unnamed", status.Error(codes.NotFound, "x"), nil, errs.NotFound, "APPLICATIONS_NOT_FOUND"},
		{"unreachable", status.Error(codes.Unavailable, "connection refused"), nil, errs.Unavailable, "APPLICATIONS_UNAVAILABLE"},
		{"timed out", status.Error(codes.DeadlineExceeded, "slow"), nil, errs.Unavailable, "APPLICATIONS_UNAVAILABLE"},
		{"precondition keeps the peer's reason", withReason(codes.FailedPrecondition, "COMPLAINTS_OPEN"), nil, errs.FailedPrecondition, "COMPLAINTS_OPEN"},
		{"peer refused this service", withReason(codes.PermissionDenied, "PERMISSION_DENIED"), nil, errs.Internal, "APPLICATIONS_CALL_FAILED"},
		{"peer's bad argument is our failure", withReason(codes.InvalidArgument, "INVALID_ID"), nil, errs.Internal, "APPLICATIONS_CALL_FAILED"},
		{"this service's own error passes", own, nil, errs.InvalidArgument, "MINE"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := errs.As(Error(ctx, "applications", c.err, c.notFound))
			if !ok || got.Kind != c.kind || got.Reason != c.reason {
				t.Fatalf("Error = %v, want kind %v reason %s", got, c.kind, c.reason)
			}
		})
	}
	if Error(ctx, "applications", nil, nil) != nil {
		t.Error("nil error wrapped")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := Error(cancelled, "applications", status.Error(codes.Canceled, "x"), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("the caller's own cancellation became %v", err)
	}
}
