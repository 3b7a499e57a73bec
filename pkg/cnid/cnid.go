// Package cnid validates, normalises and masks mainland Chinese identifiers:
// unified social credit codes (GB 32100-2015), 18-digit resident identity
// numbers (GB 11643-1999) and mobile numbers.
//
// Validation functions never upcase or trim their input; callers normalise
// first with NormalizeUSCC or NormalizeResidentID. Error messages never echo
// the input, so they are safe to log.
package cnid

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel errors; returned errors wrap one of these, test with errors.Is.
var (
	// ErrLength reports that the input has the wrong number of characters.
	ErrLength = errors.New("cnid: wrong length")
	// ErrCharset reports a character outside the allowed character set.
	ErrCharset = errors.New("cnid: invalid character")
	// ErrCheckCharacter reports that the final check character does not match.
	ErrCheckCharacter = errors.New("cnid: check character mismatch")
	// ErrBirthDate reports a resident ID whose birth date is not a real date in range.
	ErrBirthDate = errors.New("cnid: invalid birth date")
	// ErrFormat reports a structural error such as a non-digit region code or a bad mobile prefix.
	ErrFormat = errors.New("cnid: invalid format")
)

const (
	usccLen       = 18
	residentIDLen = 18
	mobileLen     = 11

	// usccCharset is the GB 32100-2015 alphabet; a character's value is its index.
	usccCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	// residentIDCheckChars maps the weighted sum mod 11 to the check character.
	residentIDCheckChars = "10X98765432"
)

var (
	usccWeights       = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	residentIDWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

	// usccValue maps a byte to its charset value, or -1 if not in the charset.
	usccValue = func() (t [256]int8) {
		for i := range t {
			t[i] = -1
		}
		for i := 0; i < len(usccCharset); i++ {
			t[usccCharset[i]] = int8(i)
		}
		return t
	}()

	// chinaTime is UTC+8 (China has no daylight saving time), used to decide "today".
	chinaTime = time.FixedZone("CST", 8*60*60)

	// now is replaceable in tests.
	now = time.Now

	minBirthDate = time.Date(1900, time.January, 1, 0, 0, 0, 0, time.UTC)
)

// NormalizeUSCC trims surrounding white space and upcases s.
func NormalizeUSCC(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// NormalizeResidentID trims surrounding white space and upcases s (so a trailing 'x' becomes 'X').
func NormalizeResidentID(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// checkLen returns ErrLength unless s has exactly n runes, and ErrCharset if
// it has n runes but is not pure ASCII.
func checkLen(s string, n int) error {
	if c := utf8.RuneCountInString(s); c != n {
		return fmt.Errorf("%w: got %d characters, want %d", ErrLength, c, n)
	}
	if len(s) != n {
		return fmt.Errorf("%w: non-ASCII character", ErrCharset)
	}
	return nil
}

// usccCheck computes the check character of an ASCII 17-byte prefix whose
// bytes are all in the charset.
func usccCheck(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(usccValue[first17[i]]) * usccWeights[i]
	}
	return usccCharset[(31-sum%31)%31]
}

// USCCCheckChar computes the check character for the first 17 characters of a unified social credit code.
func USCCCheckChar(first17 string) (byte, error) {
	if err := checkLen(first17, 17); err != nil {
		return 0, err
	}
	for i := 0; i < 17; i++ {
		if usccValue[first17[i]] < 0 {
			return 0, fmt.Errorf("%w: %q at position %d", ErrCharset, first17[i], i+1)
		}
	}
	return usccCheck(first17), nil
}

// ValidUSCC reports whether s is a well-formed upper-case unified social credit code with a correct check character.
func ValidUSCC(s string) error {
	if err := checkLen(s, usccLen); err != nil {
		return err
	}
	for i := 0; i < usccLen; i++ {
		if usccValue[s[i]] < 0 {
			return fmt.Errorf("%w: %q at position %d", ErrCharset, s[i], i+1)
		}
	}
	for i := 2; i < 8; i++ { // positions 3–8: administrative region code
		if !isDigit(s[i]) {
			return fmt.Errorf("%w: region code (positions 3-8) must be digits, got %q at position %d", ErrFormat, s[i], i+1)
		}
	}
	if usccCheck(s[:17]) != s[17] {
		return fmt.Errorf("%w: position 18", ErrCheckCharacter)
	}
	return nil
}

// residentIDCheck computes the check character of a 17-digit ASCII prefix.
func residentIDCheck(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * residentIDWeights[i]
	}
	return residentIDCheckChars[sum%11]
}

// ResidentIDCheckChar computes the check character for the first 17 digits of a resident ID number.
func ResidentIDCheckChar(first17 string) (byte, error) {
	if err := checkLen(first17, 17); err != nil {
		return 0, err
	}
	for i := 0; i < 17; i++ {
		if !isDigit(first17[i]) {
			return 0, fmt.Errorf("%w: %q at position %d", ErrCharset, first17[i], i+1)
		}
	}
	return residentIDCheck(first17), nil
}

// ValidResidentID reports whether s is an 18-character resident ID number with a real birth date and a correct check character.
func ValidResidentID(s string) error {
	if err := checkLen(s, residentIDLen); err != nil {
		return err
	}
	for i := 0; i < 17; i++ {
		if !isDigit(s[i]) {
			return fmt.Errorf("%w: %q at position %d", ErrCharset, s[i], i+1)
		}
	}
	if c := s[17]; !isDigit(c) && c != 'X' {
		return fmt.Errorf("%w: %q at position 18 (want digit or upper-case X)", ErrCharset, c)
	}
	if err := checkBirthDate(s[6:14]); err != nil {
		return err
	}
	if residentIDCheck(s[:17]) != s[17] {
		return fmt.Errorf("%w: position 18", ErrCheckCharacter)
	}
	return nil
}

// checkBirthDate validates an 8-digit YYYYMMDD date (digits already checked).
func checkBirthDate(d string) error {
	y := atoi(d[0:4])
	m := atoi(d[4:6])
	day := atoi(d[6:8])
	t := time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC)
	if m < 1 || m > 12 || day < 1 || t.Year() != y || t.Month() != time.Month(m) || t.Day() != day {
		return fmt.Errorf("%w: not a calendar date", ErrBirthDate)
	}
	ny, nm, nd := now().In(chinaTime).Date()
	today := time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC)
	if t.Before(minBirthDate) {
		return fmt.Errorf("%w: before 1900-01-01", ErrBirthDate)
	}
	if t.After(today) {
		return fmt.Errorf("%w: in the future", ErrBirthDate)
	}
	return nil
}

// ValidMobile reports whether s is an 11-digit mainland mobile number matching ^1[3-9]\d{9}$.
func ValidMobile(s string) error {
	if err := checkLen(s, mobileLen); err != nil {
		return err
	}
	for i := 0; i < mobileLen; i++ {
		if !isDigit(s[i]) {
			return fmt.Errorf("%w: %q at position %d", ErrCharset, s[i], i+1)
		}
	}
	if s[0] != '1' || s[1] < '3' {
		return fmt.Errorf("%w: mobile number must start with 13-19", ErrFormat)
	}
	return nil
}

// MaskResidentID keeps the first 6 and last 4 characters and replaces the rest with '*'; inputs shorter than 18 characters are masked entirely.
func MaskResidentID(s string) string { return mask(s, residentIDLen, 6, 4) }

// MaskMobile keeps the first 3 and last 4 characters and replaces the rest with '*'; inputs shorter than 11 characters are masked entirely.
func MaskMobile(s string) string { return mask(s, mobileLen, 3, 4) }

// mask works on runes; the output always has as many runes as the input.
// Inputs shorter than minLen runes are masked entirely so that a truncated
// or malformed value never reveals most of its characters.
func mask(s string, minLen, keepHead, keepTail int) string {
	r := []rune(s)
	n := len(r)
	if n < minLen {
		return strings.Repeat("*", n)
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(string(r[:keepHead]))
	b.WriteString(strings.Repeat("*", n-keepHead-keepTail))
	b.WriteString(string(r[n-keepTail:]))
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// atoi converts a short string of ASCII digits.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
