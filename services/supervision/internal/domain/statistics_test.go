package domain

import (
	"testing"
	"time"
)

func TestYuan(t *testing.T) {
	for fen, want := range map[int64]string{0: "0.00", 5: "0.05", 100: "1.00", 123456: "1234.56", 20_000_050: "200000.50", -7: "-0.07", -1234: "-12.34"} {
		if got := Yuan(fen).String(); got != want {
			t.Errorf("Yuan(%d) = %q, want %q", fen, got, want)
		}
	}
}

// TestTabulate: an application serving a community twice counts once there; categories come in the
// applications service's order; an application without a stage counts under StageNone.
func TestTabulate(t *testing.T) {
	app := func(id, category, stage string, area ...string) RoundApplication {
		return RoundApplication{Project: Project{ID: id, Stage: stage}, Category: category, Status: "ACCEPTED", ServiceArea: area, BudgetFen: 10}
	}
	apps := []RoundApplication{app("c", "OTHER", "", "x"), app("a", "YOUTH", StageSelected, "x", "y", "x"), app("b", "ELDERLY", "SHORTLISTED")}
	figures := map[string]Figures{"a": {DisbursedFen: 5}, "c": {PledgedFen: 2}}
	st := Tabulate(Round{ID: "r", Phase: "IMPLEMENTATION"}, time.Unix(0, 0), true, apps, figures, nil, Catalogue{})
	if st.Total.Applications != 3 || st.Total.Projects != 1 || st.Total.BudgetFen != 10 || st.Total.Figures != (Figures{DisbursedFen: 5, PledgedFen: 2}) ||
		st.Total.ByStage[StageNone] != 1 || st.Total.ByStage["SHORTLISTED"] != 1 {
		t.Fatalf("total: %+v", st.Total)
	}
	if len(st.Categories) != 3 || st.Categories[0].Key != "ELDERLY" || st.Categories[1].Key != "YOUTH" || st.Categories[2].Key != "OTHER" {
		t.Fatalf("categories: %+v", st.Categories)
	}
	if len(st.Communities) != 2 || st.Communities[0].Key != "x" || st.Communities[0].Label != "x" || st.Communities[0].Applications != 2 ||
		st.Communities[0].Figures != (Figures{DisbursedFen: 5, PledgedFen: 2}) || st.Communities[1].Applications != 1 {
		t.Fatalf("communities: %+v", st.Communities)
	}
	if st.Applicants.Organizations != 0 || st.Selected.Organizations != 0 || st.HomeDistrict != DefaultHomeDistrict || st.Needs.Published != 0 {
		t.Fatalf("applications without an organisation, a round without a catalogue: %+v %+v %q %+v", st.Applicants, st.Selected, st.HomeDistrict, st.Needs)
	}
}

// TestScoreMean: the mean of hundredths is exact and rounds half up; no score is a mean of 0.
func TestScoreMean(t *testing.T) {
	for _, c := range []struct {
		scores []int64
		want   int64
	}{{nil, 0}, {[]int64{8125}, 8125}, {[]int64{1, 2}, 2}, {[]int64{1, 1, 2}, 1}, {[]int64{2, 2, 1}, 2}, {[]int64{7000, 9001}, 8001}, {[]int64{0, 0}, 0},
		{[]int64{10000, 10000, 9999}, 10000}} {
		var m ScoreMean
		for _, s := range c.scores {
			m.add(s, true)
		}
		m.add(5000, false)
		if m.Count != len(c.scores) || m.Mean() != c.want {
			t.Errorf("%v: mean %d of %d, want %d", c.scores, m.Mean(), m.Count, c.want)
		}
	}
}
