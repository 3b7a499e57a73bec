package domain

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// LineAmount is an amount spent on one budget line.
type LineAmount struct {
	BudgetLine string `json:"budget_line"`
	AmountFen  int64  `json:"amount_fen"`
}

// Spending is a total and its optional breakdown by budget line, as a request gives them.
type Spending struct {
	TotalField string // the request field of the total, e.g. "spent_fen"
	TotalFen   int64
	Lines      []LineAmount
}

// Check validates the spending against the project's budget lines and returns the total: not negative, each
// line a budget line of the project given once with a positive amount, and the total either omitted (0) or
// equal to the lines' sum.
func (s Spending) Check(budgetLines []string) (int64, error) {
	if s.TotalFen < 0 {
		return 0, invalid("NEGATIVE_AMOUNT", s.TotalField, "must not be negative")
	}
	var sum int64
	seen := map[string]bool{}
	for i, l := range s.Lines {
		field := fmt.Sprintf("spending[%d]", i)
		switch {
		case !slices.Contains(budgetLines, l.BudgetLine):
			return 0, ErrUnknownBudgetLine.Field(field+".budget_line", fmt.Sprintf("%q is not a budget line of the project (%q)", l.BudgetLine, budgetLines))
		case seen[l.BudgetLine]:
			return 0, invalid("DUPLICATE_BUDGET_LINE", field+".budget_line", fmt.Sprintf("%q is given twice", l.BudgetLine))
		case l.AmountFen <= 0:
			return 0, invalid("NON_POSITIVE_AMOUNT", field+".amount_fen", "must be positive")
		case sum > maxFen-l.AmountFen:
			return 0, invalid("AMOUNT_TOO_LARGE", field+".amount_fen", "the lines' sum is too large")
		}
		seen[l.BudgetLine] = true
		sum += l.AmountFen
	}
	if len(s.Lines) == 0 {
		return s.TotalFen, nil
	}
	if s.TotalFen != 0 && s.TotalFen != sum {
		return 0, ErrSpendingTotalMismatch.Field(s.TotalField, fmt.Sprintf("%d is not the lines' sum %d", s.TotalFen, sum))
	}
	return sum, nil
}

// maxFen bounds sums of amounts so they never overflow (10^15 fen: ten trillion yuan).
const maxFen = int64(1_000_000_000_000_000)

// Text limits of free-text fields, in characters.
const (
	LongText  = 20_000
	ShortText = 500
)

// checkText refuses a text longer than limit characters, or empty when required.
func checkText(field, s string, limit int, required bool) error {
	switch {
	case required && strings.TrimSpace(s) == "":
		return invalid("REQUIRED_FIELD", field, "is required")
	case utf8.RuneCountInString(s) > limit:
		return invalid("TEXT_TOO_LONG", field, fmt.Sprintf("at most %d characters", limit))
	}
	return nil
}
