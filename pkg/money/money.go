// Package money holds the programme's money rules that more than one service applies (DOMAIN.md §3
// funding, §4): the funding quote (match, top-up, government share), the split of a source into tranches
// and the pro-rata split of a clawback. Amounts are int64 fen; nothing here uses floating point, and
// every split conserves every fen.
package money

import (
	"math"
	"math/big"

	"github.com/commonweal/commonweal/pkg/errs"
)

// Terms are the matching terms of a round's policy.
type Terms struct {
	// RatioDonation : RatioMatch is the match ratio: RatioMatch yuan of matching per RatioDonation yuan
	// donated (1 : 2 by default).
	RatioDonation, RatioMatch int64
	// MatchCapFen caps the match; TopupCapFen caps the top-up itself.
	MatchCapFen, TopupCapFen int64
}

// Quote is what a project with budget B and confirmed donations D gets.
type Quote struct {
	MatchFen      int64 // min(D × ratio, match cap, max(0, B − D))
	TopupFen      int64 // min(max(0, B − D − match), top-up cap)
	GovernmentFen int64 // match + top-up, paid from the round's pool
	TotalFen      int64 // D + government, never more than B
	ShortfallFen  int64 // B − total: what the caps leave unfunded
}

// Errors of the money rules.
var (
	ErrBudgetNotPositive = errs.Invalid("BUDGET_NOT_POSITIVE", "budget_fen", "the budget must be more than zero")
	ErrNegativeDonations = errs.Invalid("DONATIONS_NEGATIVE", "donations_fen", "donations cannot be negative")
	ErrInvalidTerms      = errs.New(errs.InvalidArgument, "INVALID_MATCHING_TERMS", "the match ratio must be positive and the caps not negative")
	ErrInvalidPercents   = errs.New(errs.InvalidArgument, "INVALID_TRANCHE_PERCENTS", "tranche percentages must be positive and add up to 100")
	ErrInvalidSplit      = errs.New(errs.InvalidArgument, "INVALID_SPLIT", "amounts and weights must not be negative")
)

// Valid reports whether the terms can quote.
func (t Terms) Valid() error {
	if t.RatioDonation < 1 || t.RatioMatch < 0 || t.MatchCapFen < 0 || t.TopupCapFen < 0 {
		return ErrInvalidTerms
	}
	return nil
}

// Quote applies DOMAIN.md's formula to budget and donations (fen).
func (t Terms) Quote(budgetFen, donationsFen int64) (Quote, error) {
	if err := t.Valid(); err != nil {
		return Quote{}, err
	}
	if budgetFen <= 0 {
		return Quote{}, ErrBudgetNotPositive
	}
	if donationsFen < 0 {
		return Quote{}, ErrNegativeDonations
	}
	gap := max(0, budgetFen-donationsFen)
	match := min(MulDiv(donationsFen, t.RatioMatch, t.RatioDonation), t.MatchCapFen, gap)
	topup := min(gap-match, t.TopupCapFen)
	q := Quote{MatchFen: match, TopupFen: topup, GovernmentFen: match + topup}
	q.TotalFen = min(donationsFen+q.GovernmentFen, budgetFen) // donations above the budget: the budget
	q.ShortfallFen = budgetFen - q.TotalFen
	return q, nil
}

// MinDonationForFullFunding is the smallest confirmed donation with which the budget is fully funded (no
// shortfall): 0 when the top-up alone covers it, never more than the budget.
func (t Terms) MinDonationForFullFunding(budgetFen int64) (int64, error) {
	if _, err := t.Quote(budgetFen, 0); err != nil {
		return 0, err
	}
	// The total grows with the donation, and a donation of the whole budget funds it: search [0, budget].
	lo, hi := int64(0), budgetFen
	for lo < hi {
		mid := lo + (hi-lo)/2
		q, _ := t.Quote(budgetFen, mid)
		if q.ShortfallFen == 0 {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo, nil
}

// Tranches splits amount by percents (which add up to 100): every tranche but the last is its percentage
// rounded down to the fen, and the last takes the remainder, so the tranches add up exactly to amount.
func Tranches(amountFen int64, percents []int) ([]int64, error) {
	sum := 0
	for _, p := range percents {
		if p <= 0 {
			return nil, ErrInvalidPercents
		}
		sum += p
	}
	if sum != 100 || amountFen < 0 {
		return nil, ErrInvalidPercents
	}
	out := make([]int64, len(percents))
	rest := amountFen
	for i, p := range percents[:len(percents)-1] {
		out[i] = MulDiv(amountFen, int64(p), 100)
		rest -= out[i]
	}
	out[len(out)-1] = rest
	return out, nil
}

// ProRata splits amount in proportion to weights (e.g. a clawback across the sources that paid): each
// part is rounded down, then the fen left over go one each to the parts with the largest remainders (the
// earlier part on a tie), so the parts add up exactly to amount. All weights zero gives all parts zero
// and is refused unless amount is zero.
func ProRata(amountFen int64, weights []int64) ([]int64, error) {
	if amountFen < 0 {
		return nil, ErrInvalidSplit
	}
	total := new(big.Int)
	for _, w := range weights {
		if w < 0 {
			return nil, ErrInvalidSplit
		}
		total.Add(total, big.NewInt(w))
	}
	out := make([]int64, len(weights))
	if total.Sign() == 0 {
		if amountFen != 0 {
			return nil, ErrInvalidSplit
		}
		return out, nil
	}
	rems := make([]*big.Int, len(weights))
	left := amountFen
	for i, w := range weights {
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(big.NewInt(amountFen), big.NewInt(w)), total, new(big.Int))
		out[i], rems[i] = q.Int64(), r
		left -= out[i]
	}
	for ; left > 0; left-- {
		best := -1
		for i, r := range rems {
			if r.Sign() > 0 && (best < 0 || r.Cmp(rems[best]) > 0) {
				best = i
			}
		}
		out[best]++
		rems[best] = new(big.Int)
	}
	return out, nil
}

// MulDiv is a × b ÷ c rounded down, for non-negative a and b and positive c, without overflowing in
// between; a result beyond int64 saturates at math.MaxInt64.
func MulDiv(a, b, c int64) int64 {
	q := new(big.Int).Quo(new(big.Int).Mul(big.NewInt(a), big.NewInt(b)), big.NewInt(c))
	if !q.IsInt64() {
		return math.MaxInt64
	}
	return q.Int64()
}
