package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// TestNamingRightIsOneDonorsShare: the naming right goes to a donor whose own confirmed total reaches the
// round's share of the budget (50% of 10,000,000 fen here), never to the application's total. Two donors
// reaching 50% only together name no one; once one of them reaches it alone, that donor is named.
func TestNamingRightIsOneDonorsShare(t *testing.T) {
	f := setup(t)
	ctxA, a := f.donor(t, "donor-a")
	ctxB, b := f.donor(t, "donor-b")
	at := f.clock.Now().Add(-time.Hour)
	confirm := func(ctx context.Context, donorID string, amount int64, ref string) {
		t.Helper()
		p := f.pledge(t, ctx, donorID, domain.KindCash, amount)
		if _, err := f.svc.ConfirmDeposit(federation, deposit(p.ID, ref, amount, at)); err != nil {
			t.Fatal(err)
		}
	}
	summary := func() domain.Summary {
		t.Helper()
		f.clock.Add(time.Second)
		s, err := f.svc.DonationSummary(federation, f.app, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	confirm(ctxA, a.ID, 3_000_000, "BANK-A1")
	confirm(ctxB, b.ID, 2_000_000, "BANK-B1")
	if s := summary(); s.ConfirmedTotalFen != 5_000_000 || s.NamingRightDonorID != "" {
		t.Fatalf("50%% reached only together: total %d, naming right %q; want 5000000 and no one", s.ConfirmedTotalFen, s.NamingRightDonorID)
	}
	confirm(ctxB, b.ID, 2_999_999, "BANK-B2")
	if s := summary(); s.ConfirmedTotalFen != 7_999_999 || s.NamingRightDonorID != "" {
		t.Fatalf("donor B one fen short of 50%%: total %d, naming right %q", s.ConfirmedTotalFen, s.NamingRightDonorID)
	}
	confirm(ctxB, b.ID, 1, "BANK-B3")
	if s := summary(); s.ConfirmedTotalFen != 8_000_000 || s.NamingRightDonorID != b.ID {
		t.Fatalf("donor B alone at exactly 50%%: total %d, naming right %q; want 8000000 and %s", s.ConfirmedTotalFen, s.NamingRightDonorID, b.ID)
	}
	f.apps.setRound(f.round, func(r *app.RoundInfo) { r.NamingRightShareBps = 6000 })
	if s := summary(); s.NamingRightDonorID != "" {
		t.Fatalf("a 60%% policy names %q though no donor gave 60%%", s.NamingRightDonorID)
	}
}
