package grpcerr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/commonweal/commonweal/pkg/errs"
)

// details returns the ErrorInfo and BadRequest details of a status error, failing on anything else.
func details(t *testing.T, err error) (*status.Status, *errdetails.ErrorInfo, *errdetails.BadRequest) {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok {
		t.Fatalf("%v (%T) is not a status error", err, err)
	}
	var info *errdetails.ErrorInfo
	var br *errdetails.BadRequest
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			if info != nil {
				t.Errorf("two ErrorInfo details")
			}
			info = d
		case *errdetails.BadRequest:
			if br != nil {
				t.Errorf("two BadRequest details")
			}
			br = d
		default:
			t.Errorf("unexpected detail %T: %v", d, d)
		}
	}
	return st, info, br
}

func TestStatusKinds(t *testing.T) {
	tests := []struct {
		kind errs.Kind
		code codes.Code
	}{
		{errs.Internal, codes.Internal},
		{errs.InvalidArgument, codes.InvalidArgument},
		{errs.FailedPrecondition, codes.FailedPrecondition},
		{errs.NotFound, codes.NotFound},
		{errs.AlreadyExists, codes.AlreadyExists},
		{errs.Aborted, codes.Aborted},
		{errs.PermissionDenied, codes.PermissionDenied},
		{errs.Unauthenticated, codes.Unauthenticated},
		{errs.ResourceExhausted, codes.ResourceExhausted},
		{errs.Unavailable, codes.Unavailable},
		{errs.Kind(99), codes.Internal}, // an unknown kind is a bug, never OK
	}
	if len(tests)-1 != len(codeOf) {
		t.Errorf("codeOf has %d kinds, the test knows %d", len(codeOf), len(tests)-1)
	}
	for _, tt := range tests {
		t.Run(tt.code.String(), func(t *testing.T) {
			reason := fmt.Sprintf("TEST_REASON_%d", tt.kind)
			e := errs.New(tt.kind, reason, "something happened")
			for _, err := range []error{e, fmt.Errorf("repo: %w", e)} {
				got := Status(context.Background(), err)
				st, info, br := details(t, got)
				if st.Code() != tt.code {
					t.Errorf("code = %v, want %v", st.Code(), tt.code)
				}
				if st.Message() != e.Error() {
					t.Errorf("message = %q, want %q", st.Message(), e.Error())
				}
				if info == nil {
					t.Fatal("no ErrorInfo")
				}
				if info.GetReason() != reason || info.GetDomain() != "commonweal" {
					t.Errorf("ErrorInfo = %v, want reason %s domain commonweal", info, reason)
				}
				if br != nil {
					t.Errorf("BadRequest without violations: %v", br)
				}
				if r := Reason(got); r != reason {
					t.Errorf("Reason = %q, want %q", r, reason)
				}
			}
		})
	}
}

func TestStatusViolationsAndMetadata(t *testing.T) {
	e := errs.Invalid("TEST_BAD_AMOUNT", "amount_fen", "must be positive").
		Field("items[2].name", "is required")
	e.Metadata = map[string]string{"limit": "100"}
	st, info, br := details(t, Status(context.Background(), fmt.Errorf("create: %w", e)))
	if st.Code() != codes.InvalidArgument {
		t.Errorf("code = %v", st.Code())
	}
	wantInfo := &errdetails.ErrorInfo{Reason: "TEST_BAD_AMOUNT", Domain: Domain, Metadata: map[string]string{"limit": "100"}}
	if !proto.Equal(info, wantInfo) {
		t.Errorf("ErrorInfo = %v, want %v", info, wantInfo)
	}
	wantBR := &errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
		{Field: "amount_fen", Description: "must be positive", Reason: "TEST_BAD_AMOUNT"},
		{Field: "items[2].name", Description: "is required", Reason: "TEST_BAD_AMOUNT"},
	}}
	if !proto.Equal(br, wantBR) {
		t.Errorf("BadRequest = %v, want %v", br, wantBR)
	}
}

func TestStatusPlainErrorIsHidden(t *testing.T) {
	var logs bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&logs, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })

	const secret = "pq: password authentication failed for 110101199003077777"
	got := Status(context.Background(), fmt.Errorf("load: %w", errors.New(secret)))
	st, info, br := details(t, got)
	if st.Code() != codes.Internal {
		t.Errorf("code = %v, want Internal", st.Code())
	}
	if info == nil || info.GetReason() != "INTERNAL" || info.GetDomain() != Domain {
		t.Errorf("ErrorInfo = %v, want reason INTERNAL", info)
	}
	if br != nil {
		t.Errorf("unexpected BadRequest %v", br)
	}
	if strings.Contains(st.Message(), "110101") || strings.Contains(st.Message(), "password") {
		t.Errorf("message leaks the cause: %q", st.Message())
	}
	if strings.Contains(fmt.Sprint(st.Proto()), "110101") {
		t.Errorf("status proto leaks the cause: %v", st.Proto())
	}
	if Reason(got) != "INTERNAL" {
		t.Errorf("Reason = %q", Reason(got))
	}
	// The cause is not lost: it goes to the log.
	if !strings.Contains(logs.String(), "password authentication failed") {
		t.Errorf("internal error not logged; logs: %s", logs.String())
	}
}

func TestStatusContextErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code codes.Code
	}{
		{"canceled", context.Canceled, codes.Canceled},
		{"wrapped canceled", fmt.Errorf("query: %w", context.Canceled), codes.Canceled},
		{"deadline", context.DeadlineExceeded, codes.DeadlineExceeded},
		{"wrapped deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), codes.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := status.Code(Status(context.Background(), tt.err)); got != tt.code {
				t.Errorf("code = %v, want %v", got, tt.code)
			}
		})
	}
}

func TestStatusPassThrough(t *testing.T) {
	orig := FromError(errs.ErrNotFound.With("application 7")).Err()
	if got := Status(context.Background(), orig); got != orig {
		t.Errorf("status error not passed through: %v", got)
	}
	plain := status.Error(codes.ResourceExhausted, "slow down")
	got := Status(context.Background(), plain)
	if got != plain {
		t.Errorf("plain status error not passed through: %v", got)
	}
	if Reason(got) != "" {
		t.Errorf("Reason of a status without ErrorInfo = %q, want empty", Reason(got))
	}
}

func TestStatusNil(t *testing.T) {
	if err := Status(context.Background(), nil); err != nil {
		t.Errorf("Status(nil) = %v", err)
	}
}

func TestReason(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"errs status", FromError(errs.ErrEtagMismatch).Err(), "ETAG_MISMATCH"},
		{"with violations", FromError(errs.Invalid("BAD_X", "x", "y")).Err(), "BAD_X"},
		{"status without details", status.Error(codes.NotFound, "x"), ""},
		{"plain error", errors.New("x"), ""},
		{"nil", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Reason(tt.err); got != tt.want {
				t.Errorf("Reason = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDatabaseOutageIsUnavailable checks a database that cannot be reached is a retryable UNAVAILABLE with
// a stable reason, not an INTERNAL error.
func TestDatabaseOutageIsUnavailable(t *testing.T) {
	for _, err := range []error{
		&pgconn.PgError{Code: "57P01"},
		fmt.Errorf("begin: %w", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}),
	} {
		st, _ := status.FromError(Status(context.Background(), err))
		if st.Code() != codes.Unavailable || Reason(st.Err()) != "DATABASE_UNAVAILABLE" {
			t.Errorf("%v: got %v %s, want UNAVAILABLE DATABASE_UNAVAILABLE", err, st.Code(), Reason(st.Err()))
		}
	}
}
