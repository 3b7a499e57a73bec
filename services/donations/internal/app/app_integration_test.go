package app_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

func TestPledgeRules(t *testing.T) {
	f := setup(t)
	donorCtx, d := f.donor(t, "donor-1")
	otherCtx, other := f.donor(t, "donor-2")

	// (Roles are the authorisation table's: the federation's pledge is refused in api/authz_test.go.)
	oneFen := app.CreatePledge{DonorID: d.ID, ApplicationID: f.app, AmountFen: 1, Kind: domain.KindCash, AgreementRef: "A"}
	if _, err := f.svc.CreatePledge(otherCtx, oneFen); reason(err) != "DONOR_NOT_OWNED" {
		t.Fatalf("pledge for another donor: %v", err)
	}
	unknown := oneFen
	unknown.ApplicationID = ids.New()
	if _, err := f.svc.CreatePledge(donorCtx, unknown); reason(err) != "APPLICATION_NOT_FOUND" {
		t.Fatalf("unknown application: %v", err)
	}
	f.apps.setStage(f.app, "")
	if _, err := f.svc.CreatePledge(donorCtx, oneFen); reason(err) != "APPLICATION_NOT_SHORTLISTED" {
		t.Fatalf("not shortlisted: %v", err)
	}
	f.apps.setStage(f.app, "SHORTLISTED")
	f.apps.setRound(f.round, func(r *app.RoundInfo) { r.Phase = "FINAL_REVIEW" })
	if _, err := f.svc.CreatePledge(donorCtx, oneFen); reason(err) != "ROUND_NOT_ACCEPTING_PLEDGES" {
		t.Fatalf("after promotion: %v", err)
	}
	f.apps.setRound(f.round, func(r *app.RoundInfo) { r.Phase = "PUBLICITY" })
	p := f.pledge(t, donorCtx, d.ID, domain.KindCash, 100)
	q := f.pledge(t, otherCtx, other.ID, domain.KindCash, 200)
	if p.State != domain.StatePledged || p.RoundID != f.round {
		t.Fatalf("pledge: %+v", p)
	}
	// Operators pledge on a donor's behalf.
	f.pledge(t, operator, d.ID, domain.KindInKind, 300)

	// A donor sees only its own donor's pledges; a donor token naming the donor works too.
	if _, err := f.svc.GetPledge(otherCtx, p.ID); reason(err) != "NOT_FOUND" {
		t.Fatalf("other donor reads the pledge: %v", err)
	}
	if _, err := f.svc.GetDonor(otherCtx, d.ID); reason(err) != "NOT_FOUND" {
		t.Fatalf("other donor reads the donor: %v", err)
	}
	named := identity.With(context.Background(), identity.Identity{Subject: "someone-else", Roles: []identity.Role{identity.Donor}, DonorID: d.ID})
	if _, err := f.svc.GetPledge(named, p.ID); err != nil {
		t.Fatalf("donor named in the token: %v", err)
	}
	list, err := f.svc.ListPledges(otherCtx, app.PledgeFilter{Limit: 10})
	if err != nil || len(list) != 1 || list[0].ID != q.ID {
		t.Fatalf("donor list: %v %+v", err, list)
	}
	list, err = f.svc.ListPledges(federation, app.PledgeFilter{ApplicationID: f.app, Limit: 10})
	if err != nil || len(list) != 3 {
		t.Fatalf("federation list: %v %d", err, len(list))
	}
	// Masking: the owner sees the phone, the operator a masked one.
	if got, _ := f.svc.GetDonor(donorCtx, d.ID); got.ContactPhone != "13812345678" {
		t.Fatalf("owner sees %q", got.ContactPhone)
	}
	if got, _ := f.svc.GetDonor(operator, d.ID); got.ContactPhone != "138****5678" {
		t.Fatalf("operator sees %q", got.ContactPhone)
	}
	var sealed []byte
	if err := f.pool.QueryRow(context.Background(), `SELECT phone_sealed FROM donors WHERE id = $1`, d.ID).Scan(&sealed); err != nil || string(sealed) == "13812345678" {
		t.Fatalf("phone stored in clear: %v", err)
	}
	donors, err := f.svc.ListApplicationDonors(as("service:reviews", identity.Service), f.app)
	sort.Strings(donors)
	want := []string{d.ID, other.ID}
	sort.Strings(want)
	if err != nil || fmt.Sprint(donors) != fmt.Sprint(want) {
		t.Fatalf("application donors: %v %v", donors, err)
	}
	if _, err := f.svc.ListApplicationDonors(funding, f.app); reason(err) != "PERMISSION_DENIED" {
		t.Fatalf("funding lists donors: %v", err)
	}
}

func TestDepositsReceiptsAndSummary(t *testing.T) {
	f := setup(t)
	donorCtx, d := f.donor(t, "donor-1")
	_, d2 := f.donor(t, "donor-2")
	p := f.pledge(t, donorCtx, d.ID, domain.KindCash, 5_000_000)
	depositAt := f.clock.Now().Add(-time.Hour)

	first := deposit(p.ID, "BANK-1", 5_000_000, depositAt)
	first.Key = key("req-1")
	got, err := f.svc.ConfirmDeposit(federation, first)
	if err != nil || got.State != domain.StateDeposited || got.ReceiptNumber != "2026-000001" || got.Late {
		t.Fatalf("confirm: %v %+v", err, got)
	}
	first.Key = key("req-2")
	again, err := f.svc.ConfirmDeposit(federation, first)
	if err != nil || again.ReceiptNumber != got.ReceiptNumber {
		t.Fatalf("retried confirmation: %v %+v", err, again)
	}
	if _, err := f.svc.ConfirmDeposit(federation, deposit(p.ID, "BANK-1", 4_000_000, depositAt)); reason(err) != "BANK_REFERENCE_CONFLICT" {
		t.Fatalf("same reference, other amount: %v", err)
	}
	q := f.pledge(t, operator, d2.ID, domain.KindCash, 100)
	if _, err := f.svc.ConfirmDeposit(federation, deposit(q.ID, "BANK-1", 5_000_000, depositAt)); reason(err) != "BANK_REFERENCE_CONFLICT" {
		t.Fatalf("same reference, other pledge: %v", err)
	}
	if _, err := f.svc.ConfirmDeposit(federation, deposit(p.ID, "BANK-2", 5_000_000, depositAt)); reason(err) != "PLEDGE_STATE_INVALID" {
		t.Fatalf("second deposit under a new reference: %v", err)
	}
	// Refused confirmations used no receipt number.
	q, err = f.svc.ConfirmDeposit(federation, deposit(q.ID, "BANK-3", 100, depositAt))
	if err != nil || q.ReceiptNumber != "2026-000002" {
		t.Fatalf("next receipt: %v %+v", err, q)
	}
	b := storedBalances(t, f)
	if posted(b[domain.EarmarkedAccount(f.app)]) != 5_000_100 || posted(b[domain.AccountBank]) != -5_000_100 {
		t.Fatalf("balances after deposits: %+v", b)
	}

	// Summary and naming right: exactly 50% of 10,000,000.
	sum, err := f.svc.DonationSummary(as("service:reviews", identity.Service), f.app, time.Time{})
	if err != nil || sum.ConfirmedTotalFen != 5_000_100 || sum.NamingRightDonorID != d.ID {
		t.Fatalf("summary now: %v %+v", err, sum)
	}
	sum, err = f.svc.DonationSummary(federation, f.app, depositAt)
	if err != nil || sum.ConfirmedTotalFen != 0 {
		t.Fatalf("summary at the deposit instant: %v %+v", err, sum)
	}

	// After the cutoff: a late deposit is recorded, receipted, and counts for nothing.
	cutoff := f.clock.Now()
	f.apps.setRound(f.round, func(r *app.RoundInfo) { r.Phase = "FINAL_REVIEW"; r.DonationCutoff = cutoff })
	f.apps.setRound(f.round, func(r *app.RoundInfo) { r.Phase = "PROMOTION" })
	late := f.pledge(t, donorCtx, d.ID, domain.KindCash, 1_000_000)
	f.clock.Add(time.Hour)
	late, err = f.svc.ConfirmDeposit(federation, deposit(late.ID, "BANK-4", 1_000_000, cutoff))
	if err != nil || !late.Late || late.ReceiptNumber != "2026-000003" {
		t.Fatalf("late deposit: %v %+v", err, late)
	}
	sum, _ = f.svc.DonationSummary(federation, f.app, time.Time{})
	if sum.ConfirmedTotalFen != 5_000_100 {
		t.Fatalf("late money counted: %+v", sum)
	}
	if b := storedBalances(t, f); posted(b[domain.LateAccount(f.app)]) != 1_000_000 {
		t.Fatalf("late account: %+v", b)
	}
	// Late money may be refunded even though the project is still in the running; on-time money may not.
	if _, err := f.svc.RefundPledge(federation, app.RefundPledge{PledgeID: p.ID, Reason: "donor asked"}); reason(err) != "PROJECT_NOT_DECLINED" {
		t.Fatalf("refund of on-time money: %v", err)
	}
	if late, err = f.svc.RefundPledge(federation, app.RefundPledge{Key: key("req-r"), PledgeID: late.ID, Reason: "arrived after the cutoff"}); err != nil || late.State != domain.StateRefunded {
		t.Fatalf("refund late: %v %+v", err, late)
	}
	f.apps.setStage(f.app, "NOT_SELECTED")
	if _, err := f.svc.RedirectPledge(operator, app.RedirectPledge{PledgeID: p.ID, TargetApplicationID: ids.New()}); reason(err) != "APPLICATION_NOT_FOUND" {
		t.Fatalf("redirect to unknown application: %v", err)
	}
	target := f.apps.add(f.round, "SELECTED", 20_000_000)
	if _, err := f.svc.RedirectPledge(operator, app.RedirectPledge{PledgeID: p.ID, Reason: "donor chose the general fund"}); reason(err) != "TARGET_APPLICATION_REQUIRED" {
		t.Fatalf("redirect without a target: %v", err)
	}
	if p, err = f.svc.RedirectPledge(operator, app.RedirectPledge{PledgeID: p.ID, TargetApplicationID: target, Reason: "donor chose a selected project"}); err != nil ||
		p.State != domain.StateRedirected || p.RedirectApplicationID != target {
		t.Fatalf("redirect: %v %+v", err, p)
	}
	b = storedBalances(t, f)
	if posted(b[domain.LateAccount(f.app)]) != 0 || posted(b[domain.AccountRefunds]) != 1_000_000 || posted(b[domain.EarmarkedAccount(target)]) != 5_000_000 ||
		posted(b[domain.EarmarkedAccount(f.app)]) != 100 || posted(b[domain.AccountRedirected]) != 0 {
		t.Fatalf("balances after refund and redirect: %+v", b)
	}
	// Redirected after the target round's cutoff: on the target's earmark, but late for its totals.
	if sum, _ = f.svc.DonationSummary(federation, target, time.Time{}); sum.ConfirmedTotalFen != 0 {
		t.Fatalf("money redirected after the cutoff counted for the target: %+v", sum)
	}
	// The summary at the old instant still shows what was confirmed then.
	sum, _ = f.svc.DonationSummary(federation, f.app, cutoff)
	if sum.ConfirmedTotalFen != 5_000_100 {
		t.Fatalf("summary at the cutoff after redirection: %+v", sum)
	}
	if v, err := f.svc.VerifyLedger(as("auditor", identity.Auditor)); err != nil || !v.Balanced || v.Transfers != 5 {
		t.Fatalf("verify: %v %+v", err, v)
	}
	var events int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM pledge_events WHERE request_id = 'req-1' AND by_subject = 'federation'`).Scan(&events); err != nil || events != 1 {
		t.Fatalf("audit trail of the deposit: %d %v", events, err)
	}
}

func TestInKind(t *testing.T) {
	f := setup(t)
	donorCtx, d := f.donor(t, "donor-1")
	p := f.pledge(t, donorCtx, d.ID, domain.KindInKind, 900_000)
	if _, err := f.svc.ConfirmDeposit(federation, deposit(p.ID, "B", 1, f.clock.Now())); reason(err) != "WRONG_PLEDGE_KIND" {
		t.Fatalf("deposit in kind: %v", err)
	}
	if _, err := f.svc.ApproveAppraisal(organizer, app.ApproveAppraisal{PledgeID: p.ID}); reason(err) != "PLEDGE_STATE_INVALID" {
		t.Fatalf("approve before appraisal: %v", err)
	}
	p, err := f.svc.AppraisePledge(operator, app.AppraisePledge{PledgeID: p.ID, ValueFen: 800_000, Notes: "market price"})
	if err != nil || p.State != domain.StateAppraised {
		t.Fatalf("appraise: %v %+v", err, p)
	}
	f.clock.Add(time.Minute)
	p, err = f.svc.ApproveAppraisal(organizer, app.ApproveAppraisal{PledgeID: p.ID})
	if err != nil || p.State != domain.StateApproved || p.ReceiptNumber != "2026-000001" {
		t.Fatalf("approve: %v %+v", err, p)
	}
	f.clock.Add(time.Minute)
	sum, _ := f.svc.DonationSummary(organizer, f.app, time.Time{})
	if sum.ConfirmedTotalFen != 800_000 || sum.NamingRightDonorID != "" {
		t.Fatalf("summary: %+v", sum)
	}
	if b := storedBalances(t, f); posted(b[domain.InKindAccount(f.app)]) != 800_000 || posted(b[domain.AccountInKindExternal]) != -800_000 {
		t.Fatalf("balances: %+v", b)
	}
}

// TestReceiptsUnderConcurrency confirms many deposits at once (some refused): the receipt numbers are
// exactly 1..n with no gap and no duplicate.
func TestReceiptsUnderConcurrency(t *testing.T) {
	f := setup(t)
	donorCtx, d := f.donor(t, "donor-1")
	const n = 30
	pledges := make([]domain.Pledge, n)
	for i := range pledges {
		pledges[i] = f.pledge(t, donorCtx, d.ID, domain.KindCash, 100)
	}
	at := f.clock.Now().Add(-time.Minute)
	var wg sync.WaitGroup
	receipts := make(chan string, 2*n)
	errc := make(chan error, 2*n)
	for i, p := range pledges {
		// Two confirmations of each pledge race under the same bank reference with different amounts:
		// whichever is first wins, the other is refused and must not burn a receipt number.
		for _, amount := range []int64{100, 101} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := f.svc.ConfirmDeposit(federation, deposit(p.ID, fmt.Sprint("REF-", i), amount, at))
				switch {
				case err == nil:
					receipts <- got.ReceiptNumber
				case reason(err) != "BANK_REFERENCE_CONFLICT":
					errc <- err
				}
			}()
		}
	}
	wg.Wait()
	close(receipts)
	close(errc)
	for err := range errc {
		t.Fatalf("confirmation: %v", err)
	}
	if len(receipts) != n {
		t.Fatalf("%d confirmations succeeded for %d pledges", len(receipts), n)
	}
	seen := map[string]bool{}
	for r := range receipts {
		seen[r] = true
	}
	if len(seen) != n {
		t.Fatalf("duplicate receipt numbers: %d distinct for %d deposits", len(seen), n)
	}
	var numbers int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(DISTINCT receipt_number) FROM pledges WHERE receipt_number IS NOT NULL`).Scan(&numbers); err != nil {
		t.Fatal(err)
	}
	if numbers != n {
		t.Fatalf("%d receipts stored for %d deposits", numbers, n)
	}
	for i := 1; i <= n; i++ {
		var exists bool
		if err := f.pool.QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM pledges WHERE receipt_number = $1)`, domain.ReceiptNumber(2026, int64(i))).Scan(&exists); err != nil || !exists {
			t.Fatalf("receipt %d missing (gap)", i)
		}
	}
	if v, err := f.svc.VerifyLedger(federation); err != nil || !v.Balanced || v.Transfers != n {
		t.Fatalf("verify: %v %+v", err, v)
	}
}

func TestDonationShares(t *testing.T) {
	f := setup(t)
	donorCtx, d := f.donor(t, "donor-1")
	p := f.pledge(t, donorCtx, d.ID, domain.KindCash, 1_000)
	if _, err := f.svc.ConfirmDeposit(federation, deposit(p.ID, "B", 1_000, f.clock.Now())); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ReserveDonationShare(as("service:reviews", identity.Service), reserve("r1", f.app, 600, "t1")); reason(err) != "PERMISSION_DENIED" {
		t.Fatalf("reviews reserves: %v", err)
	}
	if _, err := f.svc.ReserveDonationShare(funding, reserve("pledge:x", f.app, 600, "t1")); reason(err) != "INVALID_TRANSFER_ID" {
		t.Fatalf("reserved ID namespace: %v", err)
	}
	r1, err := f.svc.ReserveDonationShare(funding, reserve("r1", f.app, 600, "plan tranche 1"))
	if err != nil || r1.Kind != ledger.Pending || r1.Debit != domain.EarmarkedAccount(f.app) || r1.Credit != domain.AccountPayoutPending {
		t.Fatalf("reserve: %v %+v", err, r1)
	}
	again, err := f.svc.ReserveDonationShare(funding, reserve("r1", f.app, 600, "plan tranche 1"))
	if err != nil || !again.CreatedAt.Equal(r1.CreatedAt) {
		t.Fatalf("retry: %v %+v", err, again)
	}
	if _, err := f.svc.ReserveDonationShare(funding, reserve("r1", f.app, 601, "plan tranche 1")); reason(err) != "TRANSFER_ID_REUSED" {
		t.Fatalf("same ID, other amount: %v", err)
	}
	if _, err := f.svc.ReserveDonationShare(funding, reserve("r2", f.app, 401, "plan tranche 2")); reason(err) != "INSUFFICIENT_FUNDS" {
		t.Fatalf("over-reservation: %v", err)
	}
	r2, err := f.svc.ReserveDonationShare(as("federation", identity.CharityFederation), reserve("r2", f.app, 400, "plan tranche 2"))
	if err != nil {
		t.Fatal(err)
	}
	// Refunding money that is reserved would overdraw the account: refused.
	f.apps.setStage(f.app, "NOT_SELECTED")
	if _, err := f.svc.RefundPledge(federation, app.RefundPledge{PledgeID: p.ID}); reason(err) != "INSUFFICIENT_FUNDS" {
		t.Fatalf("refund of reserved money: %v", err)
	}
	if _, err := f.svc.ResolveDonationShare(funding, resolve("p1", r1.ID, true)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ResolveDonationShare(funding, resolve("p1", r1.ID, true)); err != nil {
		t.Fatalf("retried release: %v", err)
	}
	if _, err := f.svc.ResolveDonationShare(funding, resolve("p1", r1.ID, false)); reason(err) != "TRANSFER_ID_REUSED" {
		t.Fatalf("release ID reused to cancel: %v", err)
	}
	if _, err := f.svc.ResolveDonationShare(funding, resolve("v1", r1.ID, false)); reason(err) != "PENDING_TRANSFER_ALREADY_RESOLVED" {
		t.Fatalf("cancel after release: %v", err)
	}
	if _, err := f.svc.ResolveDonationShare(funding, resolve("v2", r2.ID, false)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ResolveDonationShare(funding, resolve("p2", r2.ID, true)); reason(err) != "PENDING_TRANSFER_ALREADY_RESOLVED" {
		t.Fatalf("release after cancel: %v", err)
	}
	if _, err := f.svc.ResolveDonationShare(funding, resolve("p3", "nope", true)); reason(err) != "PENDING_TRANSFER_NOT_FOUND" {
		t.Fatalf("unknown pending: %v", err)
	}
	if _, err := f.svc.ResolveDonationShare(funding, resolve("p3", "p1", true)); reason(err) != "NOT_A_PENDING_TRANSFER" {
		t.Fatalf("post of a posted transfer: %v", err)
	}
	b := storedBalances(t, f)
	if available(b[domain.EarmarkedAccount(f.app)]) != 400 || posted(b[domain.AccountPayoutPending]) != 600 {
		t.Fatalf("balances: %+v", b)
	}
	if v, err := f.svc.VerifyLedger(as("finance", identity.Finance)); err != nil || !v.Balanced {
		t.Fatalf("verify: %v %+v", err, v)
	}
}

func reserve(transferID, applicationID string, amount int64, reason string) app.ReserveDonationShare {
	return app.ReserveDonationShare{TransferID: transferID, ApplicationID: applicationID, AmountFen: amount, Reason: reason}
}

func resolve(transferID, pendingID string, release bool) app.ResolveDonationShare {
	return app.ResolveDonationShare{TransferID: transferID, PendingTransferID: pendingID, Release: release}
}
