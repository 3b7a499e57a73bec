package app_test

import (
	"context"
	"testing"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

func declare(ctx context.Context, f *fixture, panelID, reviewer, application, reason string) (domain.Recusal, error) {
	return f.svc.DeclareConflict(ctx, app.DeclareConflict{PanelID: panelID, ReviewerID: reviewer, ApplicationID: application, Reason: reason})
}

// TestConflicts checks detected and declared conflicts: a donor representative whose donor pledged, a member
// of the partner organisation, and a declaration that removes a score already given.
func TestConflicts(t *testing.T) {
	don := &fakeDonations{donors: map[string][]string{}}
	f := setup(t, don, nil)
	don.donors[f.C] = []string{"donor-9"}
	ms := members("s", 10)
	ms[0].AffiliationOrgID = "org-p" // B's partner
	ms[1] = domain.Member{ReviewerID: "s-1", Name: "Donor rep", Kind: domain.KindDonorRep, DonorID: "donor-9"}
	panel := f.panel(t, domain.StageShortlist, ms)
	if len(panel.Recusals) != 2 {
		t.Fatalf("recusals at creation: %+v", panel.Recusals)
	}
	for _, r := range panel.Recusals {
		if !r.CreatedAt.Equal(panel.CreatedAt) || r.CreatedBy != domain.Detected {
			t.Fatalf("recusal detected at creation: %+v, panel created %s", r, panel.CreatedAt)
		}
	}
	_, err := score(operator, f, panel.ID, f.B, "s-0", 70)
	mustErr(t, "partner's member scores", err, domain.ErrRecused)
	_, err = score(operator, f, panel.ID, f.C, "s-1", 70)
	mustErr(t, "pledging donor's representative scores", err, domain.ErrRecused)

	// A donor pledges to A after the panel was created: detected when the representative scores.
	don.donors[f.A] = []string{"donor-9"}
	_, err = score(operator, f, panel.ID, f.A, "s-1", 70)
	mustErr(t, "newly conflicted representative", err, domain.ErrRecused)

	// A declaration removes a score already given.
	rev := as("s-2", identity.Reviewer)
	if _, err := score(rev, f, panel.ID, f.A, "s-2", 70); err != nil {
		t.Fatal(err)
	}
	if _, err := declare(rev, f, panel.ID, "s-2", f.A, "my cousin leads the project"); err != nil {
		t.Fatal(err)
	}
	_, err = score(rev, f, panel.ID, f.A, "s-2", 70)
	mustErr(t, "score after declaring", err, domain.ErrRecused)
	recs, err := f.svc.ListRecusals(operator, f.A)
	if err != nil || len(recs) != 2 {
		t.Fatalf("recusals of A: %+v %v", recs, err)
	}
	_, err = declare(as("s-3", identity.Reviewer), f, panel.ID, "s-2", f.A, "x")
	mustErr(t, "declaring for another", err, domain.ErrNotSelf)
	_, err = score(as("s-3", identity.Reviewer), f, panel.ID, f.A, "s-2", 70)
	mustErr(t, "scoring for another", err, domain.ErrNotSelf)
	_, err = score(as("s-99", identity.Reviewer), f, panel.ID, f.A, "s-99", 70)
	mustErr(t, "scoring on a panel it does not sit on", err, errs.ErrNotFound)

	// Without the donations service a donor representative's score cannot be checked, so it is refused.
	f2 := setup(t, nil, nil)
	p2, err := f2.svc.CreatePanel(operator, app.CreatePanel{RoundID: f2.apps.round.ID, Stage: domain.StageShortlist, Members: ms})
	if err != nil {
		t.Fatal(err)
	}
	_, err = score(operator, f2, p2.ID, f2.A, "s-1", 70)
	mustErr(t, "donor rep without donations", err, domain.ErrDonationsMissing)
}

// TestConflictAfterComputeKeepsScores checks that a conflict declared or detected once the stage is computed
// is refused and removes no score: a recused member's score is deleted when the recusal is recorded, so a
// late recusal would silently change the scores a computed shortlist was ranked from.
func TestConflictAfterComputeKeepsScores(t *testing.T) {
	don := &fakeDonations{donors: map[string][]string{}}
	f := setup(t, don, nil)
	ms := members("s", 10)
	ms[1] = domain.Member{ReviewerID: "s-1", Name: "Donor rep", Kind: domain.KindDonorRep, DonorID: "donor-9"}
	panel := f.panel(t, domain.StageShortlist, ms)
	f.scoreAll(t, panel, map[string]int{f.A: 80, f.B: 70, f.C: 62, f.I: 60})
	sl, err := f.svc.ComputeShortlist(operator, f.roundCmd())
	if err != nil {
		t.Fatal(err)
	}
	before, _ := sl.Entry(f.A)

	_, err = declare(as("s-2", identity.Reviewer), f, panel.ID, "s-2", f.A, "remembered late")
	mustErr(t, "declare after the shortlist is computed", err, domain.ErrStageComputed)
	don.donors[f.A] = []string{"donor-9"} // pledged after the computation
	_, err = score(operator, f, panel.ID, f.A, "s-1", 70)
	mustErr(t, "a score attempt (detecting the conflict) after the shortlist is computed", err, domain.ErrStageComputed)

	sl, err = f.svc.ComputeShortlist(operator, f.roundCmd())
	if err != nil {
		t.Fatal(err)
	}
	after, _ := sl.Entry(f.A)
	if after.Inputs.Count+len(after.Inputs.Dropped) != before.Inputs.Count+len(before.Inputs.Dropped) {
		t.Fatalf("A's scores changed after the stage was computed: %d then %d scores", before.Inputs.Count+len(before.Inputs.Dropped),
			after.Inputs.Count+len(after.Inputs.Dropped))
	}
	recs, err := f.svc.ListRecusals(operator, f.A)
	if err != nil || len(recs) != 0 {
		t.Fatalf("recusals of A recorded after the computation: %+v %v", recs, err)
	}
}
