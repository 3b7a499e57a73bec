package domain

import (
	"testing"
)

func TestPhaseNextSequence(t *testing.T) {
	wantOrder := []Phase{"DRAFT", "SOLICITATION", "SHORTLISTING", "PUBLICITY", "PROMOTION",
		"FINAL_REVIEW", "APPROVAL", "IMPLEMENTATION", "CLOSING", "CLOSED"}

	var walked []Phase
	p := PhaseDraft
	for {
		walked = append(walked, p)
		next, ok := p.Next()
		if !ok {
			if next != "" {
				t.Errorf("Next of %s returned %q with ok=false", p, next)
			}
			break
		}
		if len(walked) > len(wantOrder) {
			t.Fatalf("Next does not terminate: %v", walked)
		}
		p = next
	}
	if len(walked) != len(wantOrder) {
		t.Fatalf("walked %d phases %v, want %d", len(walked), walked, len(wantOrder))
	}
	for i := range wantOrder {
		if walked[i] != wantOrder[i] {
			t.Errorf("phase %d = %s, want %s", i, walked[i], wantOrder[i])
		}
		if Phases[i] != wantOrder[i] {
			t.Errorf("Phases[%d] = %s, want %s", i, Phases[i], wantOrder[i])
		}
	}
}

func TestPhaseNextAndValid(t *testing.T) {
	tests := []struct {
		p     Phase
		next  Phase
		ok    bool
		valid bool
	}{
		{PhaseDraft, PhaseSolicitation, true, true},
		{PhaseSolicitation, PhaseShortlisting, true, true},
		{PhaseShortlisting, PhasePublicity, true, true},
		{PhasePublicity, PhasePromotion, true, true},
		{PhasePromotion, PhaseFinalReview, true, true},
		{PhaseFinalReview, PhaseApproval, true, true},
		{PhaseApproval, PhaseImplementation, true, true},
		{PhaseImplementation, PhaseClosing, true, true},
		{PhaseClosing, PhaseClosed, true, true},
		{PhaseClosed, "", false, true},
		{"ARCHIVED", "", false, false},
		{"draft", "", false, false},
		{"", "", false, false},
	}
	for _, tc := range tests {
		t.Run(string(tc.p), func(t *testing.T) {
			next, ok := tc.p.Next()
			if next != tc.next || ok != tc.ok {
				t.Errorf("Next() = %q, %v; want %q, %v", next, ok, tc.next, tc.ok)
			}
			if v := tc.p.Valid(); v != tc.valid {
				t.Errorf("Valid() = %v, want %v", v, tc.valid)
			}
		})
	}
}

func TestCheckAdvance(t *testing.T) {
	notNext := want{is: ErrPhaseNotNext, reason: "PHASE_NOT_NEXT"}
	invalid := want{is: ErrInvalidPhase, reason: "INVALID_PHASE"}
	tests := []struct {
		name     string
		from, to Phase
		want     want
	}{
		{"draft to solicitation", PhaseDraft, PhaseSolicitation, want{}},
		{"solicitation to shortlisting", PhaseSolicitation, PhaseShortlisting, want{}},
		{"shortlisting to publicity", PhaseShortlisting, PhasePublicity, want{}},
		{"publicity to promotion", PhasePublicity, PhasePromotion, want{}},
		{"promotion to final review", PhasePromotion, PhaseFinalReview, want{}},
		{"final review to approval", PhaseFinalReview, PhaseApproval, want{}},
		{"approval to implementation", PhaseApproval, PhaseImplementation, want{}},
		{"implementation to closing", PhaseImplementation, PhaseClosing, want{}},
		{"closing to closed", PhaseClosing, PhaseClosed, want{}},

		{"skip: draft to shortlisting", PhaseDraft, PhaseShortlisting, notNext},
		{"skip: publicity to final review", PhasePublicity, PhaseFinalReview, notNext},
		{"skip: draft to closed", PhaseDraft, PhaseClosed, notNext},
		{"back: solicitation to draft", PhaseSolicitation, PhaseDraft, notNext},
		{"back: closed to closing", PhaseClosed, PhaseClosing, notNext},
		{"back: approval to final review", PhaseApproval, PhaseFinalReview, notNext},
		{"stay: draft", PhaseDraft, PhaseDraft, notNext},
		{"stay: promotion", PhasePromotion, PhasePromotion, notNext},
		{"stay: closed", PhaseClosed, PhaseClosed, notNext},
		{"from closed to draft", PhaseClosed, PhaseDraft, notNext},
		{"from unknown phase", "ARCHIVED", PhaseSolicitation, notNext},
		{"from empty phase", "", PhaseDraft, notNext},
		{"to unknown phase", PhaseDraft, "ARCHIVED", invalid},
		{"to empty phase", PhaseClosing, "", invalid},
		{"to lower-case phase", PhaseDraft, "solicitation", invalid},
		{"from closed to unknown phase", PhaseClosed, "REOPENED", invalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkErr(t, CheckAdvance(tc.from, tc.to), tc.want)
		})
	}
}

// Every pair of known phases: only the immediate successor is allowed.
func TestCheckAdvanceMatrix(t *testing.T) {
	for i, from := range Phases {
		for j, to := range Phases {
			err := CheckAdvance(from, to)
			if j == i+1 {
				if err != nil {
					t.Errorf("%s -> %s: unexpected %v", from, to, err)
				}
				continue
			}
			if err == nil {
				t.Errorf("%s -> %s: allowed, want PHASE_NOT_NEXT", from, to)
			}
		}
	}
}

func TestRemotePreconditions(t *testing.T) {
	tests := []struct {
		to     Phase
		reason string
		owner  string
	}{
		{PhaseDraft, "", ""},
		{PhaseSolicitation, "", ""}, // local: the policy is publishable
		{PhaseShortlisting, "", ""}, // local: deadline passed, nothing awaits review
		{PhasePublicity, "SHORTLIST_NOT_PUBLISHED", "reviews"},
		{PhasePromotion, "COMPLAINTS_OPEN", "reviews"}, // the publicity period is local
		{PhaseFinalReview, "", ""},                     // the organizer closes voting
		{PhaseApproval, "RESULTS_NOT_COMPUTED", "reviews"},
		{PhaseImplementation, "RESULTS_NOT_SIGNED_OFF", "reviews"},
		{PhaseClosing, "PROJECTS_NOT_FINISHED", "supervision"}, // supervision asks funding for the plans
		{PhaseClosed, "ROUND_SUMMARY_MISSING", "supervision"},
	}
	for _, tc := range tests {
		t.Run(string(tc.to), func(t *testing.T) {
			pre := RemotePreconditions[tc.to]
			if tc.reason == "" {
				if len(pre) != 0 {
					t.Errorf("unexpected remote preconditions %+v", pre)
				}
				return
			}
			if len(pre) != 1 || pre[0].Reason != tc.reason || pre[0].Owner != tc.owner || pre[0].Description == "" {
				t.Errorf("got %+v, want one precondition %s owned by %s", pre, tc.reason, tc.owner)
			}
		})
	}
}
