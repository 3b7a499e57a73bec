package clients_test

import (
	"context"
	"fmt"
	"testing"

	"google.golang.org/grpc"

	applicationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/services/reviews/internal/clients"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// TestRoundPanelMix checks the panel mix read from a round's policy: the mix the policy states, or the
// contract's default (one of each seed kind, a donor representative on the final panel) when it states none.
func TestRoundPanelMix(t *testing.T) {
	apps := &applicationsServer{}
	a := clients.NewApplications(peer(t, func(s *grpc.Server) { applicationsv1.RegisterApplicationsServiceServer(s, apps) }))
	for _, c := range []struct {
		name             string
		policy           *applicationsv1.Policy
		shortlist, final string
	}{
		{"stated", &applicationsv1.Policy{ShortlistPanelMix: []*applicationsv1.PanelMixRule{{Kind: "MEDIA", Min: 2}},
			FinalPanelMix: []*applicationsv1.PanelMixRule{{Kind: "EXPERT", Min: 3}, {Kind: "DONOR_REP", Min: 1}}},
			"[{MEDIA 2}]", "[{EXPERT 3} {DONOR_REP 1}]"},
		{"default", &applicationsv1.Policy{},
			"[{EXPERT 1} {DEPARTMENT 1} {FINANCE_AUDIT 1} {GRASSROOTS 1} {MEDIA 1}]",
			"[{EXPERT 1} {DEPARTMENT 1} {FINANCE_AUDIT 1} {GRASSROOTS 1} {MEDIA 1} {DONOR_REP 1}]"},
	} {
		apps.round = &applicationsv1.Round{Id: "r-1", Phase: applicationsv1.Phase_PHASE_SHORTLISTING, Policy: c.policy}
		r, err := a.GetRound(context.Background(), "r-1")
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(r.Policy.Mix(domain.StageShortlist)); got != c.shortlist {
			t.Errorf("%s: shortlist mix %s, want %s", c.name, got, c.shortlist)
		}
		if got := fmt.Sprint(r.Policy.Mix(domain.StageFinal)); got != c.final {
			t.Errorf("%s: final mix %s, want %s", c.name, got, c.final)
		}
	}
}
