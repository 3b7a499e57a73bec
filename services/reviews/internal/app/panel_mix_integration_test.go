package app_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// TestPanelMix checks a panel short of the round's mix of member kinds: refused at creation with
// PANEL_MIX_INCOMPLETE naming each kind missing, and, when it exists (created under a policy that asked for
// less), refused when it scores.
func TestPanelMix(t *testing.T) {
	f := setup(t, &fakeDonations{}, nil)
	noMedia := members("s", 10)
	for i := range noMedia {
		if noMedia[i].Kind == domain.KindMedia {
			noMedia[i].Kind = domain.KindExpert
		}
	}
	_, err := f.svc.CreatePanel(operator, app.CreatePanel{RoundID: f.apps.round.ID, Stage: domain.StageShortlist, Members: noMedia})
	mustErr(t, "shortlist panel without media", err, domain.ErrPanelMixIncomplete)
	if e, _ := errs.As(err); !strings.HasSuffix(e.Message, "missing MEDIA (0 of 1)") {
		t.Fatalf("message %q does not name the missing kind", e.Message)
	}

	// The final panel also needs a donor representative.
	f.apps.round.Phase = domain.PhaseFinalReview
	_, err = f.svc.CreatePanel(operator, app.CreatePanel{RoundID: f.apps.round.ID, Stage: domain.StageFinal, Members: members("f", 20)})
	mustErr(t, "final panel without a donor representative", err, domain.ErrPanelMixIncomplete)
	if e, _ := errs.As(err); !strings.HasSuffix(e.Message, "missing DONOR_REP (0 of 1)") {
		t.Fatalf("message %q", e.Message)
	}
	f.apps.round.Phase = domain.PhaseShortlisting

	// A panel created while the policy asked for no media cannot score once the round's policy asks for it.
	f.apps.round.Policy.ShortlistPanelMix = []domain.PanelMixRule{{Kind: domain.KindExpert, Min: 1}}
	panel := f.panel(t, domain.StageShortlist, noMedia)
	f.apps.round.Policy.ShortlistPanelMix = domain.DefaultPanelMix(domain.StageShortlist)
	_, err = score(operator, f, panel.ID, f.A, "s-0", 70)
	mustErr(t, "score by a panel short of the mix", err, domain.ErrPanelMixIncomplete)
	if e, _ := errs.As(err); !strings.Contains(e.Message, "missing MEDIA (0 of 1)") {
		t.Fatalf("message %q", e.Message)
	}
}

// TestListReviewerPanels checks the panels a reviewer sits on: by round then stage, of one round or of all,
// none for a reviewer on no panel, and a request without a reviewer refused.
func TestListReviewerPanels(t *testing.T) {
	f := setup(t, &fakeDonations{}, nil)
	roundID := f.apps.round.ID
	ms := members("s", 10)
	shortlist := f.panel(t, domain.StageShortlist, ms)
	f.apps.round.Phase = domain.PhaseFinalReview
	fm := finalMembers("f", 20)
	fm[0].ReviewerID = "s-0" // sits on both panels
	final := f.panel(t, domain.StageFinal, fm)

	// A panel of another round (the fake answers one round at a time).
	other := f.apps.round
	other.ID, other.Phase = ids.New(), domain.PhaseShortlisting
	f.apps.round = other
	otherPanel := f.panel(t, domain.StageShortlist, members("s", 10))

	list := func(reviewer, round string) string {
		t.Helper()
		ps, err := f.svc.ListReviewerPanels(service, reviewer, round)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range ps {
			out = append(out, fmt.Sprintf("%s/%s/%s", p.PanelID, p.RoundID, p.Stage))
		}
		return strings.Join(out, " ")
	}
	both := fmt.Sprintf("%s/%s/SHORTLIST %s/%s/FINAL", shortlist.ID, roundID, final.ID, roundID)
	if got := list("s-0", roundID); got != both {
		t.Errorf("s-0 in the round: %s, want %s", got, both)
	}
	if got := list("f-3", roundID); got != fmt.Sprintf("%s/%s/FINAL", final.ID, roundID) {
		t.Errorf("f-3: %s", got)
	}
	if got := list("s-0", ""); len(strings.Fields(got)) != 3 || !strings.Contains(got, otherPanel.ID) {
		t.Errorf("s-0 in every round: %s", got)
	}
	if got := list("s-1", other.ID); got != fmt.Sprintf("%s/%s/SHORTLIST", otherPanel.ID, other.ID) {
		t.Errorf("s-1 in the other round: %s", got)
	}
	if got := list("nobody", ""); got != "" {
		t.Errorf("a reviewer on no panel: %s", got)
	}
	_, err := f.svc.ListReviewerPanels(service, "", roundID)
	mustErr(t, "no reviewer", err, domain.ErrReviewerRequired)
	_, err = f.svc.ListReviewerPanels(as("s-0", identity.Service), "s-0", "not-a-round")
	if !errors.Is(err, errs.ErrInvalidID) {
		t.Fatalf("malformed round: %v", err)
	}
}
