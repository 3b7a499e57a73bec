package domain

import (
	"fmt"
	"testing"
)

func TestReviewerScopeReads(t *testing.T) {
	shortlist := ReviewerScope{RoundID: "r1", Shortlist: true}
	final := ReviewerScope{RoundID: "r1", Final: true}
	both := ReviewerScope{RoundID: "r1", Shortlist: true, Final: true}
	in := func(status Status, stage string) Application {
		return Application{ID: "a", RoundID: "r1", Status: status, Stage: stage}
	}
	for _, c := range []struct {
		name  string
		scope ReviewerScope
		a     Application
		want  bool
	}{
		{"shortlist panel, accepted", shortlist, in(StatusAccepted, ""), true},
		{"shortlist panel, accepted and shortlisted since", shortlist, in(StatusAccepted, "SHORTLISTED"), true},
		{"shortlist panel, accepted, not shortlisted", shortlist, in(StatusAccepted, "NOT_SHORTLISTED"), true},
		{"shortlist panel, submitted", shortlist, in(StatusSubmitted, ""), false},
		{"shortlist panel, returned", shortlist, in(StatusReturned, ""), false},
		{"shortlist panel, rejected", shortlist, in(StatusRejected, ""), false},
		{"shortlist panel, draft", shortlist, in(StatusDraft, ""), false},
		{"shortlist panel, another round", shortlist, Application{RoundID: "r2", Status: StatusAccepted}, false},
		{"final panel, shortlisted", final, in(StatusAccepted, "SHORTLISTED"), true},
		{"final panel, selected", final, in(StatusAccepted, "SELECTED"), true},
		{"final panel, idea prize", final, in(StatusAccepted, "IDEA_PRIZE"), true},
		{"final panel, not selected", final, in(StatusAccepted, "NOT_SELECTED"), true},
		{"final panel, disqualified", final, in(StatusAccepted, "DISQUALIFIED"), false},
		{"final panel, not shortlisted", final, in(StatusAccepted, "NOT_SHORTLISTED"), false},
		{"final panel, accepted, no stage yet", final, in(StatusAccepted, ""), false},
		{"final panel, finalist of another round", final, Application{RoundID: "r2", Status: StatusAccepted, Stage: "SHORTLISTED"}, false},
		{"both panels, not shortlisted", both, in(StatusAccepted, "NOT_SHORTLISTED"), true},
		{"no panel", ReviewerScope{RoundID: "r1"}, in(StatusAccepted, "SHORTLISTED"), false},
	} {
		if got := c.scope.Reads(c.a); got != c.want {
			t.Errorf("%s: reads = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestScopesOf(t *testing.T) {
	panels := []ReviewerPanel{{"p3", "r2", ReviewFinal}, {"p1", "r1", ReviewShortlist}, {"p2", "r1", ReviewFinal}, {"p4", "r3", "SEMIFINAL"}}
	if got := fmt.Sprint(ScopesOf(panels)); got != "[{r1 true true} {r2 false true}]" {
		t.Errorf("scopes = %s", got)
	}
	if got := ScopeIn(panels, "r2"); got != (ReviewerScope{RoundID: "r2", Final: true}) {
		t.Errorf("scope in r2 = %+v", got)
	}
	if got := ScopeIn(panels, "r4"); !got.Empty() || got.RoundID != "r4" {
		t.Errorf("scope in a round without panels = %+v", got)
	}
	if got := ScopesOf(nil); len(got) != 0 {
		t.Errorf("no panels: %v", got)
	}
}
