package cnid

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// All fixtures below are invented. Resident IDs use the unassigned region
// prefix 99 and USCCs the unassigned region 999999 / 990101, so they cannot
// belong to a real person or organisation.
//
// Hand check 1 (USCC "91999999MA0000000" + ?): charset values
// 9,1,9,9,9,9,9,9,M=21,A=10,0×7 with weights 1,3,9,27,19,26,16,17,20,29,...:
// 9+3+81+243+171+234+144+153+420+290 = 1748; 1748 mod 31 = 12;
// (31-12) mod 31 = 19 → charset[19] = 'K'.
//
// Hand check 2 (resident ID "99010119900307123" + ?): digits × weights
// 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2 = 63+81+0+5+0+4+2+9+54+0+0+27+0+35+8+8+6
// = 302; 302 mod 11 = 5 → "10X98765432"[5] = '7'.
//
// Hand check 3 ("99010119900307127" + ?): 302 - 3·2 + 7·2 = 310;
// 310 mod 11 = 2 → 'X'.

func TestCheckCharHelpers(t *testing.T) {
	usccs := []struct {
		first17 string
		want    byte
	}{
		{"91999999MA0000000", 'K'},
		{"12999999000000001", 'Q'},
		{"9199999912345678A", 'X'},
		{"5199999900000000Q", 'Y'},
		{"91990101MA01ABCDE", '8'},
	}
	for _, c := range usccs {
		got, err := USCCCheckChar(c.first17)
		if err != nil || got != c.want {
			t.Errorf("USCCCheckChar(%q) = %q, %v; want %q", c.first17, got, err, c.want)
		}
	}
	ids := []struct {
		first17 string
		want    byte
	}{
		{"99010119900307123", '7'},
		{"99010119900307127", 'X'},
		{"99010120000229001", '1'},
		{"99010119000101002", '6'},
		{"99010119850615004", '7'},
		{"99010120231231007", '2'},
		{"99010119900101123", '0'},
	}
	for _, c := range ids {
		got, err := ResidentIDCheckChar(c.first17)
		if err != nil || got != c.want {
			t.Errorf("ResidentIDCheckChar(%q) = %q, %v; want %q", c.first17, got, err, c.want)
		}
	}

	helperErrs := []struct {
		name string
		fn   func(string) (byte, error)
		in   string
		want error
	}{
		{"uscc short", USCCCheckChar, "91999999MA000000", ErrLength},
		{"uscc long", USCCCheckChar, "91999999MA00000000", ErrLength},
		{"uscc bad char", USCCCheckChar, "91999999MA000000I", ErrCharset},
		{"uscc lower", USCCCheckChar, "91999999ma0000000", ErrCharset},
		{"uscc non-ascii", USCCCheckChar, "91999999MA000000é", ErrCharset},
		{"id short", ResidentIDCheckChar, "9901011990030712", ErrLength},
		{"id letter", ResidentIDCheckChar, "9901011990030712X", ErrCharset},
	}
	for _, c := range helperErrs {
		if _, err := c.fn(c.in); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
}

func TestValidUSCC(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want error // nil means valid
	}{
		{"valid K", "91999999MA0000000K", nil},
		{"valid Q", "12999999000000001Q", nil},
		{"valid X", "9199999912345678AX", nil},
		{"valid Y", "5199999900000000QY", nil},
		{"valid digit check", "91990101MA01ABCDE8", nil},
		{"wrong check char", "91999999MA0000000L", ErrCheckCharacter},
		{"wrong check digit", "91990101MA01ABCDE9", ErrCheckCharacter},
		{"transposed chars", "91999999AM0000000K", ErrCheckCharacter},
		{"lower case body", "91999999ma0000000K", ErrCharset},
		{"lower case check", "9199999912345678Ax", ErrCharset},
		{"empty", "", ErrLength},
		{"17 chars", "91999999MA0000000", ErrLength},
		{"19 chars", "91999999MA0000000KK", ErrLength},
		{"surrounding space", " 91999999MA0000000K", ErrLength},
		{"letter I", "91999999MI0000000K", ErrCharset},
		{"letter O", "91999999MO0000000K", ErrCharset},
		{"letter Z", "91999999MZ0000000K", ErrCharset},
		{"letter S", "91999999MS0000000K", ErrCharset},
		{"letter V", "91999999MV0000000K", ErrCharset},
		{"check char I", "91999999MA0000000I", ErrCharset},
		{"non-ascii 18 runes", "91999999MA000000éK", ErrCharset},
		{"full-width digit", "９1999999MA0000000K", ErrCharset},
		{"letter in region", "91A99999MA0000000K", ErrFormat},
		{"letter end of region", "9199999AMA0000000K", ErrFormat},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ValidUSCC(c.in)
			if c.want == nil {
				if err != nil {
					t.Fatalf("ValidUSCC(%q) = %v, want nil", c.in, err)
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("ValidUSCC(%q) = %v, want %v", c.in, err, c.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	if got := NormalizeUSCC("  91999999ma0000000k\n"); got != "91999999MA0000000K" {
		t.Errorf("NormalizeUSCC = %q", got)
	}
	if err := ValidUSCC(NormalizeUSCC(" 91999999ma0000000k ")); err != nil {
		t.Errorf("normalised USCC invalid: %v", err)
	}
	if got := NormalizeResidentID("\t99010119900307127x "); got != "99010119900307127X" {
		t.Errorf("NormalizeResidentID = %q", got)
	}
	if err := ValidResidentID(NormalizeResidentID("99010119900307127x")); err != nil {
		t.Errorf("normalised resident ID invalid: %v", err)
	}
}

// fixNow pins the clock used for the "not in the future" check.
func fixNow(t *testing.T, at time.Time) {
	t.Helper()
	old := now
	now = func() time.Time { return at }
	t.Cleanup(func() { now = old })
}

// residentID builds a valid-check-character ID from a 17-digit prefix.
func residentID(t *testing.T, first17 string) string {
	t.Helper()
	c, err := ResidentIDCheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

func TestValidResidentID(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want error
	}{
		{"valid digit check", "990101199003071237", nil},
		{"valid X check", "99010119900307127X", nil},
		{"valid leap day", "990101200002290011", nil},
		{"valid 1900-01-01", "990101190001010026", nil},
		{"valid", "990101198506150047", nil},
		{"valid end of year", "990101202312310072", nil},
		{"valid zero check", "990101199001011230", nil},
		{"wrong check digit", "990101199003071238", ErrCheckCharacter},
		{"X where digit expected", "99010119900307123X", ErrCheckCharacter},
		{"digit where X expected", "990101199003071270", ErrCheckCharacter},
		{"lower-case x", "99010119900307127x", ErrCharset},
		{"letter in body", "9901011990030712A7", ErrCharset},
		{"letter check", "99010119900307123A", ErrCharset},
		{"non-ascii", "99010119900307123é", ErrCharset},
		{"empty", "", ErrLength},
		{"15-digit old format", "990101900307123", ErrLength},
		{"17 digits", "99010119900307123", ErrLength},
		{"19 digits", "9901011990030712377", ErrLength},
		{"Feb 30", residentIDNoT("99010119900230123"), ErrBirthDate},
		{"Feb 29 non-leap", residentIDNoT("99010119000229123"), ErrBirthDate},
		{"month 13", residentIDNoT("99010119901301123"), ErrBirthDate},
		{"month 00", residentIDNoT("99010119900001123"), ErrBirthDate},
		{"day 00", residentIDNoT("99010119900100123"), ErrBirthDate},
		{"Apr 31", residentIDNoT("99010119900431123"), ErrBirthDate},
		{"before 1900", residentIDNoT("99010118991231123"), ErrBirthDate},
		{"far future", residentIDNoT("99010129990101123"), ErrBirthDate},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ValidResidentID(c.in)
			if c.want == nil {
				if err != nil {
					t.Fatalf("ValidResidentID(%q) = %v, want nil", c.in, err)
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("ValidResidentID(%q) = %v, want %v", c.in, err, c.want)
			}
		})
	}
}

// residentIDNoT appends a correct check character (no *testing.T needed for table literals).
func residentIDNoT(first17 string) string {
	c, err := ResidentIDCheckChar(first17)
	if err != nil {
		panic(err)
	}
	return first17 + string(c)
}

func TestValidResidentIDToday(t *testing.T) {
	// 2024-03-01 00:30 in China is still 2024-02-29 in UTC; a person born
	// on 2024-03-01 is valid in China on that day.
	fixNow(t, time.Date(2024, 2, 29, 16, 30, 0, 0, time.UTC))
	if err := ValidResidentID(residentID(t, "99010120240301001")); err != nil {
		t.Errorf("born today (China time): %v", err)
	}
	if err := ValidResidentID(residentID(t, "99010120240229001")); err != nil {
		t.Errorf("born yesterday: %v", err)
	}
	if err := ValidResidentID(residentID(t, "99010120240302001")); !errors.Is(err, ErrBirthDate) {
		t.Errorf("born tomorrow: err = %v, want ErrBirthDate", err)
	}
}

func TestValidMobile(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want error
	}{
		{"valid 138", "13812345678", nil},
		{"valid 130", "13000000000", nil},
		{"valid 199", "19999999999", nil},
		{"valid 166", "16600000000", nil},
		{"prefix 12", "12812345678", ErrFormat},
		{"prefix 10", "10012345678", ErrFormat},
		{"prefix 2", "23812345678", ErrFormat},
		{"prefix 0", "03812345678", ErrFormat},
		{"10 digits", "1381234567", ErrLength},
		{"12 digits", "138123456789", ErrLength},
		{"country code", "+8613812345678", ErrLength},
		{"empty", "", ErrLength},
		{"space inside", "138 2345678", ErrCharset},
		{"dash", "138-2345678", ErrCharset},
		{"letter", "1381234567a", ErrCharset},
		{"full-width digit", "１3812345678", ErrCharset},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ValidMobile(c.in)
			if c.want == nil {
				if err != nil {
					t.Fatalf("ValidMobile(%q) = %v, want nil", c.in, err)
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("ValidMobile(%q) = %v, want %v", c.in, err, c.want)
			}
		})
	}
}

func TestErrorsDoNotEchoInput(t *testing.T) {
	id := "990101199003071238" // wrong check digit
	if err := ValidResidentID(id); err == nil || strings.Contains(err.Error(), "19900307") {
		t.Errorf("error %v leaks input", err)
	}
	if err := ValidResidentID(residentIDNoT("99010119900230123")); err == nil || strings.Contains(err.Error(), "19900230") {
		t.Errorf("error %v leaks input", err)
	}
}

func TestMaskResidentID(t *testing.T) {
	cases := []struct{ in, want string }{
		{"990101199003071237", "990101********1237"},
		{"99010119900307127X", "990101********127X"},
		{"9901011990030712377", "990101*********2377"},
		{"99010119900307123", "*****************"},
		{"1234567890", "**********"},
		{"", ""},
		{"中国中国中国中国中国中国中国中国中国", "中国中国中国********中国中国"},
		{"ab", "**"},
	}
	for _, c := range cases {
		if got := MaskResidentID(c.in); got != c.want {
			t.Errorf("MaskResidentID(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMaskMobile(t *testing.T) {
	cases := []struct{ in, want string }{
		{"13812345678", "138****5678"},
		{"+8613812345678", "+86*******5678"},
		{"1381234567", "**********"},
		{"", ""},
		{"一二三四五六七八九十零", "一二三****八九十零"},
		{"é", "*"},
	}
	for _, c := range cases {
		if got := MaskMobile(c.in); got != c.want {
			t.Errorf("MaskMobile(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
