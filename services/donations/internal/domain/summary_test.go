package domain

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func cash(donor string, fen int64, depositedMin int) Pledge {
	return Pledge{DonorID: donor, Kind: KindCash, State: StateDeposited, DepositedAmountFen: fen, DepositedAt: at(depositedMin)}
}

func inKind(donor string, fen int64, approvedMin int) Pledge {
	return Pledge{DonorID: donor, Kind: KindInKind, State: StateApproved, AppraisedValueFen: fen, ApprovedAt: at(approvedMin)}
}

func TestSummarize(t *testing.T) {
	late := cash("late", 9_000_000, 1)
	late.Late = true
	refundedEarly := cash("r", 1_000, 1)
	refundedEarly.State, refundedEarly.RefundedAt = StateRefunded, at(5)
	refundedAfter := cash("r", 2_000, 1)
	refundedAfter.State, refundedAfter.RefundedAt = StateRefunded, at(20)
	pledged := Pledge{DonorID: "p", Kind: KindCash, State: StatePledged, AmountFen: 5_000_000}
	appraised := Pledge{DonorID: "p", Kind: KindInKind, State: StateAppraised, AppraisedValueFen: 5_000_000, AppraisedAt: at(1)}

	const budget = 10_000_000 // 100,000.00 CNY
	tests := []struct {
		name      string
		pledges   []Pledge
		asOf      time.Time
		bps       int
		wantTotal int64
		wantNamed string
	}{
		{"nothing", nil, at(10), 5000, 0, ""},
		{"exactly 50% gets the naming right", []Pledge{cash("a", 5_000_000, 1)}, at(10), 5000, 5_000_000, "a"},
		{"49.99% does not", []Pledge{cash("a", 4_999_000, 1)}, at(10), 5000, 4_999_000, ""},
		{"one fen short of 50% does not", []Pledge{cash("a", 4_999_999, 1)}, at(10), 5000, 4_999_999, ""},
		{"cash and in kind of one donor add up", []Pledge{cash("a", 3_000_000, 1), inKind("a", 2_000_000, 2)}, at(10), 5000, 5_000_000, "a"},
		{"deposit at as_of does not count yet", []Pledge{cash("a", 5_000_000, 10)}, at(10), 5000, 0, ""},
		{"deposit one minute before as_of counts", []Pledge{cash("a", 5_000_000, 9)}, at(10), 5000, 5_000_000, "a"},
		{"approval at as_of does not count", []Pledge{inKind("a", 5_000_000, 10)}, at(10), 5000, 0, ""},
		{"late money never counts", []Pledge{late, cash("a", 1_000_000, 1)}, at(10), 5000, 1_000_000, ""},
		{"pledged and appraised do not count", []Pledge{pledged, appraised}, at(10), 5000, 0, ""},
		{"refunded before as_of does not count, after does", []Pledge{refundedEarly, refundedAfter}, at(10), 5000, 2_000, ""},
		{"largest donor wins", []Pledge{cash("a", 5_000_000, 1), cash("b", 6_000_000, 2)}, at(10), 5000, 11_000_000, "b"},
		{"tie goes to the earlier confirmation", []Pledge{cash("b", 5_000_000, 2), cash("a", 5_000_000, 3)}, at(10), 5000, 10_000_000, "b"},
		{"tie decided by when the total was reached", []Pledge{cash("a", 2_500_000, 1), cash("a", 2_500_000, 8), cash("b", 5_000_000, 5)}, at(10), 5000, 10_000_000, "b"},
		// The naming right goes to one donor's own total, never to the application's: several donors reaching
		// 50% only together name no one, and exactly one donor reaching it alone is named among others.
		{"50% reached only together names no one", []Pledge{cash("a", 3_000_000, 1), cash("b", 2_000_000, 2)}, at(10), 5000, 5_000_000, ""},
		{"three donors above 50% together, none alone", []Pledge{cash("a", 4_000_000, 1), cash("b", 3_000_000, 2), cash("c", 3_000_000, 3)}, at(10), 5000, 10_000_000, ""},
		{"exactly one donor reaches 50% alone", []Pledge{cash("b", 2_000_000, 1), cash("a", 5_000_000, 2), cash("c", 1_000_000, 3)}, at(10), 5000, 8_000_000, "a"},
		{"one donor's pledges add up to 50% among others", []Pledge{cash("b", 4_999_999, 1), cash("a", 2_500_000, 2), cash("a", 2_500_000, 3)}, at(10), 5000, 9_999_999, "a"},
		{"a policy of 30% names a smaller donor", []Pledge{cash("a", 3_000_000, 1)}, at(10), 3000, 3_000_000, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Summarize("", tt.pledges, tt.asOf, time.Time{}, budget, tt.bps)
			if got.ConfirmedTotalFen != tt.wantTotal || got.NamingRightDonorID != tt.wantNamed {
				t.Fatalf("got total %d named %q, want %d %q", got.ConfirmedTotalFen, got.NamingRightDonorID, tt.wantTotal, tt.wantNamed)
			}
		})
	}
}

// TestSummarizeCashInKindAndRedirections: the total splits into cash and in kind, and a donation redirected to
// the application counts there from its redirection (before as_of and before the cutoff), for its donor.
func TestSummarizeCashInKindAndRedirections(t *testing.T) {
	const budget = 10_000_000
	cutoff := at(30)
	own := func(p Pledge) Pledge { p.ApplicationID = "T"; return p }
	in := func(p Pledge, redirectedMin int) Pledge {
		p.ApplicationID, p.State, p.RedirectApplicationID, p.RedirectedAt = "A", StateRedirected, "T", at(redirectedMin)
		return p
	}
	away := own(cash("a", 4_000_000, 1))
	away.State, away.RedirectApplicationID, away.RedirectedAt = StateRedirected, "B", at(5)
	elsewhere := in(cash("c", 7_000_000, 1), 5)
	elsewhere.RedirectApplicationID = "B"
	tests := []struct {
		name         string
		pledges      []Pledge
		asOf         time.Time
		cash, inKind int64
		named        string
	}{
		{"cash and in kind", []Pledge{own(cash("a", 3_000_000, 1)), own(inKind("b", 2_000_000, 2))}, at(10), 3_000_000, 2_000_000, ""},
		{"redirected in before as_of counts, cash", []Pledge{in(cash("c", 5_000_000, 1), 5)}, at(10), 5_000_000, 0, "c"},
		{"redirected in, in kind", []Pledge{in(inKind("c", 1_000_000, 1), 5)}, at(10), 0, 1_000_000, ""},
		{"redirected in at as_of does not count yet", []Pledge{in(cash("c", 5_000_000, 1), 10)}, at(10), 0, 0, ""},
		{"redirected in at the cutoff is late", []Pledge{in(cash("c", 5_000_000, 1), 30)}, at(40), 0, 0, ""},
		{"redirected in one minute before the cutoff counts after it", []Pledge{in(cash("c", 5_000_000, 1), 29)}, at(40), 5_000_000, 0, "c"},
		{"redirected away counts until redirected", []Pledge{away}, at(5), 4_000_000, 0, ""},
		{"redirected away no longer counts", []Pledge{away}, at(6), 0, 0, ""},
		{"redirected to another application", []Pledge{elsewhere}, at(10), 0, 0, ""},
		// The tie is decided by when each donor's total reached the application: c's at its redirection.
		{"naming-right tie: redirection time", []Pledge{in(cash("c", 5_000_000, 1), 6), own(cash("a", 5_000_000, 4))}, at(10), 10_000_000, 0, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Summarize("T", tt.pledges, tt.asOf, cutoff, budget, 5000)
			if got.ConfirmedCashFen != tt.cash || got.ConfirmedInKindFen != tt.inKind || got.ConfirmedTotalFen != tt.cash+tt.inKind ||
				got.NamingRightDonorID != tt.named {
				t.Fatalf("got %+v, want cash %d in kind %d named %q", got, tt.cash, tt.inKind, tt.named)
			}
		})
	}
}

func TestQualifiesForNamingRight(t *testing.T) {
	tests := []struct {
		total, budget int64
		bps           int
		want          bool
	}{
		{5_000_000, 10_000_000, 5000, true},
		{4_999_000, 10_000_000, 5000, false}, // 49.99%
		{1, 2, 5000, true},
		{1, 3, 5000, false},
		{0, 0, 5000, true}, // Summarize never asks with a zero budget
		{50_000_000_000, 100_000_000_000, 5000, true},
	}
	for _, tt := range tests {
		if got := QualifiesForNamingRight(tt.total, tt.budget, tt.bps); got != tt.want {
			t.Errorf("QualifiesForNamingRight(%d, %d, %d) = %v, want %v", tt.total, tt.budget, tt.bps, got, tt.want)
		}
	}
	if s := Summarize("", []Pledge{cash("a", 1, 1)}, at(10), time.Time{}, 0, 5000); s.NamingRightDonorID != "" {
		t.Fatal("no naming right without a budget")
	}
}

func TestIsLate(t *testing.T) {
	cutoff := at(10)
	tests := []struct {
		t, cutoff time.Time
		want      bool
	}{
		{at(9), cutoff, false},
		{at(10), cutoff, true}, // at the cutoff is late
		{at(11), cutoff, true},
		{at(11), time.Time{}, false}, // no cutoff yet
	}
	for _, tt := range tests {
		if got := IsLate(tt.t, tt.cutoff); got != tt.want {
			t.Errorf("IsLate(%v, %v) = %v, want %v", tt.t, tt.cutoff, got, tt.want)
		}
	}
}

func TestReceiptNumber(t *testing.T) {
	if got := ReceiptNumber(2026, 123); got != "2026-000123" {
		t.Fatalf("got %s", got)
	}
	p := Pledge{State: StateDeposited}
	if p.IssueReceipt(2027, 4); p.ReceiptNumber != "2027-000004" {
		t.Fatalf("issued %q", p.ReceiptNumber)
	}
	// 2026-12-31 16:30 UTC is already 2027 in Shanghai.
	if y := ReceiptYear(time.Date(2026, 12, 31, 16, 30, 0, 0, time.UTC)); y != 2027 {
		t.Fatalf("receipt year = %d, want 2027", y)
	}
	if y := ReceiptYear(time.Date(2026, 12, 31, 15, 59, 0, 0, time.UTC)); y != 2026 {
		t.Fatalf("receipt year = %d, want 2026", y)
	}
}
