package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// TestStagesDeliveredInTheBackground fails the push after publishing and never publishes again: the
// background relay delivers every stage, after which the shortlist counts as published.
func TestStagesDeliveredInTheBackground(t *testing.T) {
	f := setup(t, nil, nil)
	f.computedShortlist(t)
	f.apps.failNext = 3
	_, err := f.svc.PublishShortlist(organizer, f.roundCmd())
	mustErr(t, "publish with failing stage pushes", err, domain.ErrStagePushFailed)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.relay.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := f.svc.GetRoundReviewStatus(service, f.apps.round.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.ShortlistPublished {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stages still undelivered by the background relay: %s", f.apps.stagesNow())
		}
		time.Sleep(20 * time.Millisecond)
	}
	want := map[string]string{f.A: "SHORTLISTED", f.B: "SHORTLISTED", f.C: "SHORTLISTED", f.I: "NOT_SHORTLISTED"}
	if f.apps.stagesNow() != fmt.Sprint(want) {
		t.Fatalf("stages = %s, want %v", f.apps.stagesNow(), want)
	}
}

// TestUpheldComplaint resolves a complaint (UPHELD) with a request ID: the application leaves the shortlist,
// its DISQUALIFIED stage reaches the applications service, and a retry answers the first answer, the sealed
// contact included, without resolving anything again.
func TestUpheldComplaint(t *testing.T) {
	f := setup(t, nil, nil)
	f.publishedShortlist(t)
	f.apps.setPhase(domain.PhasePublicity, f.clock.Now())
	f.apps.round.Policy.PublicityPeriod = time.Hour
	c, err := f.svc.CreateComplaint(anyone, app.CreateComplaint{VoterToken: f.voterToken(t, "13900000001"), RoundID: f.apps.round.ID, ApplicationID: f.C,
		Content: "invented team", Contact: "13900000000"})
	if err != nil {
		t.Fatal(err)
	}
	key := idempotency.Key{RequestID: "resolve-1", Fingerprint: []byte("resolve C")}
	cmd := app.ResolveComplaint{Key: key, ComplaintID: c.ID, Outcome: domain.OutcomeUpheld, Reason: "confirmed"}
	first, err := f.svc.ResolveComplaint(operator, cmd)
	if err != nil {
		t.Fatal(err)
	}
	if first.State != domain.ComplaintResolved || first.Contact != "13900000000" || first.ResolvedBy != "operator" {
		t.Fatalf("resolved complaint: %+v", first)
	}
	if got := f.apps.stagesNow(); got != fmt.Sprint(map[string]string{f.A: "SHORTLISTED", f.B: "SHORTLISTED", f.C: "DISQUALIFIED", f.I: "NOT_SHORTLISTED"}) {
		t.Fatalf("stages after the upheld complaint: %s", got)
	}
	f.clock.Add(time.Minute)
	again, err := f.svc.ResolveComplaint(operator, cmd)
	if err != nil || again.Contact != first.Contact || !again.ResolvedAt.Equal(first.ResolvedAt) {
		t.Fatalf("retry: %+v %v, want the first answer %+v", again, err, first)
	}
	_, err = f.svc.ResolveComplaint(operator, app.ResolveComplaint{ComplaintID: c.ID, Outcome: domain.OutcomeDismissed, Reason: "second thoughts"})
	mustErr(t, "resolve twice", err, domain.ErrComplaintClosed)
	sl, err := f.svc.GetShortlist(operator, f.apps.round.ID)
	if e, _ := sl.Entry(f.C); err != nil || e.Shortlisted || !e.Disqualified {
		t.Fatalf("C on the shortlist after the upheld complaint: %+v %v", e, err)
	}
	if st, _ := f.svc.GetRoundReviewStatus(service, f.apps.round.ID); st.OpenComplaints != 0 {
		t.Fatalf("open complaints = %d", st.OpenComplaints)
	}
}
