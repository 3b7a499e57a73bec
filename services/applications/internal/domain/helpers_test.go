package domain

import (
	"errors"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
)

// t0 is a fixed instant used as "now" throughout the tests.
var t0 = time.Date(2026, time.March, 1, 9, 0, 0, 0, time.UTC)

// want describes an expected error: a sentinel to match with errors.Is and/or a stable reason and the
// field of a violation read through errs.As. The zero value means "no error".
type want struct {
	is     error
	reason string
	field  string
}

func (w want) ok() bool { return w.is == nil && w.reason == "" }

// checkErr asserts err against w.
func checkErr(t *testing.T, err error, w want) {
	t.Helper()
	if w.ok() {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("got no error, want %v (reason %q)", w.is, w.reason)
	}
	if w.is != nil && !errors.Is(err, w.is) {
		t.Fatalf("error %v does not match %v", err, w.is)
	}
	e, isErr := errs.As(err)
	if !isErr {
		t.Fatalf("error %v is not an *errs.Error", err)
	}
	if w.reason != "" && e.Reason != w.reason {
		t.Fatalf("reason = %q, want %q (error %v)", e.Reason, w.reason, err)
	}
	if w.field != "" {
		for _, v := range e.Violations {
			if v.Field == w.field {
				return
			}
		}
		t.Fatalf("no violation of field %q in %+v", w.field, e.Violations)
	}
}

func ptr[T any](v T) *T { return &v }
