package app_test

import (
	"testing"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// TestRoundPanelScores: one read returns the panel scores exactly as the shortlist's entries (every ranked
// application) and the results' finalists hold them, none before a stage is computed; a malformed round is
// refused.
func TestRoundPanelScores(t *testing.T) {
	f := setup(t, &fakeDonations{confirmed: map[string]int64{}}, fakeFunding{pool: 100_000_000, share: map[int64]int64{}})
	roundID := f.apps.round.ID
	if got, err := f.svc.RoundPanelScores(service, roundID); err != nil || len(got) != 0 {
		t.Fatalf("before any stage: %v %+v", err, got)
	}
	f.toFinalReview(t, map[string]int{f.A: 75, f.B: 85, f.C: 65})
	if _, err := f.svc.ComputeResults(operator, f.roundCmd()); err != nil {
		t.Fatal(err)
	}
	sl, err := f.svc.GetShortlist(operator, roundID)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.GetResults(operator, roundID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[domain.Stage]map[string]int64{domain.StageShortlist: {}, domain.StageFinal: {}}
	for _, e := range sl.Entries {
		want[domain.StageShortlist][e.ApplicationID] = e.PanelScore
	}
	for _, e := range res.Entries {
		if e.Finalist {
			want[domain.StageFinal][e.ApplicationID] = e.PanelScore
		}
	}
	got, err := f.svc.RoundPanelScores(service, roundID)
	if err != nil {
		t.Fatal(err)
	}
	if len(want[domain.StageShortlist]) != 4 || len(want[domain.StageFinal]) != 3 || len(got) != 7 {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i, g := range got {
		if w, ok := want[g.Stage][g.ApplicationID]; !ok || w != g.PanelScore || i < 4 && g.Stage != domain.StageShortlist ||
			i > 0 && got[i-1].Stage == g.Stage && got[i-1].ApplicationID >= g.ApplicationID {
			t.Errorf("score %d: %+v, want %d (stored) in stage then ID order", i, g, w)
		}
	}
	// A's final panel score: twenty members all at 75, so 7500 hundredths.
	if want[domain.StageFinal][f.A] != 7500 {
		t.Errorf("final panel score of A: %d", want[domain.StageFinal][f.A])
	}
	if _, err := f.svc.RoundPanelScores(service, "round-1"); !errs.ErrInvalidID.Is(err) {
		t.Errorf("malformed round: %v", err)
	}
}
