package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// TestRetryAnswersFirstWithoutAskingPeers: a retried mutation (same request_id and body) gets the first
// answer from its request record before the applications service is asked anything, even when the round has
// moved on so that a new request would be refused; the same request_id with another body is refused.
func TestRetryAnswersFirstWithoutAskingPeers(t *testing.T) {
	f := setup(t)
	donorCtx, d := f.donor(t, "donor-1")
	cmd := app.CreatePledge{Key: key("pledge-1"), DonorID: d.ID, ApplicationID: f.app, AmountFen: 100, Kind: domain.KindCash, AgreementRef: "AG"}
	first, err := f.svc.CreatePledge(donorCtx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	f.apps.setRound(f.round, func(r *app.RoundInfo) { r.Phase = "FINAL_REVIEW" })
	calls := f.apps.calls.Load()
	again, err := f.svc.CreatePledge(donorCtx, cmd)
	if err != nil || again != first {
		t.Fatalf("retry: %v\n%+v\nwant %+v", err, again, first)
	}
	if n := f.apps.calls.Load() - calls; n != 0 {
		t.Fatalf("the retry asked the applications service %d times", n)
	}
	other := cmd
	other.Key.Fingerprint = []byte("another body")
	if _, err := f.svc.CreatePledge(donorCtx, other); reason(err) != "REQUEST_ID_REUSED" {
		t.Fatalf("same request_id, another body: %v", err)
	}
	cmd.Key = key("pledge-2")
	if _, err := f.svc.CreatePledge(donorCtx, cmd); reason(err) != "ROUND_NOT_ACCEPTING_PLEDGES" {
		t.Fatalf("a new request after the round moved on: %v", err)
	}
	var pledges int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM pledges`).Scan(&pledges); err != nil || pledges != 1 {
		t.Fatalf("%d pledges stored (%v), want 1", pledges, err)
	}
}

// TestFailedUnitOfWorkLeavesNothing: a confirmation refused inside its unit of work (under the pledge's lock)
// leaves no request record, no event, no transfer and no receipt number, so the same request_id can be
// retried once the cause is fixed.
func TestFailedUnitOfWorkLeavesNothing(t *testing.T) {
	f := setup(t)
	donorCtx, d := f.donor(t, "donor-1")
	p := f.pledge(t, donorCtx, d.ID, domain.KindCash, 100)
	future := deposit(p.ID, "BANK-1", 100, f.clock.Now().Add(time.Hour))
	future.Key = key("deposit-1")
	if _, err := f.svc.ConfirmDeposit(federation, future); reason(err) != "DEPOSIT_TIME_IN_FUTURE" {
		t.Fatalf("deposit in the future: %v", err)
	}
	ctx := context.Background()
	var records, events, transfers int
	if err := f.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM idempotency_keys), (SELECT count(*) FROM pledge_events WHERE action = 'DEPOSITED'),
		(SELECT count(*) FROM ledger_transfers)`).Scan(&records, &events, &transfers); err != nil {
		t.Fatal(err)
	}
	if records+events+transfers != 0 {
		t.Fatalf("a refused confirmation left %d request records, %d events, %d transfers", records, events, transfers)
	}
	fixed := deposit(p.ID, "BANK-1", 100, f.clock.Now())
	fixed.Key = future.Key
	got, err := f.svc.ConfirmDeposit(federation, fixed)
	if err != nil || got.ReceiptNumber != "2026-000001" {
		t.Fatalf("the retried confirmation: %v %+v", err, got)
	}
}

// TestCreateDonorKeepsNoPersonalNumbersInRequestRecords: the answer kept for a retried CreateDonor is the
// donor's ID (personal numbers are only ever stored sealed), and the retry still answers the donor in full.
func TestCreateDonorKeepsNoPersonalNumbersInRequestRecords(t *testing.T) {
	f := setup(t)
	const idNumber, phone = "990101198001010014", "13712345678" // made up; the ID's check digit by ISO 7064 MOD 11-2
	ctx := as("donor-user", "DONOR")
	cmd := app.CreateDonor{Key: key("donor-1"), Name: "Wang Fang", Kind: domain.DonorIndividual, IDNumber: idNumber, ContactPhone: phone}
	first, err := f.svc.CreateDonor(ctx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.CreateDonor(ctx, cmd)
	first.CreatedAt, again.CreatedAt = first.CreatedAt.UTC(), again.CreatedAt.UTC()
	if err != nil || again != first || again.IDNumber != idNumber || again.ContactPhone != phone {
		t.Fatalf("retry: %v %+v, want %+v", err, again, first)
	}
	var answer string
	if err := f.pool.QueryRow(context.Background(), `SELECT convert_from(response, 'UTF8') FROM idempotency_keys WHERE request_id = 'donor-1'`).Scan(&answer); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(answer, "198001010014") || strings.Contains(answer, "12345678") || !strings.Contains(answer, first.ID) {
		t.Fatalf("request record answer %q", answer)
	}
}
