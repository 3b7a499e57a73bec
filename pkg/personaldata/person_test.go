package personaldata_test

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/personaldata"
)

func TestPersonErase(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	person := personaldata.Person{Category: "donor", RecordID: "d1", NameIsPersonal: true, Name: "王芳", IDNumber: "990101198001010305",
		Phone: "13712345678", MaskedIDNumber: "990101********0305", MaskedPhone: "137****5678"}
	want := map[string]string{"王芳": personaldata.ErasedName, "990101198001010305": "", "990101********0305": "", "13712345678": "", "137****5678": ""}
	if got := person.Replacements(); !maps.Equal(got, want) {
		t.Errorf("replacements %v, want %v", got, want)
	}
	if n := len(person.Values()); n != 3 {
		t.Errorf("%d values, want name, ID number and phone", n)
	}
	p := person
	if n := p.Erase(now); n != 3 || p.Name != personaldata.ErasedName || p.IDNumber != "" || p.Phone != "" || !p.Erased() || !p.ErasedAt.Equal(now) {
		t.Errorf("erase removed %d: %+v", n, p)
	}
	if n := p.Erase(now.Add(time.Hour)); n != 0 || !p.ErasedAt.Equal(now) {
		t.Errorf("second erase removed %d, erased at %v", n, p.ErasedAt)
	}
	if len(p.Values()) != 0 || len(p.Replacements()) != 0 {
		t.Errorf("an erased person still has values: %v %v", p.Values(), p.Replacements())
	}
	unit := personaldata.Person{Category: "donor", RecordID: "d2", Name: "Weinan Cement Co.", Phone: "13712345678"}
	if _, ok := unit.Replacements()["Weinan Cement Co."]; ok {
		t.Error("a unit's name is replaced")
	}
	if n := unit.Erase(now); n != 1 || unit.Name != "Weinan Cement Co." || unit.Phone != "" {
		t.Errorf("unit erase removed %d: %+v", n, unit)
	}
}

func TestCheckReason(t *testing.T) {
	for _, c := range []struct {
		reason   string
		required bool
		want     string // reason of the error, or "" for none
	}{
		{"", false, ""},
		{"", true, "PERSONAL_DATA_REASON_REQUIRED"},
		{"  ", true, "PERSONAL_DATA_REASON_REQUIRED"},
		{"申请编号 2026-17", true, ""},
		{strings.Repeat("字", personaldata.MaxReason), false, ""},
		{strings.Repeat("字", personaldata.MaxReason+1), false, "PERSONAL_DATA_REASON_TOO_LONG"},
	} {
		_, err := personaldata.CheckReason(c.reason, c.required)
		var e *errs.Error
		got := ""
		if errors.As(err, &e) {
			got = e.Reason
		} else if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("CheckReason(%d chars, %v) = %q, want %q", len([]rune(c.reason)), c.required, got, c.want)
		}
	}
}
