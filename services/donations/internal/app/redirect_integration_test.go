package app_test

import (
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// TestRedirectMovesOnToTheTarget: a donation to a project disqualified during publicity is redirected, before
// the donation cutoff, to another shortlisted project. The money moves on to the target's earmark in one
// transfer (cash to its earmarked account, goods to its in-kind account), once whatever is retried, counts for
// the target (and its donor) from the redirection on, no longer for the source, can be reserved as the target's
// donation share, and the ledger still reconciles with the pledges.
func TestRedirectMovesOnToTheTarget(t *testing.T) {
	f := setup(t)
	target := f.apps.add(f.round, "SHORTLISTED", 8_000_000)
	donorCtx, d := f.donor(t, "donor-1")
	cash := f.pledge(t, donorCtx, d.ID, domain.KindCash, 3_000_000)
	goods := f.pledge(t, donorCtx, d.ID, domain.KindInKind, 1_000_000)
	if _, err := f.svc.ConfirmDeposit(federation, deposit(cash.ID, "BANK-1", 3_000_000, f.clock.Now())); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AppraisePledge(operator, app.AppraisePledge{PledgeID: goods.ID, ValueFen: 1_000_000, Notes: "market price"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ApproveAppraisal(organizer, app.ApproveAppraisal{PledgeID: goods.ID}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Minute)

	// Still SHORTLISTED: nothing to redirect yet.
	redirect := func(requestID, pledgeID, to string) (domain.Pledge, error) {
		return f.svc.RedirectPledge(operator, app.RedirectPledge{Key: key(requestID), PledgeID: pledgeID, TargetApplicationID: to, Reason: "donor's choice"})
	}
	if _, err := redirect("req-early", cash.ID, target); reason(err) != "PROJECT_NOT_DECLINED" {
		t.Fatalf("redirect from a shortlisted project: %v", err)
	}
	f.apps.setStage(f.app, "DISQUALIFIED")
	notSelected := f.apps.add(f.round, "NOT_SELECTED", 1_000)
	for _, c := range []struct{ to, want string }{
		{"", "TARGET_APPLICATION_REQUIRED"},
		{"not-an-id", "INVALID_ID"},
		{f.app, "REDIRECT_TO_SAME_APPLICATION"},
		{notSelected, "REDIRECT_TARGET_NOT_ELIGIBLE"},
	} {
		if _, err := redirect("req-bad-"+c.want, cash.ID, c.to); reason(err) != c.want {
			t.Fatalf("redirect to %q: %v, want %s", c.to, err, c.want)
		}
	}

	p, err := redirect("req-cash", cash.ID, target)
	if err != nil || p.State != domain.StateRedirected || p.RedirectApplicationID != target {
		t.Fatalf("redirect: %v %+v", err, p)
	}
	redirectedAt := p.RedirectedAt
	f.clock.Add(time.Minute)
	// A retry answers the first redirection; another request finds the pledge redirected; no money moves again.
	if again, err := redirect("req-cash", cash.ID, target); err != nil || !again.RedirectedAt.Equal(redirectedAt) {
		t.Fatalf("retried redirect: %v %+v", err, again)
	}
	if _, err := redirect("req-cash-2", cash.ID, target); reason(err) != "PLEDGE_STATE_INVALID" {
		t.Fatalf("second redirect: %v", err)
	}
	if _, err := redirect("req-goods", goods.ID, target); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Minute)
	b := storedBalances(t, f)
	for code, want := range map[string]int64{
		domain.EarmarkedAccount(f.app): 0, domain.InKindAccount(f.app): 0, domain.AccountRedirected: 0,
		domain.EarmarkedAccount(target): 3_000_000, domain.InKindAccount(target): 1_000_000,
	} {
		if got := posted(b[code]); got != want {
			t.Fatalf("%s = %d, want %d (%+v)", code, got, want, b)
		}
	}

	// The target's summary counts both from their redirection, split into cash and in kind; 4,000,000 of
	// 8,000,000 is exactly the 50% of the naming right.
	reviews := as("service:reviews", identity.Service)
	sum, err := f.svc.DonationSummary(reviews, target, time.Time{})
	if err != nil || sum.ConfirmedCashFen != 3_000_000 || sum.ConfirmedInKindFen != 1_000_000 || sum.ConfirmedTotalFen != 4_000_000 ||
		sum.NamingRightDonorID != d.ID {
		t.Fatalf("target's summary: %v %+v", err, sum)
	}
	if sum, _ = f.svc.DonationSummary(reviews, target, redirectedAt); sum.ConfirmedTotalFen != 0 {
		t.Fatalf("target's summary at the redirection instant: %+v", sum)
	}
	if sum, _ = f.svc.DonationSummary(reviews, f.app, time.Time{}); sum.ConfirmedTotalFen != 0 {
		t.Fatalf("source's summary after redirection: %+v", sum)
	}
	donors, err := f.svc.ListApplicationDonors(reviews, target)
	if err != nil || len(donors) != 1 || donors[0] != d.ID {
		t.Fatalf("the target's donors (donor-representative conflicts): %v %v", err, donors)
	}

	// At the target round's cutoff the totals stand, and the cash is the target's donation share.
	cutoff := f.clock.Now()
	f.apps.setRound(f.round, func(r *app.RoundInfo) { r.Phase, r.DonationCutoff = "FINAL_REVIEW", cutoff })
	if sum, _ = f.svc.DonationSummary(reviews, target, cutoff); sum.ConfirmedCashFen != 3_000_000 || sum.ConfirmedInKindFen != 1_000_000 {
		t.Fatalf("target's summary at the cutoff: %+v", sum)
	}
	if _, err := f.svc.ReserveDonationShare(funding, app.ReserveDonationShare{TransferID: "plan-T/tranche-1", ApplicationID: target, AmountFen: 3_000_000}); err != nil {
		t.Fatalf("reserve the redirected cash as the target's donation share: %v", err)
	}
	if v, err := f.svc.VerifyLedger(as("auditor", identity.Auditor)); err != nil || !v.Balanced || v.Transfers != 5 {
		t.Fatalf("verify: %v %+v", err, v)
	}
}
