package domain

import (
	"errors"
	"fmt"
	"testing"

	"github.com/commonweal/commonweal/pkg/errs"
)

// mixed returns n members cycling through kinds, in order.
func mixed(n int, kinds ...MemberKind) []Member {
	out := make([]Member, n)
	for i := range out {
		out[i] = Member{ReviewerID: fmt.Sprintf("rev-%d", i), Name: "R", Kind: kinds[i%len(kinds)]}
		if out[i].Kind == KindDonorRep {
			out[i].DonorID = "donor-1"
		}
	}
	return out
}

var seedKinds = []MemberKind{KindExpert, KindDepartment, KindFinanceAudit, KindGrassroots, KindMedia}

func TestCheckPanelMix(t *testing.T) {
	p := Policy{ShortlistPanelMin: 10, FinalPanelMin: 20, ShortlistPanelMix: DefaultPanelMix(StageShortlist), FinalPanelMix: DefaultPanelMix(StageFinal)}
	twoMedia := Policy{ShortlistPanelMix: []PanelMixRule{{KindMedia, 2}, {KindExpert, 0}}}
	for _, c := range []struct {
		name    string
		stage   Stage
		members []Member
		p       Policy
		message string // the missing kinds named; empty when the mix is made up
	}{
		{"shortlist with every seed kind", StageShortlist, mixed(10, seedKinds...), p, ""},
		{"shortlist needs no donor representative", StageShortlist, mixed(5, seedKinds...), p, ""},
		{"shortlist of experts only", StageShortlist, mixed(10, KindExpert), p,
			"missing DEPARTMENT (0 of 1), FINANCE_AUDIT (0 of 1), GRASSROOTS (0 of 1), MEDIA (0 of 1)"},
		{"shortlist without media", StageShortlist, mixed(10, KindExpert, KindDepartment, KindFinanceAudit, KindGrassroots), p, "missing MEDIA (0 of 1)"},
		{"final without a donor representative", StageFinal, mixed(20, seedKinds...), p, "missing DONOR_REP (0 of 1)"},
		{"final without media nor donor representative", StageFinal, mixed(20, KindExpert, KindDepartment, KindFinanceAudit, KindGrassroots), p,
			"missing MEDIA (0 of 1), DONOR_REP (0 of 1)"},
		{"final with every kind", StageFinal, mixed(20, append(seedKinds, KindDonorRep)...), p, ""},
		{"a minimum above one, counted", StageShortlist, mixed(6, KindMedia, KindExpert, KindExpert), twoMedia, ""},
		{"a minimum above one, short", StageShortlist, mixed(3, KindMedia, KindExpert, KindExpert), twoMedia, "missing MEDIA (1 of 2)"},
		{"no mix asks nothing", StageFinal, mixed(3, KindExpert), Policy{}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := CheckPanelMix(c.stage, c.members, c.p)
			if c.message == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || !errors.Is(err, ErrPanelMixIncomplete) || e.Kind != errs.InvalidArgument {
				t.Fatalf("err = %v, want PANEL_MIX_INCOMPLETE", err)
			}
			want := fmt.Sprintf("a %s panel needs the policy's mix of member kinds: %s", c.stage, c.message)
			if e.Message != want || len(e.Violations) != 1 || e.Violations[0].Field != "members" || e.Violations[0].Description != c.message {
				t.Fatalf("message %q %+v, want %q", e.Message, e.Violations, want)
			}
			// A panel stored short of the mix cannot score, for the same reason.
			scoring := CheckCanScore(Panel{ID: "p", Stage: c.stage, Members: c.members}, c.p)
			if !errors.Is(scoring, ErrPanelMixIncomplete) {
				t.Fatalf("scoring: %v", scoring)
			}
		})
	}
}

// TestCheckNewPanelMix checks the order of CheckNewPanel's refusals: a panel too small is PANEL_BELOW_MINIMUM
// whatever its kinds, one large enough but short of the mix PANEL_MIX_INCOMPLETE.
func TestCheckNewPanelMix(t *testing.T) {
	p := Policy{ShortlistPanelMin: 10, FinalPanelMin: 20, ShortlistPanelMix: DefaultPanelMix(StageShortlist), FinalPanelMix: DefaultPanelMix(StageFinal)}
	for _, c := range []struct {
		name    string
		stage   Stage
		members []Member
		want    *errs.Error
	}{
		{"too small and short of the mix", StageFinal, mixed(19, seedKinds...), ErrPanelBelowMinimum},
		{"large enough, short of the mix", StageFinal, mixed(20, seedKinds...), ErrPanelMixIncomplete},
		{"large enough with the mix", StageFinal, mixed(20, append(seedKinds, KindDonorRep)...), nil},
	} {
		err := CheckNewPanel(c.stage, c.members, p)
		if c.want == nil && err != nil || c.want != nil && !c.want.Is(err) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
}
