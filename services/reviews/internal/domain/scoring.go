package domain

import (
	"cmp"
	"slices"
	"time"
)

// divHalfUp returns num/den rounded half up, for num >= 0 and den > 0.
func divHalfUp(num, den int64) int64 {
	return (2*num + den) / (2 * den)
}

// MemberTotal is one member's total in points.
type MemberTotal struct {
	ReviewerID string `json:"reviewer_id"`
	Total      int64  `json:"total"`
}

// PanelInputs are what a panel score was computed from.
type PanelInputs struct {
	Used    []MemberTotal `json:"used"`
	Dropped []MemberTotal `json:"dropped,omitempty"`
	Sum     int64         `json:"sum"`
	Count   int           `json:"count"`
}

// PanelScore is the mean of the members' totals in hundredths, rounded half up; with trim and five or more
// totals, one highest and one lowest are dropped first (ties dropped by reviewer ID, so the result is
// deterministic; the value does not depend on which of equal totals is dropped). No totals give 0.
func PanelScore(totals []MemberTotal, trim bool) (int64, PanelInputs) {
	sorted := slices.Clone(totals)
	slices.SortFunc(sorted, func(a, b MemberTotal) int {
		return cmp.Or(cmp.Compare(a.Total, b.Total), cmp.Compare(a.ReviewerID, b.ReviewerID))
	})
	in := PanelInputs{Used: sorted}
	if trim && len(sorted) >= 5 {
		in.Dropped = []MemberTotal{sorted[0], sorted[len(sorted)-1]}
		in.Used = sorted[1 : len(sorted)-1]
	}
	for _, t := range in.Used {
		in.Sum += t.Total
	}
	in.Count = len(in.Used)
	if in.Count == 0 {
		return 0, in
	}
	return divHalfUp(100*in.Sum, int64(in.Count)), in
}

// DonationScore D = 100 × min(1, donations ÷ budget) in hundredths, rounded half up; a zero budget gives 0.
func DonationScore(donationsFen, budgetFen int64) int64 {
	if budgetFen <= 0 || donationsFen <= 0 {
		return 0
	}
	return divHalfUp(10000*min(donationsFen, budgetFen), budgetFen)
}

// VoteScore V = 100 × votes ÷ most votes of any finalist in hundredths, rounded half up; 0 when nobody voted.
func VoteScore(votes, maxVotes int64) int64 {
	if maxVotes <= 0 || votes <= 0 {
		return 0
	}
	return divHalfUp(10000*votes, maxVotes)
}

// Weights are the percentages of the total taken by the panel, donation and vote scores.
type Weights struct {
	Panel, Donation, Vote int
}

// TotalScore is the weighted total of hundredths, computed exactly and rounded half up to the hundredth.
func TotalScore(w Weights, panel, donation, vote int64) int64 {
	return divHalfUp(int64(w.Panel)*panel+int64(w.Donation)*donation+int64(w.Vote)*vote, 100)
}

// ShortlistCandidate is an accepted application as the shortlist ranks it.
type ShortlistCandidate struct {
	ApplicationID string
	PanelScore    int64
	FirstSubmitAt time.Time
	IdeaOnly      bool
	Inputs        PanelInputs
}

// ShortlistEntry is a candidate's place in the ranking.
type ShortlistEntry struct {
	ShortlistCandidate
	Rank         int
	Shortlisted  bool
	Disqualified bool
}

func earlierFirst(a, b time.Time) int { return a.Compare(b) }

// RankShortlist ranks every candidate by panel score, then earlier first submission (then ID, so the order is
// total), and shortlists the first quota candidates that are not idea-only: idea-only applications are ranked
// but never take a place.
func RankShortlist(cands []ShortlistCandidate, quota int) []ShortlistEntry {
	sorted := slices.Clone(cands)
	slices.SortFunc(sorted, func(a, b ShortlistCandidate) int {
		return cmp.Or(cmp.Compare(b.PanelScore, a.PanelScore), earlierFirst(a.FirstSubmitAt, b.FirstSubmitAt), cmp.Compare(a.ApplicationID, b.ApplicationID))
	})
	out := make([]ShortlistEntry, len(sorted))
	places := quota
	for i, c := range sorted {
		out[i] = ShortlistEntry{ShortlistCandidate: c, Rank: i + 1}
		if !c.IdeaOnly && places > 0 {
			out[i].Shortlisted = true
			places--
		}
	}
	return out
}

// Finalist is a shortlisted, not disqualified, not idea-only application with its final scores.
type Finalist struct {
	ApplicationID string
	PanelScore    int64
	DonationScore int64
	VoteScore     int64
	TotalScore    int64
	FirstSubmitAt time.Time
	// GovernmentFen is the government share funding quoted for it.
	GovernmentFen int64
}

// RankFinalists orders finalists by total, then panel score, then earlier first submission (then ID).
func RankFinalists(fs []Finalist) []Finalist {
	sorted := slices.Clone(fs)
	slices.SortFunc(sorted, func(a, b Finalist) int {
		return cmp.Or(cmp.Compare(b.TotalScore, a.TotalScore), cmp.Compare(b.PanelScore, a.PanelScore),
			earlierFirst(a.FirstSubmitAt, b.FirstSubmitAt), cmp.Compare(a.ApplicationID, b.ApplicationID))
	})
	return sorted
}

// Skip reasons of the selection walk.
const (
	SkipQuotaReached  = "QUOTA_REACHED"
	SkipPoolExhausted = "POOL_EXHAUSTED"
)

// Selection is the outcome of the walk for one finalist.
type Selection struct {
	Selected   bool
	SkipReason string
	// PoolRemainingFen is what was left in the pool when the walk reached this finalist.
	PoolRemainingFen int64
}

// Select walks finalists in rank order and selects one while the quota is not reached and its government
// share fits in the remaining pool; one that does not fit is skipped with the reason and the walk goes on.
func Select(ranked []Finalist, quota int, poolFen int64) []Selection {
	out := make([]Selection, len(ranked))
	remaining, selected := poolFen, 0
	for i, f := range ranked {
		out[i].PoolRemainingFen = remaining
		switch {
		case selected >= quota:
			out[i].SkipReason = SkipQuotaReached
		case f.GovernmentFen > remaining:
			out[i].SkipReason = SkipPoolExhausted
		default:
			out[i].Selected = true
			remaining -= f.GovernmentFen
			selected++
		}
	}
	return out
}

// IdeaCandidate is an application not selected that competes for idea prizes.
type IdeaCandidate struct {
	ApplicationID string
	// IdeaScore is the mean over the members of its best-scored stage of the four idea criteria, in hundredths.
	IdeaScore     int64
	FirstSubmitAt time.Time
}

// IdeaScore is the mean of the members' idea points in hundredths, rounded half up (untrimmed).
func IdeaScore(points []int64) int64 {
	if len(points) == 0 {
		return 0
	}
	var sum int64
	for _, p := range points {
		sum += p
	}
	return divHalfUp(100*sum, int64(len(points)))
}

// AwardIdeaPrizes ranks candidates by idea score, then earlier first submission (then ID), and fills the
// tiers in order with their counts. It returns the tier won per application ID.
func AwardIdeaPrizes(cands []IdeaCandidate, tiers []IdeaPrizeTier) map[string]int {
	sorted := slices.Clone(cands)
	slices.SortFunc(sorted, func(a, b IdeaCandidate) int {
		return cmp.Or(cmp.Compare(b.IdeaScore, a.IdeaScore), earlierFirst(a.FirstSubmitAt, b.FirstSubmitAt), cmp.Compare(a.ApplicationID, b.ApplicationID))
	})
	won := map[string]int{}
	i := 0
	for _, t := range tiers {
		for n := 0; n < t.Count && i < len(sorted); n++ {
			won[sorted[i].ApplicationID] = t.Tier
			i++
		}
	}
	return won
}

// VoteDay is the calendar day in loc a vote cast at t counts for.
func VoteDay(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.DateOnly) }
