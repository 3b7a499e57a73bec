package cnid

import (
	"fmt"
	"testing"
)

func FuzzValidUSCC(f *testing.F) {
	for _, s := range []string{
		"91999999MA0000000K", "12999999000000001Q", "9199999912345678AX",
		"91990101MA01ABCDE8", "91999999MA0000000L", "91999999ma0000000K",
		"91A99999MA0000000K", "", "91999999MA000000éK", "IOZSV",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidUSCC(s) // must not panic
		if err == nil {
			if len(s) != 18 {
				t.Fatalf("valid USCC %q has length %d", s, len(s))
			}
			// Any other check character must be rejected.
			for i := 0; i < len(usccCharset); i++ {
				c := usccCharset[i]
				if c == s[17] {
					continue
				}
				if ValidUSCC(s[:17]+string(c)) == nil {
					t.Fatalf("%q validates with check char %q and %q", s[:17], s[17], c)
				}
			}
		}

		// Map arbitrary input onto a 17-char prefix from the charset with
		// digits in the region positions; the computed check char must validate.
		var p [17]byte
		for i := range p {
			var b byte
			if i < len(s) {
				b = s[i]
			}
			if i >= 2 && i < 8 {
				p[i] = '0' + b%10
			} else {
				p[i] = usccCharset[int(b)%len(usccCharset)]
			}
		}
		c, err := USCCCheckChar(string(p[:]))
		if err != nil {
			t.Fatalf("USCCCheckChar(%q): %v", p[:], err)
		}
		if err := ValidUSCC(string(p[:]) + string(c)); err != nil {
			t.Fatalf("generated %q%c invalid: %v", p[:], c, err)
		}
	})
}

func FuzzValidResidentID(f *testing.F) {
	for _, s := range []string{
		"990101199003071237", "99010119900307127X", "990101200002290011",
		"99010119900307127x", "990101199002301234", "", "99010129990101123X",
	} {
		f.Add(s, uint16(0))
	}
	f.Fuzz(func(t *testing.T, s string, day uint16) {
		err := ValidResidentID(s) // must not panic
		if err == nil {
			if len(s) != 18 {
				t.Fatalf("valid ID %q has length %d", s, len(s))
			}
			for _, c := range []byte(residentIDCheckChars) {
				if c == s[17] {
					continue
				}
				if ValidResidentID(s[:17]+string(c)) == nil {
					t.Fatalf("%q validates with check char %q and %q", s[:17], s[17], c)
				}
			}
		}

		// Build a 17-digit prefix with a real birth date in 1900–1999 (always
		// in the past); the computed check char must validate.
		var p [17]byte
		for i := range p {
			var b byte
			if i < len(s) {
				b = s[i]
			}
			p[i] = '0' + b%10
		}
		d := minBirthDate.AddDate(0, 0, int(day)%36524) // < 2000-01-01
		copy(p[6:14], fmt.Sprintf("%04d%02d%02d", d.Year(), d.Month(), d.Day()))
		c, err := ResidentIDCheckChar(string(p[:]))
		if err != nil {
			t.Fatalf("ResidentIDCheckChar(%q): %v", p[:], err)
		}
		if err := ValidResidentID(string(p[:]) + string(c)); err != nil {
			t.Fatalf("generated %q%c invalid: %v", p[:], c, err)
		}
	})
}
