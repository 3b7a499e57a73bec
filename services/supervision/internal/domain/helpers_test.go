package domain

import (
	"testing"
	"time"
	_ "time/tzdata" // the tests name time zones whatever the machine has installed

	"github.com/commonweal/commonweal/pkg/errs"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// reasonAndField is an error's reason and the field of its first violation, "" for nil.
func reasonAndField(err error) string {
	if err == nil {
		return ""
	}
	e, ok := errs.As(err)
	if !ok {
		return err.Error()
	}
	if len(e.Violations) == 0 {
		return e.Reason
	}
	return e.Reason + " " + e.Violations[0].Field
}
