package party

import (
	"testing"

	"github.com/commonweal/commonweal/pkg/cnid"
	"github.com/commonweal/commonweal/pkg/errs"
)

func TestValidate(t *testing.T) {
	c, _ := cnid.USCCCheckChar("91999999MA0000001")
	uscc := "91999999MA0000001" + string(c)
	badUSCC := uscc[:17] + map[bool]string{true: "0", false: "1"}[c != '0']
	d, _ := cnid.ResidentIDCheckChar("99010119800101001")
	id := "99010119800101001" + string(d)
	badID := id[:17] + map[bool]string{true: "0", false: "1"}[d != '0']
	for _, c := range []struct {
		name   string
		ids    Identifiers
		need   Need
		reason string
	}{
		{"unit ok", Normalize(" "+uscc+" ", "", "13812345678"), NeedUSCC, ""},
		{"individual ok, lower-case x normalised", Normalize("", id, ""), NeedIDNumber, ""},
		{"unit without code", Normalize("", id, ""), NeedUSCC, "USCC_REQUIRED"},
		{"individual without ID", Normalize(uscc, "", ""), NeedIDNumber, "ID_NUMBER_REQUIRED"},
		{"bad credit-code check character", Normalize(badUSCC, "", ""), NeedUSCC, "INVALID_USCC_CHECK_CHARACTER"},
		{"short credit code", Normalize(uscc[:10], "", ""), NeedUSCC, "INVALID_USCC"},
		{"bad ID check digit", Normalize("", badID, ""), NeedIDNumber, "INVALID_ID_NUMBER_CHECK_CHARACTER"},
		{"bad phone", Normalize(uscc, "", "12345"), NeedUSCC, "INVALID_PHONE"},
	} {
		err := c.ids.Validate(c.need)
		got := ""
		if e, ok := errs.As(err); ok {
			got = e.Reason
		} else if err != nil {
			got = err.Error()
		}
		if got != c.reason {
			t.Errorf("%s: reason %q, want %q", c.name, got, c.reason)
		}
	}
}

func TestMasked(t *testing.T) {
	m := Identifiers{USCC: "91999999MA0000001K", IDNumber: "990101198001010019", ContactPhone: "13812345678"}.Masked()
	if m.USCC != "91999999MA0000001K" || m.IDNumber != "990101********0019" || m.ContactPhone != "138****5678" {
		t.Fatalf("masked = %+v", m)
	}
}

func TestNewNamed(t *testing.T) {
	const uscc = "91999999MA0000001N" // made up; check character computed by hand
	errKind := errs.Invalid("INVALID_KIND", "kind", "unknown kind")
	cases := []struct {
		name, partyName, uscc string
		kindErr               error
		want                  string
	}{
		{"ok, trimmed", "  某某社工服务中心 ", " " + uscc + " ", nil, ""},
		{"name first", "  ", "", errKind, "NAME_REQUIRED"},
		{"then the kind", "某某", "", errKind, "INVALID_KIND"},
		{"then the numbers", "某某", "", nil, "USCC_REQUIRED"},
	}
	for _, c := range cases {
		p, err := NewNamed(c.partyName, c.uscc, "", "", NeedUSCC, c.kindErr)
		got := ""
		if e, ok := errs.As(err); ok {
			got = e.Reason
		} else if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%s: reason %q, want %q", c.name, got, c.want)
		}
		if c.want == "" && (p.Name != "某某社工服务中心" || p.USCC != uscc) {
			t.Errorf("%s: not normalised: %+v", c.name, p)
		}
	}
}
