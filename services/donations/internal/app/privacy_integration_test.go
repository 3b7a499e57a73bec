package app_test

import (
	"context"
	"encoding/hex"
	"errors"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/personaldata"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// The person donor of these tests: a made-up resident ID (region 990101 does not exist; check digit by GB
// 11643-1999) and a phone of nobody else in the fixtures.
const (
	personName   = "司马测试乙"
	personID     = "990101198505050044"
	personMasked = "990101********0044"
	personPhone  = "13600002222"
	personPhMask = "136****2222"
)

// holding lists the tables of the service's schema with a row holding any of the values (as text, or in hex
// inside a bytea: sealed values, stored answers).
func holding(t *testing.T, pool *pgxpool.Pool, values ...[]byte) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := pool.Query(ctx, `SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(tables) < 5 {
		t.Fatalf("tables %v: %v", tables, err)
	}
	var found []string
	for _, table := range tables {
		for _, v := range values {
			text := string(v)
			if !utf8.Valid(v) { // a ciphertext: only in a bytea, which reads as hex
				text = hex.EncodeToString(v)
			}
			var n int
			if err := pool.QueryRow(ctx, `SELECT count(*) FROM `+table+` t WHERE strpos(t::text, $1) > 0 OR strpos(lower(t::text), $2) > 0`,
				text, hex.EncodeToString(v)).Scan(&n); err != nil {
				t.Fatalf("%s: %v", table, err)
			}
			if n > 0 {
				found = append(found, table)
				break
			}
		}
	}
	return found
}

// person registers a donor who is a person (with a request ID) and its pledges: one cash, deposited with a
// receipt, and one in kind.
func (f *fixture) person(t *testing.T, subject string) (context.Context, domain.Donor, domain.Pledge, domain.Pledge) {
	t.Helper()
	ctx := as(subject, identity.Donor)
	d, err := f.svc.CreateDonor(ctx, app.CreateDonor{Key: key("donor-" + subject), Name: personName, Kind: domain.DonorIndividual, IDNumber: personID,
		ContactPhone: personPhone})
	if err != nil {
		t.Fatal(err)
	}
	cash := f.pledge(t, ctx, d.ID, domain.KindCash, 300_000)
	kind := f.pledge(t, ctx, d.ID, domain.KindInKind, 50_000)
	if cash, err = f.svc.ConfirmDeposit(federation, deposit(cash.ID, "BANK-"+subject, 300_000, f.clock.Now().Add(-time.Minute))); err != nil {
		t.Fatal(err)
	}
	if cash.ReceiptNumber == "" {
		t.Fatalf("no receipt: %+v", cash)
	}
	return ctx, d, cash, kind
}

func itemValues(items []personaldata.Item) map[string]string {
	out := map[string]string{}
	for _, it := range items {
		out[it.Category+"/"+it.RecordID+"/"+it.Field] = it.Value
	}
	return out
}

// Who may export and erase a donor's data: its own account, the organizer with the subject's request as
// reason; nobody else.
func TestDonorPersonalDataSubjectRules(t *testing.T) {
	f := setup(t)
	owner, d, cash, kind := f.person(t, "person-1")

	e, err := f.svc.ExportDonorData(owner, app.ExportDonorData{DonorID: d.ID})
	if err != nil {
		t.Fatal(err)
	}
	got := itemValues(e.Items)
	for k, want := range map[string]string{"donor/" + d.ID + "/name": personName, "donor/" + d.ID + "/id_number": personID,
		"donor/" + d.ID + "/contact_phone": personPhone, "donor/" + d.ID + "/owner_subject": "person-1",
		"pledge/" + cash.ID + "/amount_fen": "300000", "pledge/" + cash.ID + "/receipt_number": cash.ReceiptNumber,
		"pledge/" + cash.ID + "/bank_reference": "BANK-person-1", "pledge/" + kind.ID + "/amount_fen": "50000",
		"pledge/" + kind.ID + "/application_id": f.app} {
		if got[k] != want {
			t.Errorf("export %s = %q, want %q", k, got[k], want)
		}
	}
	if e.Erased || e.SubjectKind != personaldata.Donor || e.SubjectID != d.ID {
		t.Errorf("export %+v", e)
	}

	if _, err := f.svc.ExportDonorData(organizer, app.ExportDonorData{DonorID: d.ID}); reason(err) != "PERSONAL_DATA_REASON_REQUIRED" {
		t.Fatalf("organizer without reason: %v", err)
	}
	if _, err := f.svc.EraseDonorData(organizer, app.EraseDonorData{DonorID: d.ID, Reason: " "}); reason(err) != "PERSONAL_DATA_REASON_REQUIRED" {
		t.Fatalf("organizer erases without reason: %v", err)
	}
	f.clock.Add(time.Second) // the trail lists newest first
	if _, err := f.svc.ExportDonorData(organizer, app.ExportDonorData{DonorID: d.ID, Reason: "来函 2026-21"}); err != nil {
		t.Fatalf("organizer with reason: %v", err)
	}
	other, _ := f.donor(t, "person-2")
	for name, who := range map[string]context.Context{"another donor": other, "operator": operator, "federation": federation,
		"a token bound to another donor": authzAsDonor("person-3", ""), "auditor": as("auditor", identity.Auditor)} {
		if _, err := f.svc.ExportDonorData(who, app.ExportDonorData{DonorID: d.ID, Reason: "x"}); !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("%s exports: %v", name, err)
		}
		if _, err := f.svc.EraseDonorData(who, app.EraseDonorData{DonorID: d.ID, Reason: "x"}); !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("%s erases: %v", name, err)
		}
	}
	// A token bound to the donor acts for it, as GetDonor lets it.
	if _, err := f.svc.ExportDonorData(authzAsDonor("person-4", d.ID), app.ExportDonorData{DonorID: d.ID}); err != nil {
		t.Errorf("a token bound to the donor exports: %v", err)
	}
	if _, err := f.svc.ListPersonalDataRequests(owner, personaldata.Filter{Limit: 10}); !errors.Is(err, errs.ErrPermissionDenied) {
		t.Errorf("the donor lists the audit trail: %v", err)
	}
	if _, err := f.svc.ListPersonalDataRequests(organizer, personaldata.Filter{SubjectID: "nope", Limit: 10}); reason(err) == "" {
		t.Errorf("a malformed subject ID is accepted")
	}
	list, err := f.svc.ListPersonalDataRequests(as("auditor", identity.Auditor), personaldata.Filter{SubjectID: d.ID, Limit: 10})
	if err != nil || len(list) != 3 || list[2].RequestedBy != "person-1" || list[2].Values != len(e.Items) || list[2].Action != personaldata.Export {
		t.Fatalf("audit trail %+v %v", list, err)
	}
}

// authzAsDonor is the context of a donor user whose token is bound to donorID.
func authzAsDonor(subject, donorID string) context.Context {
	return identity.With(context.Background(), identity.Identity{Subject: subject, Roles: []identity.Role{identity.Donor}, DonorID: donorID})
}

// An erasure leaves no plaintext, masked copy or ciphertext of the person's values in the schema; the donor
// stays readable in its erased state; its pledges keep amounts, receipt numbers and references, the ledger and
// its chains still verify; the donor pledges no more; retrying or repeating the erasure is harmless.
func TestEraseDonorData(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	owner, d, cash, kind := f.person(t, "person-1")
	later := f.pledge(t, owner, d.ID, domain.KindCash, 20_000) // deposited after the erasure
	var idSealed, phoneSealed []byte
	if err := f.pool.QueryRow(ctx, `SELECT id_number_sealed, phone_sealed FROM donors WHERE id = $1`, d.ID).Scan(&idSealed, &phoneSealed); err != nil ||
		len(idSealed) == 0 || len(phoneSealed) == 0 {
		t.Fatalf("sealed values: %v", err)
	}
	secrets := [][]byte{[]byte(personName), []byte(personID), []byte(personMasked), []byte(personPhone), []byte(personPhMask), idSealed, phoneSealed}
	if got := holding(t, f.pool, secrets...); len(got) != 1 || got[0] != "donors" {
		t.Fatalf("before the erasure the values are in %v", got)
	}

	f.clock.Add(time.Minute)
	er, err := f.svc.EraseDonorData(owner, app.EraseDonorData{Key: key("erase-1"), DonorID: d.ID})
	if err != nil {
		t.Fatal(err)
	}
	if er.Values != 3 || er.SubjectKind != personaldata.Donor || len(er.Retained) < 3 {
		t.Errorf("erasure %+v", er)
	}
	if got := holding(t, f.pool, secrets...); len(got) != 0 {
		t.Fatalf("after the erasure the values are still in %v", got)
	}
	again, err := f.svc.EraseDonorData(owner, app.EraseDonorData{Key: key("erase-1"), DonorID: d.ID})
	if err != nil || again.Values != er.Values || !again.At.Equal(er.At) {
		t.Fatalf("retry: %+v %v", again, err)
	}
	f.clock.Add(time.Second)
	more, err := f.svc.EraseDonorData(organizer, app.EraseDonorData{DonorID: d.ID, Reason: "来函 2026-22"})
	if err != nil || more.Values != 0 {
		t.Fatalf("erasing again: %+v %v", more, err)
	}

	for name, who := range map[string]context.Context{"owner": owner, "federation": federation} {
		got, err := f.svc.GetDonor(who, d.ID)
		if err != nil || got.Name != domain.ErasedName || got.IDNumber != "" || got.ContactPhone != "" || !got.Erased() {
			t.Errorf("%s reads the erased donor: %+v %v", name, got, err)
		}
	}
	for _, want := range []domain.Pledge{cash, kind} {
		p, err := f.svc.GetPledge(owner, want.ID)
		if err != nil || p.AmountFen != want.AmountFen || p.ReceiptNumber != want.ReceiptNumber || p.BankReference != want.BankReference ||
			p.AgreementRef != want.AgreementRef || p.DonorID != d.ID || p.State != want.State {
			t.Errorf("pledge after the erasure: %+v %v, want %+v", p, err, want)
		}
	}
	v, err := f.svc.VerifyLedger(federation)
	if err != nil || !v.Balanced || len(v.ChainBreaks) != 0 || len(v.Mismatches) != 0 {
		t.Fatalf("ledger after the erasure: %+v %v", v, err)
	}

	_, err = f.svc.CreatePledge(owner, app.CreatePledge{DonorID: d.ID, ApplicationID: f.app, AmountFen: 100, Kind: domain.KindCash, AgreementRef: "AG-2"})
	if e, ok := errs.As(err); !ok || e.Reason != "PERSONAL_DATA_ERASED" || e.Kind != errs.FailedPrecondition {
		t.Fatalf("an erased donor pledges: %v", err)
	}
	// A pledge made before the erasure is still honoured, with a receipt.
	if p, err := f.svc.ConfirmDeposit(federation, deposit(later.ID, "BANK-X", 20_000, f.clock.Now())); err != nil || p.ReceiptNumber == "" {
		t.Errorf("a pledge of the erased donor deposited: %+v %v", p, err)
	}

	f.clock.Add(time.Second)
	e, err := f.svc.ExportDonorData(owner, app.ExportDonorData{DonorID: d.ID})
	if err != nil || !e.Erased {
		t.Fatalf("export after the erasure: %+v %v", e, err)
	}
	for _, it := range e.Items {
		if it.Category == "donor" && it.Field != "owner_subject" {
			t.Errorf("export after the erasure holds %+v", it)
		}
	}
	if got := itemValues(e.Items)["pledge/"+cash.ID+"/receipt_number"]; got != cash.ReceiptNumber {
		t.Errorf("the export lost the receipt number: %q", got)
	}

	list, err := f.svc.ListPersonalDataRequests(organizer, personaldata.Filter{SubjectID: d.ID, Limit: 2})
	if err != nil || len(list) != 2 || list[0].Action != personaldata.Export || list[1].Action != personaldata.Erase || list[1].Reason != "来函 2026-22" {
		t.Fatalf("audit trail page 1: %+v %v", list, err)
	}
	next, err := f.svc.ListPersonalDataRequests(organizer, personaldata.Filter{SubjectID: d.ID, Limit: 2, BeforeTime: list[1].At, BeforeID: list[1].ID})
	if err != nil || len(next) != 1 || next[0].Action != personaldata.Erase || next[0].Values != 3 || next[0].RequestedBy != "person-1" {
		t.Fatalf("audit trail page 2: %+v %v", next, err)
	}
	if _, err := f.pool.Exec(ctx, `UPDATE personal_data_requests SET reason = ''`); err == nil {
		t.Error("the audit trail was changed")
	}
}

// A retried registration answers with the erased donor: its stored answer is the donor's ID, never its data.
func TestDonorRegistrationRetriedAfterErasure(t *testing.T) {
	f := setup(t)
	owner, d, _, _ := f.person(t, "person-1")
	if _, err := f.svc.EraseDonorData(owner, app.EraseDonorData{DonorID: d.ID}); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.CreateDonor(owner, app.CreateDonor{Key: key("donor-person-1"), Name: personName, Kind: domain.DonorIndividual, IDNumber: personID,
		ContactPhone: personPhone})
	if err != nil || got.ID != d.ID || got.Name != domain.ErasedName || got.IDNumber != "" {
		t.Fatalf("registration retried: %+v %v", got, err)
	}
	if found := holding(t, f.pool, []byte(personName), []byte(personID), []byte(personPhone)); len(found) != 0 {
		t.Fatalf("the retry stored the values again in %v", found)
	}
}
