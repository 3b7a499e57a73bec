package domain

import (
	"cmp"
	"slices"
	"time"
)

// ResultCandidate is an application the final results consider, with every input the computation needs.
type ResultCandidate struct {
	ApplicationID string
	FirstSubmitAt time.Time
	// Finalist: shortlisted, not disqualified, not idea-only. Finalists are ranked and may be selected.
	Finalist bool
	// FinalTotals are the final panel members' totals (finalists only).
	FinalTotals  []MemberTotal
	DonationsFen int64
	BudgetFen    int64
	Votes        int64
	// GovernmentFen is the government share funding quoted (finalists only).
	GovernmentFen int64
	// IdeaScore is the candidate's idea score (see IdeaScore) over its best-scored stage.
	IdeaScore int64
}

// ComputeResults computes the final results (DOMAIN.md §3 "Final results"): for every finalist the panel,
// donation and vote scores and the weighted total; the ranking; the selection under quota and pool; then the
// idea prizes among every candidate not selected. Entries are the finalists by rank, then the other
// candidates by idea score.
func ComputeResults(p Policy, cands []ResultCandidate, poolFen int64) []ResultEntry {
	var maxVotes int64
	for _, c := range cands {
		if c.Finalist {
			maxVotes = max(maxVotes, c.Votes)
		}
	}
	byID := map[string]*ResultEntry{}
	var finalists []Finalist
	var order []string
	for _, c := range cands {
		e := &ResultEntry{ApplicationID: c.ApplicationID, Finalist: c.Finalist, Inputs: ResultInputs{
			DonationsFen: c.DonationsFen, BudgetFen: c.BudgetFen, Votes: c.Votes, MaxVotes: maxVotes,
			GovernmentFen: c.GovernmentFen, IdeaScore: c.IdeaScore,
		}}
		byID[c.ApplicationID] = e
		if !c.Finalist {
			continue
		}
		e.PanelScore, e.Inputs.Panel = PanelScore(c.FinalTotals, p.TrimExtremes)
		e.DonationScore = DonationScore(c.DonationsFen, c.BudgetFen)
		e.VoteScore = VoteScore(c.Votes, maxVotes)
		e.TotalScore = TotalScore(p.Weights, e.PanelScore, e.DonationScore, e.VoteScore)
		finalists = append(finalists, Finalist{ApplicationID: c.ApplicationID, PanelScore: e.PanelScore, DonationScore: e.DonationScore,
			VoteScore: e.VoteScore, TotalScore: e.TotalScore, FirstSubmitAt: c.FirstSubmitAt, GovernmentFen: c.GovernmentFen})
	}
	ranked := RankFinalists(finalists)
	for i, sel := range Select(ranked, p.SelectionQuota, poolFen) {
		e := byID[ranked[i].ApplicationID]
		e.Rank, e.Selected, e.SkipReason, e.Inputs.PoolRemainingFen = i+1, sel.Selected, sel.SkipReason, sel.PoolRemainingFen
		order = append(order, e.ApplicationID)
	}

	var ideas []IdeaCandidate
	for _, c := range cands {
		if !byID[c.ApplicationID].Selected {
			ideas = append(ideas, IdeaCandidate{ApplicationID: c.ApplicationID, IdeaScore: c.IdeaScore, FirstSubmitAt: c.FirstSubmitAt})
		}
	}
	for id, tier := range AwardIdeaPrizes(ideas, p.IdeaPrizeTiers) {
		byID[id].IdeaPrizeTier = tier
	}
	var others []ResultCandidate
	for _, c := range cands {
		if !c.Finalist {
			others = append(others, c)
		}
	}
	slices.SortFunc(others, func(a, b ResultCandidate) int {
		return cmp.Or(cmp.Compare(b.IdeaScore, a.IdeaScore), a.FirstSubmitAt.Compare(b.FirstSubmitAt), cmp.Compare(a.ApplicationID, b.ApplicationID))
	})
	for _, c := range others {
		order = append(order, c.ApplicationID)
	}
	out := make([]ResultEntry, len(order))
	for i, id := range order {
		out[i] = *byID[id]
	}
	return out
}

// StagePanelScore is one application's panel score at one stage, in hundredths, as its shortlist entry
// (SHORTLIST) or its finalist's result entry (FINAL) holds it.
type StagePanelScore struct {
	ApplicationID string
	Stage         Stage
	PanelScore    int64
}
