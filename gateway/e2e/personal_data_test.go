package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The people of TestPersonalData: made-up names found nowhere else, phones of nobody else in the suite, and
// resident IDs of regions that do not exist (check digits by GB 11643-1999, computed as ids_test.go says).
const (
	pdIndividualName  = "上官测试丙"
	pdIndividualID    = "99010119900909005X"
	pdIndividualPhone = "13500003333"
	pdDonorName       = "令狐测试丁"
	pdDonorID         = "990101198505050044"
	pdDonorPhone      = "13500004444"
)

// sealedOf reads two sealed columns of one row straight from the database.
func sealedOf(t *testing.T, s *Suite, table, id string) [][]byte {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var idNumber, phone []byte
	if err := conn.QueryRow(ctx, `SELECT id_number_sealed, phone_sealed FROM `+table+` WHERE id = $1`, id).Scan(&idNumber, &phone); err != nil {
		t.Fatal(err)
	}
	if len(idNumber) == 0 || len(phone) == 0 {
		t.Fatalf("%s %s: nothing sealed", table, id)
	}
	return [][]byte{idNumber, phone}
}

// exported reads an export's items as category/field → values.
func exported(t *testing.T, body map[string]any) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	items, _ := body["items"].([]any)
	for _, x := range items {
		it := x.(map[string]any)
		k := str(it["category"]) + "/" + str(it["field"])
		out[k] = append(out[k], str(it["value"]))
	}
	return out
}

// trail lists the actions of the personal-data audit trail about subject, newest first.
func trail(t *testing.T, s *Suite, token, path, subject string) []string {
	t.Helper()
	st, body := s.Do("GET", path+"?subject_id="+subject, token, nil)
	expect(t, "audit trail "+path, st, body, 200, "")
	var out []string
	list, _ := body["requests"].([]any)
	for _, x := range list {
		r := x.(map[string]any)
		if r["subjectId"] != subject {
			t.Fatalf("trail of %s lists %v", subject, r)
		}
		out = append(out, str(r["action"]))
	}
	return out
}

// TestPersonalData walks the data subject's rights (PIPL) for an individual applicant and a donor who is a
// person: each exports everything stored about them, an organizer does so only with the subject's request
// as reason, nobody else can; an erasure leaves no plaintext, masked copy or ciphertext of the person anywhere
// in the suite's database while the money records keep their amounts and receipt numbers.
func TestPersonalData(t *testing.T) {
	t.Parallel() // each test runs its own suite: their waits overlap
	s := Start(t)
	auditor := s.Token("pd-auditor", []string{"AUDITOR"}, "")
	federation := s.Token("pd-federation", []string{"CHARITY_FEDERATION"}, "")

	// A donor who is a person pledges to a shortlisted application in PROMOTION; the federation confirms the
	// deposit, so a receipt exists.
	w := newReviewRound(t, s, 1, 1)
	organizer := w.organizer
	w.publishShortlist(t, func(m, a int) int { return 70 + a })
	st, body := w.advance(t, "PHASE_PUBLICITY")
	expect(t, "publicity", st, body, 200, "")
	time.Sleep(publicityPeriod + 200*time.Millisecond)
	st, body = w.advance(t, "PHASE_PROMOTION")
	expect(t, "promotion", st, body, 200, "")
	donor := donorToken(t, s, "pd-donor", "")
	st, d := s.Do("POST", "/v1/donors", donor, map[string]any{"name": pdDonorName, "kind": "DONOR_KIND_INDIVIDUAL", "id_number": pdDonorID,
		"contact_phone": pdDonorPhone, "request_id": requestID()})
	expect(t, "register donor", st, d, 200, "")
	donorID := str(d["id"])
	st, pledge := s.Do("POST", "/v1/pledges", donor, map[string]any{"donor_id": donorID, "application_id": w.apps[0], "amount_fen": 500_000,
		"kind": "PLEDGE_KIND_CASH", "agreement_ref": "AG-PD-1", "request_id": requestID()})
	expect(t, "pledge", st, pledge, 200, "")
	pledgeID := str(pledge["id"])
	st, pledge = s.Do("POST", "/v1/pledges/"+pledgeID+":confirmDeposit", federation, map[string]any{"bank_reference": "ICBC-PD-0001",
		"amount_fen": 500_000, "deposited_at": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339Nano), "request_id": requestID()})
	expect(t, "confirm deposit", st, pledge, 200, "")
	receipt := str(pledge["receiptNumber"])
	if receipt == "" || receipt == "<nil>" {
		t.Fatalf("no receipt: %v", pledge)
	}

	// An individual applicant registers with a phone and drafts and submits an application naming itself in
	// the team, in a round open for applications.
	st, round := s.Do("POST", "/v1/rounds", organizer, map[string]any{"name": "2027年度公益创投", "year": 2027, "notice": roundNotice(),
		"policy": map[string]any{"submission_deadline": time.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano), "publicity_period": "2s",
			"shortlist_quota": 3, "selection_quota": 2}})
	expect(t, "create round", st, round, 200, "")
	roundID := str(round["id"])
	st, body = s.Do("POST", "/v1/rounds/"+roundID+":advance", organizer, map[string]any{"phase": "PHASE_SOLICITATION"})
	expect(t, "publish round", st, body, 200, "")
	applicant := s.Token("pd-applicant", []string{"APPLICANT"}, "")
	st, o := s.Do("POST", "/v1/organizations", applicant, map[string]any{"name": pdIndividualName, "kind": "ORGANIZATION_KIND_INDIVIDUAL",
		"id_number": pdIndividualID, "contact_phone": pdIndividualPhone, "request_id": requestID()})
	expect(t, "register individual", st, o, 200, "")
	orgID := str(o["id"])
	draft := application(orgID, "Neighbourhood reading corner")
	draft["team"] = []any{map[string]any{"name": pdIndividualName, "role": "lead", "qualification": "retired teacher"}}
	draft["request_id"] = requestID()
	st, a := s.Do("POST", "/v1/rounds/"+roundID+"/applications", applicant, draft)
	expect(t, "draft", st, a, 200, "")
	appID := str(a["id"])
	st, a = s.Do("POST", "/v1/applications/"+appID+":submit", applicant, map[string]any{"etag": a["etag"], "request_id": requestID()})
	expect(t, "submit", st, a, 200, "")

	// Export: the owner gets every value in clear; an organizer only with a reason; nobody else.
	orgExport := "/v1/organizations/" + orgID + ":exportPersonalData"
	st, body = s.Do("POST", orgExport, applicant, map[string]any{})
	expect(t, "applicant exports", st, body, 200, "")
	got := exported(t, body)
	for k, want := range map[string]string{"organization/name": pdIndividualName, "organization/id_number": pdIndividualID,
		"organization/contact_phone": pdIndividualPhone, "application/team[0].name": pdIndividualName,
		"application_revision/team[0].name": pdIndividualName} {
		if len(got[k]) != 1 || got[k][0] != want {
			t.Errorf("applicant's export %s = %v, want %s (export %v)", k, got[k], want, got)
		}
	}
	if body["subjectKind"] != "SUBJECT_KIND_ORGANIZATION_CONTACT" || body["erased"] == true {
		t.Errorf("applicant's export: %v", body)
	}
	st, body = s.Do("POST", orgExport, organizer, map[string]any{})
	expect(t, "organizer exports without reason", st, body, 400, "PERSONAL_DATA_REASON_REQUIRED")
	st, body = s.Do("POST", orgExport, organizer, map[string]any{"reason": "市民来函 2026-31"})
	expect(t, "organizer exports with reason", st, body, 200, "")
	if got := exported(t, body)["organization/id_number"]; len(got) != 1 || got[0] != pdIndividualID {
		t.Errorf("organizer's export: %v", body)
	}
	st, body = s.Do("POST", orgExport, s.Token("pd-other", []string{"APPLICANT"}, ""), map[string]any{"reason": "curious"})
	expect(t, "another applicant exports", st, body, 404, "NOT_FOUND")
	st, body = s.Do("POST", orgExport, w.operator, map[string]any{"reason": "curious"})
	expect(t, "an operator exports", st, body, 403, "PERMISSION_DENIED")

	donorExport := "/v1/donors/" + donorID + ":exportPersonalData"
	st, body = s.Do("POST", donorExport, donor, map[string]any{})
	expect(t, "donor exports", st, body, 200, "")
	got = exported(t, body)
	for k, want := range map[string]string{"donor/name": pdDonorName, "donor/id_number": pdDonorID, "donor/contact_phone": pdDonorPhone,
		"pledge/receipt_number": receipt, "pledge/amount_fen": "500000"} {
		if len(got[k]) != 1 || got[k][0] != want {
			t.Errorf("donor's export %s = %v, want %s", k, got[k], want)
		}
	}
	st, body = s.Do("POST", donorExport, organizer, map[string]any{})
	expect(t, "organizer exports a donor without reason", st, body, 400, "PERSONAL_DATA_REASON_REQUIRED")
	st, body = s.Do("POST", donorExport, organizer, map[string]any{"reason": "市民来函 2026-32"})
	expect(t, "organizer exports a donor with reason", st, body, 200, "")
	st, body = s.Do("POST", donorExport, donorToken(t, s, "pd-other-donor", ""), map[string]any{})
	expect(t, "another donor exports", st, body, 404, "NOT_FOUND")
	st, body = s.Do("POST", donorExport, federation, map[string]any{"reason": "curious"})
	expect(t, "the federation exports", st, body, 403, "PERMISSION_DENIED")

	// Erasure: read the ciphertexts first, then erase; nothing of either person is left anywhere.
	secrets := [][]byte{[]byte(pdIndividualName), []byte(pdIndividualID), []byte(pdIndividualPhone), []byte("135****3333"), []byte("990101********005X"),
		[]byte(pdDonorName), []byte(pdDonorID), []byte(pdDonorPhone), []byte("135****4444"), []byte("990101********0044")}
	secrets = append(secrets, sealedOf(t, s, "applications.organizations", orgID)...)
	secrets = append(secrets, sealedOf(t, s, "donations.donors", donorID)...)
	if found := s.Holding(secrets...); len(found) < 3 {
		t.Fatalf("before the erasure the values are in %v only", found)
	}
	eraseKey := requestID()
	st, orgErased := s.Do("POST", "/v1/organizations/"+orgID+":erasePersonalData", applicant, map[string]any{"request_id": eraseKey})
	expect(t, "applicant erases", st, orgErased, 200, "")
	if n, _ := orgErased["erasedValues"].(float64); n < 3 || len(orgErased["retained"].([]any)) == 0 {
		t.Errorf("organisation erasure: %v", orgErased)
	}
	st, body = s.Do("POST", "/v1/donors/"+donorID+":erasePersonalData", organizer, map[string]any{})
	expect(t, "organizer erases a donor without reason", st, body, 400, "PERSONAL_DATA_REASON_REQUIRED")
	st, donorErased := s.Do("POST", "/v1/donors/"+donorID+":erasePersonalData", organizer, map[string]any{"reason": "市民来函 2026-33", "request_id": requestID()})
	expect(t, "organizer erases a donor", st, donorErased, 200, "")
	if found := s.Holding(secrets...); len(found) != 0 {
		t.Fatalf("after the erasure the values are still in %v", found)
	}

	// The money records keep their amounts and receipt numbers; the records still read, in their erased state.
	st, body = s.Do("GET", "/v1/pledges/"+pledgeID, federation, nil)
	expect(t, "pledge after the erasure", st, body, 200, "")
	if str(body["amountFen"]) != "500000" || body["receiptNumber"] != receipt || body["donorId"] != donorID || body["bankReference"] != "ICBC-PD-0001" {
		t.Errorf("pledge after the erasure: %v", body)
	}
	st, body = s.Do("GET", "/v1/ledger:verify", federation, nil)
	expect(t, "verify the ledger", st, body, 200, "")
	if body["balanced"] != true {
		t.Errorf("ledger after the erasure: %v", body)
	}
	st, body = s.Do("GET", "/v1/donors/"+donorID, donor, nil)
	expect(t, "donor reads itself", st, body, 200, "")
	if body["name"] != "已删除的个人信息" || body["idNumber"] != "" || body["contactPhone"] != "" {
		t.Errorf("erased donor: %v", body)
	}
	st, body = s.Do("GET", "/v1/organizations/"+orgID, applicant, nil)
	expect(t, "applicant reads its organisation", st, body, 200, "")
	if body["name"] != "已删除的个人信息" || body["idNumber"] != "" || body["contactPhone"] != "" {
		t.Errorf("erased organisation: %v", body)
	}
	st, body = s.Do("GET", "/v1/applications/"+appID, applicant, nil)
	expect(t, "applicant reads its application", st, body, 200, "")
	if team := body["team"].([]any); team[0].(map[string]any)["name"] != "已删除的个人信息" || body["status"] != a["status"] {
		t.Errorf("application after the erasure: %v", body)
	}
	st, body = s.Do("POST", orgExport, applicant, map[string]any{})
	expect(t, "export after the erasure", st, body, 200, "")
	if body["erased"] != true || len(exported(t, body)["organization/id_number"]) != 0 {
		t.Errorf("export after the erasure: %v", body)
	}

	// Neither person acts any more; erasing again is harmless.
	st, body = s.Do("POST", "/v1/rounds/"+roundID+"/applications", applicant, application(orgID, "Another project"))
	expect(t, "an erased applicant applies", st, body, 412, "PERSONAL_DATA_ERASED")
	st, body = s.Do("POST", "/v1/pledges", donor, map[string]any{"donor_id": donorID, "application_id": w.apps[0], "amount_fen": 100,
		"kind": "PLEDGE_KIND_CASH", "agreement_ref": "AG-PD-2"})
	expect(t, "an erased donor pledges", st, body, 412, "PERSONAL_DATA_ERASED")
	st, body = s.Do("POST", "/v1/organizations/"+orgID+":erasePersonalData", applicant, map[string]any{"request_id": eraseKey})
	expect(t, "the erasure retried", st, body, 200, "")
	if body["eraseTime"] != orgErased["eraseTime"] || body["erasedValues"] != orgErased["erasedValues"] {
		t.Errorf("retried erasure answered %v, first %v", body, orgErased)
	}
	st, body = s.Do("POST", "/v1/donors/"+donorID+":erasePersonalData", donor, map[string]any{})
	expect(t, "the donor erases again", st, body, 200, "")
	if body["erasedValues"] != float64(0) {
		t.Errorf("a second erasure removed %v values", body["erasedValues"])
	}

	// The audit trails: the organizer's and the auditors', not the subjects'.
	if got := trail(t, s, auditor, "/v1/personalDataRequests/organizations", orgID); len(got) != 4 ||
		got[0] != "PERSONAL_DATA_ACTION_EXPORT" || got[1] != "PERSONAL_DATA_ACTION_ERASE" || got[3] != "PERSONAL_DATA_ACTION_EXPORT" {
		t.Errorf("organisation trail %v, want export, erase, export, export (newest first)", got)
	}
	if got := trail(t, s, organizer, "/v1/personalDataRequests/donors", donorID); len(got) != 4 ||
		got[0] != "PERSONAL_DATA_ACTION_ERASE" || got[1] != "PERSONAL_DATA_ACTION_ERASE" || got[2] != "PERSONAL_DATA_ACTION_EXPORT" {
		t.Errorf("donor trail %v, want erase, erase, export, export (newest first)", got)
	}
	st, body = s.Do("GET", "/v1/personalDataRequests/donors", donor, nil)
	expect(t, "a donor reads the trail", st, body, 403, "PERMISSION_DENIED")
	if found := s.Holding(secrets...); len(found) != 0 {
		t.Fatalf("at the end the values are in %v", found)
	}
}
