package errs

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"
)

var errTest = New(FailedPrecondition, "TEST_PHASE_CLOSED", "the phase is closed")

func TestIs(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"sentinel itself", errTest, errTest, true},
		{"With copy", errTest.With("phase %d closed", 3), errTest, true},
		{"Field copy", errTest.Field("phase", "closed"), errTest, true},
		{"Field of With copy", errTest.With("x").Field("a", "b").Field("c", "d"), errTest, true},
		{"wrapped copy", fmt.Errorf("load: %w", errTest.With("x")), errTest, true},
		{"double wrapped", fmt.Errorf("a: %w", fmt.Errorf("b: %w", errTest)), errTest, true},
		{"joined", errors.Join(io.EOF, errTest.With("y")), errTest, true},
		{"target is a copy", errTest, errTest.With("other"), true},
		{"fresh value equal kind and reason", &Error{Kind: FailedPrecondition, Reason: "TEST_PHASE_CLOSED"}, errTest, true},
		{"other reason same kind", New(FailedPrecondition, "OTHER", "the phase is closed"), errTest, false},
		{"same reason other kind", New(InvalidArgument, "TEST_PHASE_CLOSED", "the phase is closed"), errTest, false},
		{"common sentinel vs other", ErrNotFound, ErrPermissionDenied, false},
		{"same kind different sentinels", ErrEtagRequired, ErrRequestIDReused, false},
		{"plain error", io.EOF, errTest, false},
		{"errs vs plain target", errTest, io.EOF, false},
		{"nil error", nil, errTest, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(tt.err, tt.target); got != tt.want {
				t.Errorf("errors.Is(%v, %v) = %v, want %v", tt.err, tt.target, got, tt.want)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	if got, want := errTest.Error(), "TEST_PHASE_CLOSED: the phase is closed"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := New(Internal, "BARE", "").Error(), "BARE"; got != want {
		t.Errorf("Error() without message = %q, want %q", got, want)
	}
}

func TestWith(t *testing.T) {
	c := errTest.With("phase %s closed on %d", "review", 7)
	if c == errTest {
		t.Fatal("With returned the sentinel itself")
	}
	if c.Message != "phase review closed on 7" {
		t.Errorf("With message = %q", c.Message)
	}
	if c.Kind != errTest.Kind || c.Reason != errTest.Reason {
		t.Errorf("With changed kind/reason: %+v", c)
	}
	if errTest.Message != "the phase is closed" {
		t.Errorf("With mutated the sentinel's message: %q", errTest.Message)
	}
}

func TestFieldDoesNotMutate(t *testing.T) {
	base := New(InvalidArgument, "TEST_BAD_INPUT", "bad input")
	a := base.Field("name", "is required")
	if len(base.Violations) != 0 {
		t.Fatalf("Field mutated the sentinel: %+v", base.Violations)
	}
	if base.Message != "bad input" {
		t.Fatalf("Field mutated the sentinel's message: %q", base.Message)
	}
	want := []FieldViolation{{Field: "name", Description: "is required", Reason: "TEST_BAD_INPUT"}}
	if !slices.Equal(a.Violations, want) {
		t.Errorf("violations = %+v, want %+v", a.Violations, want)
	}
	if a.Message != "name: is required" {
		t.Errorf("Field message = %q, want %q", a.Message, "name: is required")
	}

	// Two copies built from the same parent must not share (and overwrite) a backing array.
	parent := base.Field("a", "1").Field("b", "2").Field("c", "3") // len 3, cap may be 4
	x := parent.Field("x", "from x")
	y := parent.Field("y", "from y")
	if len(parent.Violations) != 3 {
		t.Errorf("parent violations changed: %+v", parent.Violations)
	}
	if got := x.Violations[3].Field; got != "x" {
		t.Errorf("x's 4th violation = %q, want x (shared backing array?)", got)
	}
	if got := y.Violations[3].Field; got != "y" {
		t.Errorf("y's 4th violation = %q, want y", got)
	}
	if len(base.Violations) != 0 {
		t.Errorf("sentinel gained violations: %+v", base.Violations)
	}

	// An explicit message set by With is kept when a field is added.
	m := base.With("custom").Field("f", "d")
	if m.Message != "custom" {
		t.Errorf("Field overwrote a With message: %q", m.Message)
	}
	if len(m.Violations) != 1 {
		t.Errorf("violations = %+v", m.Violations)
	}
}

func TestWithDoesNotShareViolations(t *testing.T) {
	base := New(InvalidArgument, "TEST_BAD_INPUT", "bad input").Field("a", "1")
	c := base.With("other")
	if !slices.Equal(c.Violations, base.Violations) {
		t.Errorf("With dropped violations: %+v", c.Violations)
	}
	d := c.Field("b", "2")
	if len(base.Violations) != 1 || len(c.Violations) != 1 || len(d.Violations) != 2 {
		t.Errorf("violation counts base=%d c=%d d=%d, want 1 1 2", len(base.Violations), len(c.Violations), len(d.Violations))
	}
}

func TestInvalid(t *testing.T) {
	e := Invalid("TEST_BAD_AMOUNT", "amount_fen", "must be positive")
	if e.Kind != InvalidArgument || e.Reason != "TEST_BAD_AMOUNT" {
		t.Errorf("Invalid = %+v", e)
	}
	want := []FieldViolation{{Field: "amount_fen", Description: "must be positive", Reason: "TEST_BAD_AMOUNT"}}
	if !slices.Equal(e.Violations, want) {
		t.Errorf("violations = %+v, want %+v", e.Violations, want)
	}
	if e.Message != "amount_fen: must be positive" {
		t.Errorf("message = %q", e.Message)
	}
}

func TestAs(t *testing.T) {
	c := errTest.With("specific")
	tests := []struct {
		name   string
		err    error
		want   *Error
		wantOK bool
	}{
		{"direct", c, c, true},
		{"wrapped", fmt.Errorf("ctx: %w", c), c, true},
		{"joined", errors.Join(io.EOF, c), c, true},
		{"plain", io.EOF, nil, false},
		{"nil", nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := As(tt.err)
			if ok != tt.wantOK || got != tt.want {
				t.Errorf("As(%v) = %p, %v; want %p, %v", tt.err, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestCommonSentinels(t *testing.T) {
	tests := []struct {
		err    *Error
		kind   Kind
		reason string
	}{
		{ErrNotFound, NotFound, "NOT_FOUND"},
		{ErrPermissionDenied, PermissionDenied, "PERMISSION_DENIED"},
		{ErrUnauthenticated, Unauthenticated, "UNAUTHENTICATED"},
		{ErrEtagMismatch, Aborted, "ETAG_MISMATCH"},
		{ErrEtagRequired, InvalidArgument, "ETAG_REQUIRED"},
		{ErrRequestIDReused, InvalidArgument, "REQUEST_ID_REUSED"},
		{ErrInvalidPageToken, InvalidArgument, "INVALID_PAGE_TOKEN"},
		{ErrInvalidPageSize, InvalidArgument, "INVALID_PAGE_SIZE"},
		{ErrInvalidID, InvalidArgument, "INVALID_ID"},
		{ErrServiceUnavailable, Unavailable, "SERVICE_UNAVAILABLE"},
	}
	for _, tt := range tests {
		if tt.err.Kind != tt.kind || tt.err.Reason != tt.reason {
			t.Errorf("%v: kind %d reason %q, want %d %q", tt.err, tt.err.Kind, tt.err.Reason, tt.kind, tt.reason)
		}
	}
}
