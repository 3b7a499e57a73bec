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
