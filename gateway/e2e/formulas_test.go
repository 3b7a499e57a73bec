package e2e

import "slices"

// DOMAIN.md's formulas of the final results and the funding quote, written here in plain integer arithmetic,
// independently of the services (pkg/money, the reviews domain), so the end-to-end tests check the services'
// numbers against the specification rather than against themselves. Scores are in hundredths.

// halfUp is num ÷ den rounded half up, for num ≥ 0 and den > 0.
func halfUp(num, den int64) int64 { return (2*num + den) / (2 * den) }

// panelScore is the mean of the members' totals, one highest and one lowest dropped when there are 5 or more
// (trim_extremes), rounded half up to the hundredth.
func panelScore(totals []int64) int64 {
	sorted := slices.Sorted(slices.Values(totals))
	if len(sorted) >= 5 {
		sorted = sorted[1 : len(sorted)-1]
	}
	var sum int64
	for _, t := range sorted {
		sum += t
	}
	return halfUp(100*sum, int64(len(sorted)))
}

// donationScore is 100 × min(1, donations ÷ budget), rounded half up to the hundredth.
func donationScore(donationsFen, budgetFen int64) int64 {
	return halfUp(10000*min(donationsFen, budgetFen), budgetFen)
}

// voteScore is 100 × votes ÷ most votes of any finalist (0 when nobody voted), rounded half up.
func voteScore(votes, maxVotes int64) int64 {
	if maxVotes == 0 {
		return 0
	}
	return halfUp(10000*votes, maxVotes)
}

// totalScore is 0.6 P + 0.2 D + 0.2 V on the hundredths, rounded half up (the default weights 60/20/20).
func totalScore(p, d, v int64) int64 { return halfUp(60*p+20*d+20*v, 100) }

// The default matching terms (DOMAIN.md §2): donation : match = 1 : 2, match cap 500,000 yuan, top-up cap
// 300,000 yuan.
const (
	matchCapFen = 500_000_00
	topupCapFen = 300_000_00
)

// quote is the funding quote for budget B and confirmed donations D (DOMAIN.md §3 funding):
// match = min(2D, match cap, max(0, B − D)), top-up = min(max(0, B − D − match), top-up cap).
func quote(budgetFen, donationsFen int64) (match, topup int64) {
	gap := max(0, budgetFen-donationsFen)
	match = min(2*donationsFen, matchCapFen, gap)
	topup = min(max(0, gap-match), topupCapFen)
	return match, topup
}

// governmentShare is the quote's match + top-up.
func governmentShare(budgetFen, donationsFen int64) int64 {
	match, topup := quote(budgetFen, donationsFen)
	return match + topup
}

// finalistFacts are a finalist's inputs, in order of first submission.
type finalistFacts struct {
	id                      string
	totals                  []int64 // the final panel members' totals
	budget, donations, vote int64
}

// resultWant is what DOMAIN.md says of one finalist's result.
type resultWant struct {
	panel, donation, vote, total int64
	rank                         int
	selected                     bool
	skip                         string // QUOTA_REACHED or POOL_EXHAUSTED when not selected
	government, poolLeft         int64  // the quoted government share; the pool left when the walk reached it
}

// expectedResults scores the finalists, ranks them (total, then panel score, then earlier submission) and walks
// the ranking: a finalist is selected while the quota is not reached and its government share fits in what is
// left of the pool; one that does not fit is skipped and the walk goes on.
func expectedResults(fs []finalistFacts, quota int, poolFen int64) map[string]resultWant {
	var maxVotes int64
	for _, f := range fs {
		maxVotes = max(maxVotes, f.vote)
	}
	out := map[string]resultWant{}
	ranked := slices.Clone(fs)
	for _, f := range fs {
		r := resultWant{panel: panelScore(f.totals), donation: donationScore(f.donations, f.budget), vote: voteScore(f.vote, maxVotes),
			government: governmentShare(f.budget, f.donations)}
		r.total = totalScore(r.panel, r.donation, r.vote)
		out[f.id] = r
	}
	slices.SortStableFunc(ranked, func(a, b finalistFacts) int {
		ra, rb := out[a.id], out[b.id]
		if ra.total != rb.total {
			return int(rb.total - ra.total)
		}
		return int(rb.panel - ra.panel)
	})
	left, selected := poolFen, 0
	for i, f := range ranked {
		r := out[f.id]
		r.rank, r.poolLeft = i+1, left
		switch {
		case selected == quota:
			r.skip = "QUOTA_REACHED"
		case r.government > left:
			r.skip = "POOL_EXHAUSTED"
		default:
			r.selected, left, selected = true, left-r.government, selected+1
		}
		out[f.id] = r
	}
	return out
}
