package app_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/personaldata"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// itemValues maps "category.field" to the values of an export's items.
func itemValues(items []personaldata.Item) map[string][]string {
	out := map[string][]string{}
	for _, it := range items {
		out[it.Category+"."+it.Field] = append(out[it.Category+"."+it.Field], it.Value)
	}
	return out
}

// A voter exports its data with its token, an organizer by phone with a reason; the erasure removes the
// phone's HMAC, codes, tokens, networks, complaint contacts and stored answers in one go while the votes stay
// counted; both are in the audit trail.
func TestVoterExportAndErasure(t *testing.T) {
	f := setup(t, nil, nil)
	f.inPublicity(t)
	round := f.apps.round.ID
	const phone = "13900000041"
	token := f.voterToken(t, phone)
	c, err := f.svc.CreateComplaint(anyone, app.CreateComplaint{Key: idempotency.Key{RequestID: "c-1", Fingerprint: []byte("c")}, VoterToken: token,
		RoundID: round, ApplicationID: f.B, Content: "the budget is padded", Contact: "wechat li-lei-41"})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Hour)
	f.apps.setPhase(domain.PhasePromotion, f.clock.Now())
	fromNet := identity.WithClientNetwork(anyone, "203.0.113.0/24")
	v, err := f.svc.CastVote(fromNet, app.CastVote{Key: idempotency.Key{RequestID: "v-1", Fingerprint: []byte("v")}, VoterToken: token, RoundID: round, ApplicationID: f.A})
	if err != nil {
		t.Fatal(err)
	}
	f.vote(t, "13900000042", f.A) // another voter, untouched by the erasure

	_, err = f.svc.ExportVoterData(anyone, app.VoterDataRequest{})
	mustErr(t, "export without token", err, domain.ErrVoterTokenInvalid)
	_, err = f.svc.ExportVoterData(anyone, app.VoterDataRequest{Phone: phone, Reason: "REQ-1"})
	mustErr(t, "export by phone, not an organizer", err, errs.ErrPermissionDenied)
	_, err = f.svc.ExportVoterData(organizer, app.VoterDataRequest{Phone: phone})
	mustErr(t, "organizer export without reason", err, personaldata.ErrReasonRequired)

	own, err := f.svc.ExportVoterData(anyone, app.VoterDataRequest{VoterToken: token})
	if err != nil {
		t.Fatal(err)
	}
	got := itemValues(own.Items)
	want := map[string]string{"vote.application_id": f.A, "vote.client_network": "203.0.113.0/24", "complaint.contact": "wechat li-lei-41",
		"complaint.content": "the budget is padded", "vote.round_id": round}
	for k, w := range want {
		if fmt.Sprint(got[k]) != "["+w+"]" {
			t.Errorf("export %s = %v, want [%s]", k, got[k], w)
		}
	}
	if own.SubjectKind != personaldata.Voter || own.SubjectID == "" || len(got["voter.phone"]) != 0 || len(got["voter_code.expire_time"]) != 1 ||
		len(got["voter_token.expire_time"]) != 1 || own.Erased {
		t.Fatalf("the voter's own export: %+v", own)
	}
	f.clock.Add(time.Minute) // the audit trail lists newest first
	byOrg, err := f.svc.ExportVoterData(organizer, app.VoterDataRequest{Phone: phone, Reason: "REQ-1"})
	if err != nil || byOrg.SubjectID != own.SubjectID || fmt.Sprint(itemValues(byOrg.Items)["voter.phone"]) != "["+phone+"]" {
		t.Fatalf("organizer's export: %+v %v", byOrg, err)
	}
	_, err = f.svc.ExportVoterData(organizer, app.VoterDataRequest{Phone: "13900000049", Reason: "REQ-2"})
	mustErr(t, "export of an unknown phone", err, errs.ErrNotFound)

	before, _ := f.svc.Tallies(anyone, round)
	f.clock.Add(time.Minute)
	key := idempotency.Key{RequestID: "erase-1", Fingerprint: []byte("erase")}
	e, err := f.svc.EraseVoterData(anyone, app.VoterDataRequest{Key: key, VoterToken: token})
	// phone HMAC, 1 code, 1 token, 1 network, 1 contact, 1 complaint link, 2 stored answers (vote and complaint)
	if err != nil || e.SubjectID != own.SubjectID || e.Values != 8 || len(e.Retained) == 0 || e.Retained[0] != "1 votes stay counted, anonymous" {
		t.Fatalf("erasure: %+v %v", e, err)
	}
	again, err := f.svc.EraseVoterData(anyone, app.VoterDataRequest{Key: key, VoterToken: token})
	if err != nil || again.Values != e.Values || !again.At.Equal(e.At) {
		t.Fatalf("retried erasure: %+v %v, want the first answer", again, err)
	}
	_, err = f.svc.EraseVoterData(anyone, app.VoterDataRequest{VoterToken: token})
	mustErr(t, "erase again with the deleted token", err, domain.ErrVoterTokenInvalid)
	_, err = f.svc.EraseVoterData(organizer, app.VoterDataRequest{Phone: phone, Reason: "REQ-3"})
	mustErr(t, "erase again by phone", err, errs.ErrNotFound)

	var n int
	if err := f.pool.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM voters WHERE id = $1 AND phone_hmac IS NOT NULL) +
		(SELECT count(*) FROM voter_tokens WHERE voter_id = $1) +
		(SELECT count(*) FROM votes WHERE voter_id = $1 AND client_network IS NOT NULL) +
		(SELECT count(*) FROM complaints WHERE id = $2 AND (contact_sealed IS NOT NULL OR voter_id IS NOT NULL)) +
		(SELECT count(*) FROM idempotency_keys WHERE request_id LIKE '%' || $1 || '%')`, e.SubjectID, c.ID).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d values left after the erasure (%v)", n, err)
	}
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM votes WHERE id = $1`, v.ID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the erased voter's vote: %d %v", n, err)
	}
	after, _ := f.svc.Tallies(anyone, round)
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("tallies changed by the erasure: %v, were %v", after, before)
	}
	// The complaint stays, without its contact; the phone can verify again as a new voter.
	cs := f.complaints(t, "")
	if len(cs) != 1 || cs[0].Content != "the budget is padded" || cs[0].Contact != "" || cs[0].VoterID != "" {
		t.Fatalf("complaint after the erasure: %+v", cs)
	}
	fresh, err := f.svc.ExportVoterData(anyone, app.VoterDataRequest{VoterToken: f.voterToken(t, phone)})
	if err != nil || fresh.SubjectID == e.SubjectID || len(itemValues(fresh.Items)["vote.round_id"]) != 0 {
		t.Fatalf("export of the phone verified again: %+v %v", fresh, err)
	}

	trail, err := f.svc.ListPersonalDataRequests(organizer, personaldata.Filter{SubjectID: e.SubjectID, Limit: 10})
	if err != nil || len(trail) != 3 || trail[0].Action != personaldata.Erase || trail[0].Values != 8 || trail[0].RequestedBy != "voter:"+e.SubjectID ||
		trail[1].Action != personaldata.Export || trail[1].RequestedBy != "organizer" || trail[1].Reason != "REQ-1" || trail[2].Action != personaldata.Export {
		t.Fatalf("audit trail: %+v %v", trail, err)
	}
	// The trail is append-only.
	if _, err := f.pool.Exec(context.Background(), `DELETE FROM personal_data_requests`); err == nil {
		t.Fatal("the audit trail was deleted")
	}
}

// An organizer erases by phone with the subject's request reference; the erasure is recorded with it.
func TestOrganizerErasesByPhone(t *testing.T) {
	f := setup(t, nil, nil)
	const phone = "13900000051"
	f.voterToken(t, phone)
	_, err := f.svc.EraseVoterData(organizer, app.VoterDataRequest{Phone: phone, Reason: "  "})
	mustErr(t, "erasure without reason", err, personaldata.ErrReasonRequired)
	_, err = f.svc.EraseVoterData(operator, app.VoterDataRequest{Phone: phone, Reason: "REQ-9"})
	if !errors.Is(err, errs.ErrPermissionDenied) {
		t.Fatalf("operator erases by phone: %v", err)
	}
	e, err := f.svc.EraseVoterData(organizer, app.VoterDataRequest{Phone: phone, Reason: "REQ-9"})
	if err != nil || e.Values != 3 { // phone HMAC, code, token
		t.Fatalf("erasure by phone: %+v %v", e, err)
	}
	trail, err := f.svc.ListPersonalDataRequests(organizer, personaldata.Filter{Limit: 10})
	if err != nil || len(trail) != 1 || trail[0].Reason != "REQ-9" || trail[0].RequestedBy != "organizer" || trail[0].Action != personaldata.Erase {
		t.Fatalf("audit trail: %+v %v", trail, err)
	}
}
