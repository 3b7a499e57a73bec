package money

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

const yuan = 100 // fen

// defaults are the seed's terms: 1 : 2, match cap 500,000 yuan, top-up cap 300,000 yuan.
var defaults = Terms{RatioDonation: 1, RatioMatch: 2, MatchCapFen: 500_000 * yuan, TopupCapFen: 300_000 * yuan}

func TestQuoteWorkedExamples(t *testing.T) {
	// DOMAIN.md §3 funding, the worked-examples table (yuan), plus caps at their exact boundaries.
	cases := []struct {
		name                                          string
		budget, donations, match, topup, total, short int64
	}{
		{"no donation: topped up", 200_000, 0, 0, 200_000, 200_000, 0},
		{"top-up capped: 100,000 short", 400_000, 0, 0, 300_000, 300_000, 100_000},
		{"fully matched", 300_000, 100_000, 200_000, 0, 300_000, 0},
		{"match capped, then topped up", 1_000_000, 300_000, 500_000, 200_000, 1_000_000, 0},
		{"match limited by budget", 100_000, 80_000, 20_000, 0, 100_000, 0},
		{"top-up exactly at its cap", 300_000, 0, 0, 300_000, 300_000, 0},
		{"top-up one fen over its cap", 300_000*yuan + 1, 0, 0, 300_000 * yuan, 300_000 * yuan, 1},
		{"match exactly at its cap", 750_000, 250_000, 500_000, 0, 750_000, 0},
		{"match one yuan over its cap", 750_001, 250_001, 500_000, 0, 750_001, 0},
		{"both caps reached, short", 2_000_000, 100_000, 200_000, 300_000, 600_000, 1_400_000},
		{"issue 7's case: 2,000,000 with 1,200,000 donated", 2_000_000, 1_200_000, 500_000, 300_000, 2_000_000, 0},
		{"donations equal the budget", 500_000, 500_000, 0, 0, 500_000, 0},
		{"donations above the budget", 500_000, 700_000, 0, 0, 500_000, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			unit := int64(yuan)
			if c.name == "top-up one fen over its cap" {
				unit = 1 // written in fen
			}
			q, err := defaults.Quote(c.budget*unit, c.donations*unit)
			if err != nil {
				t.Fatal(err)
			}
			want := Quote{MatchFen: c.match * unit, TopupFen: c.topup * unit, GovernmentFen: (c.match + c.topup) * unit, TotalFen: c.total * unit, ShortfallFen: c.short * unit}
			if q != want {
				t.Fatalf("Quote = %+v, want %+v", q, want)
			}
		})
	}
}

func TestQuoteRefusesBadInput(t *testing.T) {
	for _, c := range []struct {
		name      string
		terms     Terms
		b, d      int64
		wantError error
	}{
		{"zero budget", defaults, 0, 0, ErrBudgetNotPositive},
		{"negative budget", defaults, -1, 0, ErrBudgetNotPositive},
		{"negative donations", defaults, 100, -1, ErrNegativeDonations},
		{"zero ratio denominator", Terms{RatioDonation: 0, RatioMatch: 2}, 100, 0, ErrInvalidTerms},
		{"negative cap", Terms{RatioDonation: 1, RatioMatch: 2, MatchCapFen: -1}, 100, 0, ErrInvalidTerms},
	} {
		if _, err := c.terms.Quote(c.b, c.d); !c.wantError.(interface{ Is(error) bool }).Is(err) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.wantError)
		}
	}
}

func TestQuoteHugeDonationsDoNotOverflow(t *testing.T) {
	q, err := defaults.Quote(math.MaxInt64, math.MaxInt64/2+1)
	if err != nil || q.MatchFen != defaults.MatchCapFen || q.TotalFen < 0 || q.TotalFen > math.MaxInt64 {
		t.Fatalf("Quote = %+v, %v", q, err)
	}
}

// TestQuoteInvariants checks, on random inputs, what must always hold: no part negative, the government
// share is match plus top-up, caps respected, and the total never above the budget.
func TestQuoteInvariants(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := r.Int64N(3_000_000*yuan) + 1
		d := r.Int64N(3_000_000 * yuan)
		q, err := defaults.Quote(b, d)
		if err != nil {
			t.Fatal(err)
		}
		if q.MatchFen < 0 || q.TopupFen < 0 || q.MatchFen > defaults.MatchCapFen || q.TopupFen > defaults.TopupCapFen ||
			q.MatchFen > 2*d || q.GovernmentFen != q.MatchFen+q.TopupFen || q.TotalFen > b || q.TotalFen+q.ShortfallFen != b ||
			(d <= b && q.TotalFen != d+q.GovernmentFen) {
			t.Fatalf("B=%d D=%d: %+v", b, d, q)
		}
	}
}

func TestMinDonationForFullFunding(t *testing.T) {
	for _, c := range []struct{ budget, want int64 }{
		{200_000 * yuan, 0},                  // the top-up alone covers it
		{300_000 * yuan, 0},                  // exactly the top-up cap
		{300_000*yuan + 3, 1},                // 1 fen donated brings 2 fen of match
		{1_000_000 * yuan, 23_333_334},       // D + 2D + 300,000 yuan >= 1,000,000 yuan: D = 233,333.34 yuan
		{2_000_000 * yuan, 1_200_000 * yuan}, // issue 7: fully fundable with 1,200,000 donated
	} {
		got, err := defaults.MinDonationForFullFunding(c.budget)
		if err != nil || got != c.want {
			t.Errorf("budget %d: %d, %v; want %d", c.budget, got, err, c.want)
			continue
		}
		// The same quote agrees: funded at the minimum, short one fen below it.
		if q, _ := defaults.Quote(c.budget, got); q.ShortfallFen != 0 {
			t.Errorf("budget %d: short %d at the minimum", c.budget, q.ShortfallFen)
		}
		if got > 0 {
			if q, _ := defaults.Quote(c.budget, got-1); q.ShortfallFen == 0 {
				t.Errorf("budget %d: fully funded below the minimum", c.budget)
			}
		}
	}
	if _, err := defaults.MinDonationForFullFunding(0); !ErrBudgetNotPositive.Is(err) {
		t.Errorf("zero budget: %v", err)
	}
}

func TestTranches(t *testing.T) {
	for _, c := range []struct {
		amount   int64
		percents []int
		want     []int64
	}{
		{100_000_00, []int{50, 30, 20}, []int64{50_000_00, 30_000_00, 20_000_00}},
		{101, []int{50, 30, 20}, []int64{50, 30, 21}}, // 50.5 → 50, 30.3 → 30, the rest 21
		{99_999, []int{50, 30, 20}, []int64{49_999, 29_999, 20_001}},
		{1, []int{50, 30, 20}, []int64{0, 0, 1}},
		{0, []int{50, 30, 20}, []int64{0, 0, 0}},
		{7, []int{100}, []int64{7}},
	} {
		got, err := Tranches(c.amount, c.percents)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("Tranches(%d, %v) = %v, %v; want %v", c.amount, c.percents, got, err, c.want)
		}
	}
	for _, bad := range [][]int{{50, 30}, {50, 30, 30}, {100, 0}, {}} {
		if _, err := Tranches(100, bad); err == nil {
			t.Errorf("percents %v accepted", bad)
		}
	}
}

func TestProRata(t *testing.T) {
	for _, c := range []struct {
		amount  int64
		weights []int64
		want    []int64
	}{
		{100, []int64{1, 1}, []int64{50, 50}},
		{101, []int64{1, 1}, []int64{51, 50}}, // the tie goes to the earlier source
		{10, []int64{1, 2}, []int64{3, 7}},    // 3.33 and 6.67: the larger remainder gets the fen
		{1, []int64{600, 400}, []int64{1, 0}},
		{0, []int64{0, 0}, []int64{0, 0}},
		{5, []int64{0, 9}, []int64{0, 5}},
	} {
		got, err := ProRata(c.amount, c.weights)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("ProRata(%d, %v) = %v, %v; want %v", c.amount, c.weights, got, err, c.want)
		}
	}
	if _, err := ProRata(5, []int64{0, 0}); err == nil {
		t.Error("an amount split over zero weights was accepted")
	}
	// Every fen is conserved, and each part is within one fen of its exact share.
	r := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		n := r.IntN(4) + 1
		ws := make([]int64, n)
		var wsum int64
		for i := range ws {
			ws[i] = r.Int64N(1_000_000_00)
			wsum += ws[i]
		}
		if wsum == 0 {
			continue
		}
		amount := r.Int64N(wsum + 1)
		got, err := ProRata(amount, ws)
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for i, g := range got {
			sum += g
			exactFloor := MulDiv(amount, ws[i], wsum)
			if g < exactFloor || g > exactFloor+1 {
				t.Fatalf("ProRata(%d, %v)[%d] = %d, exact floor %d", amount, ws, i, g, exactFloor)
			}
		}
		if sum != amount {
			t.Fatalf("ProRata(%d, %v) = %v adds up to %d", amount, ws, got, sum)
		}
	}
}
