package domain

import (
	"strings"
	"testing"
)

func TestCleanReference(t *testing.T) {
	for in, want := range map[string]string{
		" BOC-2026-0001 ":        "BOC-2026-0001",
		"渭福彩〔2026〕12号":           "渭福彩〔2026〕12号",
		strings.Repeat("x", 128): strings.Repeat("x", 128),
		strings.Repeat("x", 129): "",
		strings.Repeat("渭", 43):  "", // 129 bytes
		"   ":                    "",
		"\xff":                   "",
	} {
		got, err := CleanReference(in, ErrReferenceRequired)
		if got != want || (err == nil) != (want != "") {
			t.Errorf("CleanReference(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
