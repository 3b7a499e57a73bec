package app_test

import (
	"testing"
	"time"

	"github.com/commonweal/commonweal/services/funding/internal/app"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

// TestNothingHeldWhileDonationsAnswers: while the donations service takes its time to reserve a donation share,
// the payment holds no database connection and no lock: with a pool of one connection, the same plan is read,
// its other share paid and another plan suspended meanwhile; then the payment completes.
func TestNothingHeldWhileDonationsAnswers(t *testing.T) {
	f := setupPool(t, 1)
	a, _ := f.project(30_000_000, 10_000_000, 0)
	b, _ := f.project(20_000_000, 0, 0)
	f.signOff([]string{a, b})
	f.allocate(t, 50_000_000, "A-1")
	plans := f.plans(t)
	p := f.activate(t, plans[a])
	cmd := app.TrancheCommand{PlanID: p.ID, Number: 1}
	if _, err := f.svc.RequestTranche(operator, cmd); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ApproveTranche(organizer, cmd); err != nil {
		t.Fatal(err)
	}
	entered, proceed := make(chan struct{}), make(chan struct{})
	f.peers.fail = func(call string, after bool) error {
		if call == "reserve" && !after {
			close(entered)
			<-proceed
		}
		return nil
	}
	paid := make(chan error, 1)
	go func() {
		_, err := f.svc.PayTranche(federation, app.PayTranche{PlanID: p.ID, Number: 1, Share: domain.ShareDonation, PaymentReference: "DON-1"})
		paid <- err
	}()
	<-entered
	done := make(chan error, 1)
	go func() {
		if _, err := f.svc.GetPlan(operator, a); err != nil {
			done <- err
			return
		}
		if _, err := f.svc.PayTranche(finance, app.PayTranche{PlanID: p.ID, Number: 1, Share: domain.ShareGovernment, PaymentReference: "GOV-1"}); err != nil {
			done <- err
			return
		}
		_, err := f.svc.SuspendPlan(organizer, app.PlanReason{PlanID: plans[b].ID, Reason: "no reports"})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("other calls waited for the donations service: a connection or a lock is held during the remote call")
	}
	close(proceed)
	if err := <-paid; err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.GetPlan(operator, a)
	if err != nil || got.Tranches[0].State != domain.TranchePaid {
		t.Fatalf("after the slow payment: %v %+v", err, got.Tranches[0])
	}
	f.verify(t)
}
