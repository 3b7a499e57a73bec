package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Payee is the bank account a project's tranches are paid to. The account number is kept sealed (Sealed,
// pkg/sealed) with its masked form beside it; AccountNumber holds it in clear only in memory, for the use case
// that seals it or shows it to the owner and the organizer, and is never serialised.
type Payee struct {
	Bank          string
	AccountName   string
	AccountNumber string `json:"-"`
	Sealed        []byte
	Masked        string
	Confirmed     bool
}

// Set reports whether a payee is recorded.
func (p Payee) Set() bool { return p.Bank != "" }

// NewPayee checks a payee account: bank and holder named, the number 8 to 30 digits (spaces dropped).
func NewPayee(bank, accountName, number string) (Payee, error) {
	bank, accountName = strings.TrimSpace(bank), strings.TrimSpace(accountName)
	number = strings.ReplaceAll(strings.TrimSpace(number), " ", "")
	if bank == "" || accountName == "" || utf8.RuneCountInString(bank) > 200 || utf8.RuneCountInString(accountName) > 200 {
		return Payee{}, ErrInvalidPayee.Field("bank", "bank and account_name are required (at most 200 characters)")
	}
	if len(number) < 8 || len(number) > 30 || strings.Trim(number, "0123456789") != "" {
		return Payee{}, ErrInvalidPayee.Field("account_number", "8 to 30 digits")
	}
	return Payee{Bank: bank, AccountName: accountName, AccountNumber: number, Masked: MaskAccount(number)}, nil
}

// MaskAccount shows an account number the way personal numbers are shown to those who may not see them: the
// last four digits, and the first four when at least eight stay hidden (6222********1234).
func MaskAccount(n string) string {
	switch {
	case len(n) <= 4:
		return strings.Repeat("*", len(n))
	case len(n) < 16:
		return strings.Repeat("*", len(n)-4) + n[len(n)-4:]
	}
	return n[:4] + strings.Repeat("*", len(n)-8) + n[len(n)-4:]
}

// Prize is an idea prize (优秀创意) paid from a round's pool.
type Prize struct {
	RoundID           string
	ApplicationID     string
	Tier              int
	AmountFen         int64
	CertificateNumber string // 优秀创意证书, e.g. 2026-CY-001
	PayeeOrgID        string
	PaidAt            time.Time
	PaidBy            string
	RequestID         string
}

// CertificateNumber is the n-th idea-prize certificate of a year: YYYY-CY-NNN (at least three digits).
func CertificateNumber(year int, n int64) string { return fmt.Sprintf("%d-CY-%03d", year, n) }

// PrizeAmount is a tier's prize under the round's policy (tiers[0] is tier 1).
func PrizeAmount(tiers []int64, tier int) (int64, error) {
	if tier < 1 || tier > len(tiers) || tiers[tier-1] <= 0 {
		return 0, ErrPrizeTierUnknown.With("the policy has no prize for tier %d", tier)
	}
	return tiers[tier-1], nil
}
