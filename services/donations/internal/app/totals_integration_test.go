package app_test

import (
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// TestDonationTotalsEqualSummaries: the batch read gives each application the confirmed cash, in kind and total
// its own DonationSummary gives at the same instant (donations redirected to it included, redirected away
// excluded), and the pledges neither refunded nor redirected away; an unknown application has zeros. Only suite
// services call it, with 1 to 1,000 distinct applications of the round.
func TestDonationTotalsEqualSummaries(t *testing.T) {
	f := setup(t)
	target := f.apps.add(f.round, "SHORTLISTED", 8_000_000)
	donorCtx, d := f.donor(t, "donor-1")
	cash := f.pledge(t, donorCtx, d.ID, domain.KindCash, 3_000_000)
	goods := f.pledge(t, donorCtx, d.ID, domain.KindInKind, 1_000_000)
	kept := f.pledge(t, donorCtx, d.ID, domain.KindCash, 500_000)
	f.pledge(t, donorCtx, d.ID, domain.KindCash, 70_000) // never confirmed: pledged only
	if _, err := f.svc.ConfirmDeposit(federation, deposit(cash.ID, "BANK-1", 3_000_000, f.clock.Now())); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ConfirmDeposit(federation, deposit(kept.ID, "BANK-2", 500_000, f.clock.Now())); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AppraisePledge(operator, app.AppraisePledge{PledgeID: goods.ID, ValueFen: 900_000, Notes: "market price"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ApproveAppraisal(organizer, app.ApproveAppraisal{PledgeID: goods.ID}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Minute)
	f.apps.setStage(f.app, "DISQUALIFIED")
	if _, err := f.svc.RedirectPledge(operator, app.RedirectPledge{Key: key("req-cash"), PledgeID: cash.ID, TargetApplicationID: target,
		Reason: "donor's choice"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Minute)

	unknown := ids.New()
	asOf := f.clock.Now()
	totals, at, err := f.svc.DonationTotals(funding, f.round, []string{target, f.app, unknown}, asOf)
	if err != nil || !at.Equal(asOf) || len(totals) != 3 {
		t.Fatalf("totals: %v %v %+v", err, at, totals)
	}
	pledged := map[string]int64{f.app: 1_000_000 + 500_000 + 70_000, target: 0, unknown: 0}
	for i, id := range []string{target, f.app, unknown} {
		got := totals[i]
		want := app.Totals{ApplicationID: id, PledgedFen: pledged[id]}
		if id != unknown {
			s, err := f.svc.DonationSummary(federation, id, asOf)
			if err != nil {
				t.Fatal(err)
			}
			want.ConfirmedTotalFen, want.ConfirmedCashFen, want.ConfirmedInKindFen = s.ConfirmedTotalFen, s.ConfirmedCashFen, s.ConfirmedInKindFen
		}
		if got != want {
			t.Errorf("%d: %+v, want %+v", i, got, want)
		}
	}
	if totals[0].ConfirmedCashFen != 3_000_000 || totals[1].ConfirmedTotalFen != 1_400_000 {
		t.Fatalf("figures: %+v", totals)
	}
	// Before the redirection the cash still counted for the source.
	if early, _, err := f.svc.DonationTotals(funding, f.round, []string{f.app}, asOf.Add(-90*time.Second)); err != nil ||
		early[0].ConfirmedCashFen != 3_500_000 {
		t.Fatalf("earlier: %v %+v", err, early)
	}

	tooMany := make([]string, app.MaxTotalsBatch+1)
	for i := range tooMany {
		tooMany[i] = ids.New()
	}
	for name, c := range map[string]struct {
		call func() error
		want string
	}{
		"a person": {func() error {
			_, _, err := f.svc.DonationTotals(federation, f.round, []string{f.app}, asOf)
			return err
		}, "PERMISSION_DENIED"},
		"none":     {func() error { _, _, err := f.svc.DonationTotals(funding, f.round, nil, asOf); return err }, "INVALID_BATCH_SIZE"},
		"too many": {func() error { _, _, err := f.svc.DonationTotals(funding, f.round, tooMany, asOf); return err }, "INVALID_BATCH_SIZE"},
		"twice": {func() error {
			_, _, err := f.svc.DonationTotals(funding, f.round, []string{f.app, f.app}, asOf)
			return err
		}, "DUPLICATE_APPLICATION_ID"},
		"malformed":     {func() error { _, _, err := f.svc.DonationTotals(funding, f.round, []string{"x"}, asOf); return err }, "INVALID_ID"},
		"another round": {func() error { _, _, err := f.svc.DonationTotals(funding, other(f), []string{f.app}, asOf); return err }, "APPLICATION_OF_ANOTHER_ROUND"},
	} {
		if err := c.call(); reason(err) != c.want {
			t.Errorf("%s: %v, want %s", name, err, c.want)
		}
	}
}

// other registers another round and returns its ID.
func other(f *fixture) string {
	id := ids.New()
	f.apps.setRound(id, func(r *app.RoundInfo) { r.ID, r.Phase = id, "PROMOTION" })
	return id
}
