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
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/personaldata"
	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
	"github.com/commonweal/commonweal/services/applications/internal/store"
)

// The individual of these tests: a made-up resident ID (region 990101 does not exist; check digit by GB
// 11643-1999) and phone of nobody else in the fixtures.
const (
	individualName   = "欧阳测试甲"
	individualID     = "990101198001010030"
	individualMasked = "990101********0030"
	individualPhone  = "13700001111"
	individualPhMask = "137****1111"
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
			var n int
			text := string(v)
			if !utf8.Valid(v) { // a ciphertext: only in a bytea, which reads as hex
				text = hex.EncodeToString(v)
			}
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

// individual registers an individual applicant of subject (with a request ID, so its answer is stored) and
// drafts and submits an application naming the individual in its team, in a published round.
func (f *fixture) individual(t *testing.T, subject string) (domain.Organization, domain.Application, context.Context) {
	t.Helper()
	r, _ := f.published(t)
	who := as(subject, identity.Applicant)
	o, err := f.svc.CreateOrganization(who, app.CreateOrganization{Key: idempotency.Key{RequestID: "org-" + subject, Fingerprint: []byte(subject)},
		Name: individualName, Kind: domain.OrgIndividual, IDNumber: individualID, ContactPhone: individualPhone})
	if err != nil {
		t.Fatal(err)
	}
	c := content("Visits")
	c.Team = []domain.TeamMember{{Name: individualName, Role: "lead", Qualification: "social worker"}, {Name: "Li", Role: "volunteer"}}
	a, err := f.svc.CreateApplication(who, app.CreateApplication{Key: idempotency.Key{RequestID: "app-" + subject, Fingerprint: []byte(subject)},
		RoundID: r.ID, OrgID: o.ID, Content: c})
	if err != nil {
		t.Fatal(err)
	}
	if a, err = f.svc.SubmitApplication(who, app.SubmitApplication{ApplicationID: a.ID, Etag: domain.Etag(a.ID, a.Version)}); err != nil {
		t.Fatal(err)
	}
	return o, a, who
}

func itemValues(items []personaldata.Item) map[string]string {
	out := map[string]string{}
	for _, it := range items {
		out[it.Category+"/"+it.Field] = it.Value
	}
	return out
}

// Who may export and erase: the owner, the organizer with the subject's request as reason; nobody else, and
// the organizer not without a reason. Every export is in the audit trail.
func TestPersonalDataSubjectRules(t *testing.T) {
	f := setup(t)
	o, a, owner := f.individual(t, "person-1")

	e, err := f.svc.ExportOrganizationData(owner, app.ExportOrganizationData{OrgID: o.ID})
	if err != nil {
		t.Fatal(err)
	}
	got := itemValues(e.Items)
	for k, want := range map[string]string{"organization/name": individualName, "organization/id_number": individualID,
		"organization/contact_phone": individualPhone, "organization/owner_subject": "person-1",
		"application/team[0].name": individualName, "application_revision/team[0].name": individualName} {
		if got[k] != want {
			t.Errorf("export %s = %q, want %q (export %v)", k, got[k], want, got)
		}
	}
	if e.Erased || e.SubjectID != o.ID || e.SubjectKind != personaldata.OrganizationContact {
		t.Errorf("export %+v", e)
	}
	for _, it := range e.Items {
		if it.Category == "application" && it.RecordID != a.ID {
			t.Errorf("application item of record %s, want %s", it.RecordID, a.ID)
		}
	}

	_, err = f.svc.ExportOrganizationData(organizer, app.ExportOrganizationData{OrgID: o.ID, Reason: "  "})
	if e, ok := errs.As(err); !ok || e.Reason != "PERSONAL_DATA_REASON_REQUIRED" {
		t.Fatalf("organizer without reason: %v", err)
	}
	if _, err := f.svc.EraseOrganizationData(organizer, app.EraseOrganizationData{OrgID: o.ID}); !errors.Is(err, personaldata.ErrReasonRequired) {
		t.Fatalf("organizer erases without reason: %v", err)
	}
	f.clock.Add(time.Second) // the trail lists newest first
	if _, err := f.svc.ExportOrganizationData(organizer, app.ExportOrganizationData{OrgID: o.ID, Reason: "来函 2026-17"}); err != nil {
		t.Fatalf("organizer with reason: %v", err)
	}
	for name, who := range map[string]context.Context{"another applicant": as("person-2", identity.Applicant), "operator": operator,
		"auditor": as("auditor", identity.Auditor)} {
		if _, err := f.svc.ExportOrganizationData(who, app.ExportOrganizationData{OrgID: o.ID, Reason: "x"}); !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("%s exports: %v", name, err)
		}
		if _, err := f.svc.EraseOrganizationData(who, app.EraseOrganizationData{OrgID: o.ID, Reason: "x"}); !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("%s erases: %v", name, err)
		}
	}
	if _, err := f.svc.ListPersonalDataRequests(owner, personaldata.Filter{Limit: 10}); !errors.Is(err, errs.ErrPermissionDenied) {
		t.Errorf("the owner lists the audit trail: %v", err)
	}
	list, err := f.svc.ListPersonalDataRequests(as("auditor", identity.Auditor), personaldata.Filter{SubjectID: o.ID, Limit: 10})
	if err != nil || len(list) != 2 {
		t.Fatalf("audit trail: %+v %v, want the two exports", list, err)
	}
	if list[0].RequestedBy != "organizer" || list[0].Reason != "来函 2026-17" || list[1].RequestedBy != "person-1" || list[1].Action != personaldata.Export ||
		list[1].Values != len(e.Items) {
		t.Errorf("audit trail %+v", list)
	}
	// Refused attempts change nothing, and the trail is append-only.
	if _, err := f.pool.Exec(context.Background(), `DELETE FROM personal_data_requests`); err == nil {
		t.Error("the audit trail was deleted from")
	}
}

// An erasure leaves no plaintext, masked copy or ciphertext of the person's values anywhere in the schema
// (the organisation, the applications' content, revisions, the stored answers of the registration and the
// draft); the organisation and its application stay readable and show the erased state; the organisation can
// no longer apply; retrying or repeating the erasure is harmless.
func TestEraseOrganizationData(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	o, a, owner := f.individual(t, "person-1")
	var idSealed, phoneSealed []byte
	if err := f.pool.QueryRow(ctx, `SELECT id_number_sealed, phone_sealed FROM organizations WHERE id = $1`, o.ID).Scan(&idSealed, &phoneSealed); err != nil ||
		len(idSealed) == 0 || len(phoneSealed) == 0 {
		t.Fatalf("sealed values %x %x: %v", idSealed, phoneSealed, err)
	}
	secrets := [][]byte{[]byte(individualName), []byte(individualID), []byte(individualMasked), []byte(individualPhone), []byte(individualPhMask), idSealed, phoneSealed}
	if got := holding(t, f.pool, secrets...); len(got) < 4 {
		t.Fatalf("before the erasure the values are in %v; want organizations, applications, application_revisions, idempotency_keys", got)
	}

	key := idempotency.Key{RequestID: "erase-1", Fingerprint: []byte("erase")}
	f.clock.Add(time.Minute)
	er, err := f.svc.EraseOrganizationData(owner, app.EraseOrganizationData{Key: key, OrgID: o.ID})
	if err != nil {
		t.Fatal(err)
	}
	// name, ID number, phone; the team member in the content and the revision; name and two masked numbers in
	// the registration's stored answer; the team member in the draft's stored answer.
	if er.Values != 3+2+3+1 || len(er.Retained) == 0 || er.SubjectID != o.ID {
		t.Errorf("erasure %+v", er)
	}
	if got := holding(t, f.pool, secrets...); len(got) != 0 {
		t.Fatalf("after the erasure the values are still in %v", got)
	}

	again, err := f.svc.EraseOrganizationData(owner, app.EraseOrganizationData{Key: key, OrgID: o.ID})
	if err != nil || !sameJSON(t, again, er) {
		t.Fatalf("retry: %+v %v", again, err)
	}
	f.clock.Add(time.Second)
	more, err := f.svc.EraseOrganizationData(organizer, app.EraseOrganizationData{OrgID: o.ID, Reason: "来函 2026-18"})
	if err != nil || more.Values != 0 {
		t.Fatalf("erasing again: %+v %v", more, err)
	}

	got, err := f.svc.GetOrganization(owner, o.ID)
	if err != nil || got.Name != domain.ErasedName || got.IDNumber != "" || got.ContactPhone != "" || !got.Erased() {
		t.Fatalf("the erased organisation reads %+v %v", got, err)
	}
	if masked, err := f.svc.GetOrganization(operator, o.ID); err != nil || masked.IDNumber != "" || masked.ContactPhone != "" {
		t.Fatalf("staff read %+v %v", masked, err)
	}
	view, err := f.svc.GetApplication(owner, a.ID)
	if err != nil || view.Application.Content.Team[0].Name != domain.ErasedName || view.Application.Content.Team[1].Name != "Li" ||
		view.Application.Content.BudgetTotalFen() != a.Content.BudgetTotalFen() || view.Application.Status != a.Status {
		t.Fatalf("the application after the erasure: %+v %v", view.Application, err)
	}
	// The registration retried answers with what is left.
	reg, err := f.svc.CreateOrganization(owner, app.CreateOrganization{Key: idempotency.Key{RequestID: "org-person-1", Fingerprint: []byte("person-1")},
		Name: individualName, Kind: domain.OrgIndividual, IDNumber: individualID, ContactPhone: individualPhone})
	if err != nil || reg.ID != o.ID || reg.Name != domain.ErasedName || reg.IDNumber != "" {
		t.Fatalf("registration retried: %+v %v", reg, err)
	}

	f.clock.Add(time.Second)
	e, err := f.svc.ExportOrganizationData(owner, app.ExportOrganizationData{OrgID: o.ID})
	if err != nil || !e.Erased || len(e.Items) != 1 || e.Items[0].Field != "owner_subject" {
		t.Fatalf("export after the erasure: %+v %v", e, err)
	}

	r, _ := f.published(t)
	_, err = f.svc.CreateApplication(owner, app.CreateApplication{RoundID: r.ID, OrgID: o.ID, Content: content("Again")})
	if e, ok := errs.As(err); !ok || e.Reason != "PERSONAL_DATA_ERASED" || e.Kind != errs.FailedPrecondition {
		t.Fatalf("an erased organisation applies: %v", err)
	}

	list, err := f.svc.ListPersonalDataRequests(organizer, personaldata.Filter{SubjectID: o.ID, Limit: 10})
	if err != nil || len(list) != 3 || list[0].Action != personaldata.Export || list[1].Action != personaldata.Erase || list[1].Values != 0 ||
		list[2].Action != personaldata.Erase || list[2].Values != er.Values || list[2].RequestedBy != "person-1" {
		t.Fatalf("audit trail %+v %v", list, err)
	}

	// Moving to a new key skips the deleted values.
	old := make([]byte, sealed.KeySize)
	newer := make([]byte, sealed.KeySize)
	newer[0] = 1
	box, err := sealed.NewKeyring([]sealed.Key{{ID: "k2", Key: newer}, {ID: sealed.DefaultKeyID, Key: old}})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Reseal(ctx, f.pool, box); err != nil {
		t.Fatalf("reseal after an erasure: %v", err)
	}
	var nulls int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM organizations WHERE id = $1 AND id_number_sealed IS NULL AND phone_sealed IS NULL`, o.ID).Scan(&nulls); err != nil || nulls != 1 {
		t.Fatalf("resealed the erased values: %d %v", nulls, err)
	}
}

// A unit's erasure removes its contact's phone but keeps the unit's name, credit code and verification.
func TestEraseUnitContact(t *testing.T) {
	f := setup(t)
	_, o := f.published(t)
	er, err := f.svc.EraseOrganizationData(applicant, app.EraseOrganizationData{OrgID: o.ID})
	if err != nil || er.Values != 1 {
		t.Fatalf("erasure %+v %v", er, err)
	}
	got, err := f.svc.GetOrganization(applicant, o.ID)
	if err != nil || got.Name != "Care Centre" || got.USCC != usccCareCentre || got.ContactPhone != "" || !got.Registered || !got.Erased() {
		t.Fatalf("erased unit %+v %v", got, err)
	}
	if found := holding(t, f.pool, []byte("13812345678"), []byte("138****5678")); len(found) != 0 {
		t.Fatalf("the contact's phone is still in %v", found)
	}
}
