package domain

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
)

func totals(vs ...int64) []MemberTotal {
	out := make([]MemberTotal, len(vs))
	for i, v := range vs {
		out[i] = MemberTotal{ReviewerID: fmt.Sprintf("r%02d", i), Total: v}
	}
	return out
}

func TestPanelScore(t *testing.T) {
	twenty := make([]int64, 0, 20)
	for v := int64(70); v <= 89; v++ {
		if v == 80 {
			twenty = append(twenty, 81) // 81 twice, no 80
			continue
		}
		twenty = append(twenty, v)
	}
	for _, c := range []struct {
		name        string
		totals      []int64
		trim        bool
		want        int64
		wantDropped []int64
		wantCount   int
	}{
		// 4 scores: never trimmed. (70+80+85+90)/4 = 81.25
		{"4 scores, trim on but fewer than 5", []int64{90, 70, 85, 80}, true, 8125, nil, 4},
		// 5 scores: drop 60 and 95; (75+80+83)/3 = 79.333… → 79.33
		{"5 scores trimmed", []int64{83, 60, 95, 75, 80}, true, 7933, []int64{60, 95}, 3},
		// 5 scores untrimmed: 393/5 = 78.60
		{"5 scores, trim off", []int64{83, 60, 95, 75, 80}, false, 7860, nil, 5},
		// 20 scores 70..89 with 81 instead of 80: drop 70 and 89; 18 left sum 1432; 79.5555… → 79.56
		{"20 scores trimmed", twenty, true, 7956, []int64{70, 89}, 18},
		// half up: 641/8 = 80.125 → 80.13
		{"half up", []int64{80, 80, 80, 80, 80, 80, 80, 81}, false, 8013, nil, 8},
		// equal extremes: 5 × 80 → 80.00, two of them dropped
		{"all equal", []int64{80, 80, 80, 80, 80}, true, 8000, []int64{80, 80}, 3},
		{"no scores", nil, true, 0, nil, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, in := PanelScore(totals(c.totals...), c.trim)
			if got != c.want {
				t.Fatalf("PanelScore = %d, want %d", got, c.want)
			}
			if in.Count != c.wantCount || len(in.Used) != c.wantCount {
				t.Fatalf("count = %d (used %d), want %d", in.Count, len(in.Used), c.wantCount)
			}
			var dropped []int64
			for _, d := range in.Dropped {
				dropped = append(dropped, d.Total)
			}
			if fmt.Sprint(dropped) != fmt.Sprint(c.wantDropped) {
				t.Fatalf("dropped = %v, want %v", dropped, c.wantDropped)
			}
			var sum int64
			for _, u := range in.Used {
				sum += u.Total
			}
			if sum != in.Sum {
				t.Fatalf("inputs sum %d, used totals add to %d", in.Sum, sum)
			}
		})
	}
}

func TestDonationScore(t *testing.T) {
	for _, c := range []struct{ donations, budget, want int64 }{
		{0, 20_000_000, 0},
		{5_000_000, 20_000_000, 2500},   // 25%
		{1, 3, 3333},                    // 33.333…
		{2, 3, 6667},                    // 66.666… → 66.67
		{1, 20_000, 1},                  // 0.005 → 0.01 (half up)
		{1, 80_000, 0},                  // 0.00125 → 0.00
		{30_000_000, 20_000_000, 10000}, // capped at 100
		{20_000_000, 20_000_000, 10000},
		{5, 0, 0}, // no budget
	} {
		if got := DonationScore(c.donations, c.budget); got != c.want {
			t.Errorf("DonationScore(%d, %d) = %d, want %d", c.donations, c.budget, got, c.want)
		}
	}
}

func TestVoteScore(t *testing.T) {
	for _, c := range []struct{ votes, max, want int64 }{
		{0, 0, 0},         // nobody voted
		{0, 12, 0},        //
		{7, 7, 10000},     // the most voted
		{3, 7, 4286},      // 42.857… → 42.86
		{1, 20_000, 1},    // 0.005 → 0.01
		{1, 3, 3333},      // 33.33
		{2, 3, 6667},      // 66.67
		{123, 1000, 1230}, // 12.30
	} {
		if got := VoteScore(c.votes, c.max); got != c.want {
			t.Errorf("VoteScore(%d, %d) = %d, want %d", c.votes, c.max, got, c.want)
		}
	}
}

func TestTotalScore(t *testing.T) {
	std := Weights{60, 20, 20}
	for _, c := range []struct {
		w       Weights
		p, d, v int64
		want    int64
		why     string
	}{
		{std, 8125, 2500, 4286, 6232, "(487500+50000+85720)/100 = 6232.20"},
		{std, 10000, 10000, 10000, 10000, "all full"},
		{std, 0, 0, 0, 0, "all zero"},
		{std, 7933, 6667, 3333, 6760, "(475980+133340+66660)/100 = 6759.80"},
		{Weights{50, 25, 25}, 8124, 2, 0, 4063, "(406200+50)/100 = 4062.5 → half up"},
		{Weights{50, 25, 25}, 1, 1, 0, 1, "0.75 → 1"},
		{Weights{100, 0, 0}, 7956, 9999, 9999, 7956, "panel only"},
	} {
		if got := TotalScore(c.w, c.p, c.d, c.v); got != c.want {
			t.Errorf("TotalScore(%v, %d, %d, %d) = %d, want %d (%s)", c.w, c.p, c.d, c.v, got, c.want, c.why)
		}
	}
}

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func TestRankShortlist(t *testing.T) {
	cands := []ShortlistCandidate{
		{ApplicationID: "A", PanelScore: 8000, FirstSubmitAt: at(10)},
		{ApplicationID: "B", PanelScore: 8500, FirstSubmitAt: at(20)},
		{ApplicationID: "C", PanelScore: 8000, FirstSubmitAt: at(5)}, // ties A, submitted earlier
		{ApplicationID: "D", PanelScore: 9000, FirstSubmitAt: at(1), IdeaOnly: true},
		{ApplicationID: "E", PanelScore: 7000, FirstSubmitAt: at(0)},
	}
	got := RankShortlist(cands, 2)
	want := []struct {
		id          string
		rank        int
		shortlisted bool
	}{{"D", 1, false}, {"B", 2, true}, {"C", 3, true}, {"A", 4, false}, {"E", 5, false}}
	for i, w := range want {
		if got[i].ApplicationID != w.id || got[i].Rank != w.rank || got[i].Shortlisted != w.shortlisted {
			t.Errorf("entry %d = %s rank %d shortlisted %v, want %s %d %v", i, got[i].ApplicationID, got[i].Rank, got[i].Shortlisted, w.id, w.rank, w.shortlisted)
		}
	}
	if n := len(RankShortlist(cands, 0)); n != 5 {
		t.Fatalf("quota 0 still ranks everyone, got %d", n)
	}
}

func TestRankFinalistsTies(t *testing.T) {
	got := RankFinalists([]Finalist{
		{ApplicationID: "low", TotalScore: 6000, PanelScore: 9000, FirstSubmitAt: at(0)},
		{ApplicationID: "tieLaterP", TotalScore: 7000, PanelScore: 7000, FirstSubmitAt: at(0)},
		{ApplicationID: "tieHigherP", TotalScore: 7000, PanelScore: 7500, FirstSubmitAt: at(9)},
		{ApplicationID: "tieSameP-late", TotalScore: 7000, PanelScore: 7000, FirstSubmitAt: at(3)},
		{ApplicationID: "top", TotalScore: 8000, PanelScore: 6000, FirstSubmitAt: at(9)},
	})
	want := []string{"top", "tieHigherP", "tieLaterP", "tieSameP-late", "low"}
	for i, w := range want {
		if got[i].ApplicationID != w {
			t.Fatalf("rank %d = %s, want %s (order %v)", i+1, got[i].ApplicationID, w, got)
		}
	}
}

func TestSelect(t *testing.T) {
	ranked := []Finalist{
		{ApplicationID: "F1", GovernmentFen: 30_000_000},
		{ApplicationID: "F2", GovernmentFen: 25_000_000}, // does not fit the 20,000,000 left
		{ApplicationID: "F3", GovernmentFen: 15_000_000}, // fits
		{ApplicationID: "F4", GovernmentFen: 1_000_000},  // quota of 2 reached
	}
	got := Select(ranked, 2, 50_000_000)
	want := []Selection{
		{Selected: true, PoolRemainingFen: 50_000_000},
		{SkipReason: SkipPoolExhausted, PoolRemainingFen: 20_000_000},
		{Selected: true, PoolRemainingFen: 20_000_000},
		{SkipReason: SkipQuotaReached, PoolRemainingFen: 5_000_000},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: %+v, want %+v", ranked[i].ApplicationID, got[i], want[i])
		}
	}
	// An exact fit is selected.
	if s := Select([]Finalist{{GovernmentFen: 10}}, 1, 10); !s[0].Selected {
		t.Fatalf("exact fit skipped: %+v", s[0])
	}
}

func TestIdeaPrizes(t *testing.T) {
	cands := []IdeaCandidate{
		{ApplicationID: "X", IdeaScore: 5000, FirstSubmitAt: at(5)},
		{ApplicationID: "Y", IdeaScore: 5200, FirstSubmitAt: at(9)},
		{ApplicationID: "Z", IdeaScore: 5000, FirstSubmitAt: at(1)}, // ties X, earlier
		{ApplicationID: "W", IdeaScore: 4000, FirstSubmitAt: at(0)},
	}
	got := AwardIdeaPrizes(cands, []IdeaPrizeTier{{1, 300_000, 1}, {2, 200_000, 2}, {3, 100_000, 0}})
	want := map[string]int{"Y": 1, "Z": 2, "X": 2}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("prizes = %v, want %v", got, want)
	}
	got = AwardIdeaPrizes(cands, []IdeaPrizeTier{{1, 300_000, 1}, {2, 200_000, 1}, {3, 100_000, 5}})
	want = map[string]int{"Y": 1, "Z": 2, "X": 3, "W": 3}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("prizes with more places than candidates = %v, want %v", got, want)
	}
	// (50+52+49)/3 = 50.333… → 50.33
	if s := IdeaScore([]int64{50, 52, 49}); s != 5033 {
		t.Fatalf("IdeaScore = %d, want 5033", s)
	}
}

func TestCheckCriteria(t *testing.T) {
	rubric := []Criterion{{"BREADTH", 15}, {"URGENCY", 15}, {"PUBLIC_BENEFIT", 15}, {"INNOVATION", 20}, {"PLANNING", 20}, {"TEAM", 15}}
	ok := map[string]int{"BREADTH": 12, "URGENCY": 13, "PUBLIC_BENEFIT": 12, "INNOVATION": 16, "PLANNING": 15, "TEAM": 12}
	if total, err := CheckCriteria(rubric, ok); err != nil || total != 80 {
		t.Fatalf("valid score: %d %v", total, err)
	}
	if total, err := CheckCriteria(rubric, map[string]int{"BREADTH": 15, "URGENCY": 15, "PUBLIC_BENEFIT": 15, "INNOVATION": 20, "PLANNING": 20, "TEAM": 15}); err != nil || total != 100 {
		t.Fatalf("full marks: %d %v", total, err)
	}
	if IdeaPoints(ok) != 53 {
		t.Fatalf("idea points = %d, want 12+13+12+16 = 53", IdeaPoints(ok))
	}
	for name, change := range map[string]func(m map[string]int){
		"above maximum": func(m map[string]int) { m["INNOVATION"] = 21 },
		"negative":      func(m map[string]int) { m["TEAM"] = -1 },
		"missing":       func(m map[string]int) { delete(m, "PLANNING") },
		"unknown":       func(m map[string]int) { m["CHARM"] = 3 },
	} {
		m := map[string]int{}
		for k, v := range ok {
			m[k] = v
		}
		change(m)
		if _, err := CheckCriteria(rubric, m); !ErrInvalidCriteria.Is(err) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func members(n int) []Member {
	out := make([]Member, n)
	for i := range out {
		out[i] = Member{ReviewerID: fmt.Sprintf("rev-%d", i), Name: fmt.Sprintf("Reviewer %d", i), Kind: KindExpert}
	}
	return out
}

func TestCheckNewPanel(t *testing.T) {
	p := Policy{ShortlistPanelMin: 10, FinalPanelMin: 20}
	if err := CheckNewPanel(StageShortlist, members(10), p); err != nil {
		t.Fatalf("10 members: %v", err)
	}
	for name, c := range map[string]struct {
		stage   Stage
		members []Member
		want    *errs.Error
	}{
		"shortlist with 9":  {StageShortlist, members(9), ErrPanelBelowMinimum},
		"final with 19":     {StageFinal, members(19), ErrPanelBelowMinimum},
		"unknown stage":     {"SEMIFINAL", members(20), ErrInvalidStage},
		"duplicate member":  {StageShortlist, append(members(10), members(1)...), ErrInvalidMember},
		"donor rep unnamed": {StageShortlist, append(members(9), Member{ReviewerID: "d", Name: "D", Kind: KindDonorRep}), ErrInvalidMember},
		"unknown kind":      {StageShortlist, append(members(9), Member{ReviewerID: "d", Name: "D", Kind: "FRIEND"}), ErrInvalidMember},
		// A donor named by another kind would be stored but never checked for a pledge conflict.
		"expert names a donor": {StageShortlist, append(members(9), Member{ReviewerID: "d", Name: "D", Kind: KindExpert, DonorID: "donor-1"}), ErrInvalidMember},
		"reviewer ID too long": {StageShortlist, append(members(9), Member{ReviewerID: strings.Repeat("r", 201), Name: "D", Kind: KindExpert}), ErrInvalidMember},
		"name too long":        {StageShortlist, append(members(9), Member{ReviewerID: "d", Name: strings.Repeat("名", 201), Kind: KindExpert}), ErrInvalidMember},
	} {
		if err := CheckNewPanel(c.stage, c.members, p); !c.want.Is(err) {
			t.Errorf("%s: err = %v, want %s", name, err, c.want.Reason)
		}
	}
	if err := CheckNewPanel(StageFinal, members(20), p); err != nil {
		t.Fatalf("final with 20: %v", err)
	}
}

func TestDetectConflicts(t *testing.T) {
	a := Application{ID: "app", OrgID: "org-a", PartnerOrgID: "org-p"}
	for _, c := range []struct {
		name   string
		m      Member
		donors []string
		want   []RecusalSource
	}{
		{"unrelated", Member{ReviewerID: "r", AffiliationOrgID: "org-x"}, nil, nil},
		{"applicant's staff", Member{ReviewerID: "r", AffiliationOrgID: "org-a"}, nil, []RecusalSource{SourceAffiliation}},
		{"partner's staff", Member{ReviewerID: "r", AffiliationOrgID: "org-p"}, nil, []RecusalSource{SourceAffiliation}},
		{"donor that pledged", Member{ReviewerID: "r", Kind: KindDonorRep, DonorID: "d1"}, []string{"d0", "d1"}, []RecusalSource{SourceDonorPledge}},
		{"donor that did not", Member{ReviewerID: "r", Kind: KindDonorRep, DonorID: "d2"}, []string{"d0", "d1"}, nil},
		{"expert named in donors", Member{ReviewerID: "r", Kind: KindExpert, DonorID: "d1"}, []string{"d1"}, nil},
	} {
		var got []RecusalSource
		for _, r := range DetectConflicts("p", c.m, a, c.donors) {
			got = append(got, r.Source)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestVoteDay(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 11, 27, 15, 59, 59, 0, time.UTC), "2026-11-27"}, // 23:59:59 in Shanghai
		{time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC), "2026-11-28"},   // midnight in Shanghai
	} {
		if got := VoteDay(c.at, sh); got != c.want {
			t.Errorf("VoteDay(%s) = %s, want %s", c.at, got, c.want)
		}
	}
}

func TestComputeResults(t *testing.T) {
	p := Policy{TrimExtremes: true, Weights: Weights{60, 20, 20}, SelectionQuota: 2,
		IdeaPrizeTiers: []IdeaPrizeTier{{1, 300_000, 1}, {2, 200_000, 1}}}
	cands := []ResultCandidate{
		// P: drop 60 and 95 → (75+80+83)/3 = 79.33; D = 5,000,000/20,000,000 = 25.00; V = 30/40 = 75.00
		// total = (60×7933 + 20×2500 + 20×7500)/100 = (475980 + 50000 + 150000)/100 = 6759.80 → 6760
		{ApplicationID: "A", FirstSubmitAt: at(1), Finalist: true, FinalTotals: totals(83, 60, 95, 75, 80),
			DonationsFen: 5_000_000, BudgetFen: 20_000_000, Votes: 30, GovernmentFen: 15_000_000, IdeaScore: 5000},
		// P = (70+80+85+90)/4 = 81.25; D = 100.00 (over budget); V = 40/40 = 100.00
		// total = (487500 + 200000 + 200000)/100 = 8875
		{ApplicationID: "B", FirstSubmitAt: at(2), Finalist: true, FinalTotals: totals(70, 80, 85, 90),
			DonationsFen: 25_000_000, BudgetFen: 20_000_000, Votes: 40, GovernmentFen: 40_000_000, IdeaScore: 5200},
		// P = 60.00; D = 0; V = 10/40 = 25.00; total = (360000 + 0 + 50000)/100 = 4100
		{ApplicationID: "C", FirstSubmitAt: at(3), Finalist: true, FinalTotals: totals(60, 60, 60),
			BudgetFen: 20_000_000, Votes: 10, GovernmentFen: 5_000_000, IdeaScore: 4000},
		// Idea-only: never ranked, competes for idea prizes with the finalists not selected.
		{ApplicationID: "I", FirstSubmitAt: at(0), IdeaScore: 4500, Votes: 999},
	}
	got := ComputeResults(p, cands, 50_000_000)
	type row struct {
		id             string
		p, d, v, total int64
		rank           int
		selected       bool
		skip           string
		tier           int
	}
	want := []row{
		{"B", 8125, 10000, 10000, 8875, 1, true, "", 0},               // 40,000,000 of 50,000,000
		{"A", 7933, 2500, 7500, 6760, 2, false, SkipPoolExhausted, 1}, // 15,000,000 > 10,000,000 left
		{"C", 6000, 0, 2500, 4100, 3, true, "", 0},                    // 5,000,000 fits; quota reached with it
		{"I", 0, 0, 0, 0, 0, false, "", 2},                            // idea-only: second-best idea score among those not selected
	}
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		r := row{g.ApplicationID, g.PanelScore, g.DonationScore, g.VoteScore, g.TotalScore, g.Rank, g.Selected, g.SkipReason, g.IdeaPrizeTier}
		if r != w {
			t.Errorf("entry %d = %+v, want %+v", i, r, w)
		}
	}
	// The idea-only application's 999 votes do not set the finalists' maximum.
	if got[0].Inputs.MaxVotes != 40 || got[1].Inputs.Panel.Count != 3 || len(got[1].Inputs.Panel.Dropped) != 2 {
		t.Fatalf("inputs not exposed: %+v", got[1].Inputs)
	}
}
