package app_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// inPublicity takes the fixture to a published shortlist (A, B, C shortlisted) in a PUBLICITY period of two
// days.
func (f *fixture) inPublicity(t *testing.T) {
	t.Helper()
	f.publishedShortlist(t)
	f.apps.setPhase(domain.PhasePublicity, f.clock.Now())
	f.apps.round.Policy.PublicityPeriod = 48 * time.Hour
}

// orgAccount is the context of an applicant's account of an organisation.
func orgAccount(subject, orgID string) context.Context {
	return identity.With(context.Background(), identity.Identity{Subject: subject, Roles: []identity.Role{identity.Applicant}, OrgID: orgID})
}

func complain(svc *app.Service, ctx context.Context, token, roundID, application, content string) (domain.Complaint, error) {
	return svc.CreateComplaint(ctx, app.CreateComplaint{VoterToken: token, RoundID: roundID, ApplicationID: application, Content: content})
}

func (f *fixture) complaints(t *testing.T, state domain.ComplaintState) []domain.Complaint {
	t.Helper()
	cs, err := f.svc.ListComplaints(operator, app.ComplaintFilter{RoundID: f.apps.round.ID, State: state, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func (f *fixture) openComplaints(t *testing.T) int {
	t.Helper()
	st, err := f.svc.GetRoundReviewStatus(service, f.apps.round.ID)
	if err != nil {
		t.Fatal(err)
	}
	return st.OpenComplaints
}

// A complaint needs a verified phone or an organisation's account; each complainant lodges at most the
// configured number in any 24 hours, concurrent complaints included; a retried request is not counted again.
func TestComplainantsAndTheirDailyLimit(t *testing.T) {
	f := setup(t, nil, nil)
	f.inPublicity(t)
	svc := f.with(func(c *app.Config) { c.ComplaintsPerDay = 2 })
	round := f.apps.round.ID

	for name, ctx := range map[string]context.Context{
		"anonymous":                      anyone,
		"applicant without organisation": as("applicant-1", identity.Applicant),
		"operator":                       operator,
	} {
		_, err := complain(svc, ctx, "", round, f.A, "anonymous")
		mustErr(t, name, err, domain.ErrComplainantUnverified)
	}
	_, err := complain(svc, anyone, "not-a-token", round, f.A, "unknown token")
	mustErr(t, "unknown voter token", err, domain.ErrComplainantUnverified)
	if n := len(f.complaints(t, "")); n != 0 {
		t.Fatalf("%d complaints stored after refusals", n)
	}

	voter := f.voterToken(t, "13900000011")
	key := idempotency.Key{RequestID: "complaint-1", Fingerprint: []byte("first")}
	first, err := svc.CreateComplaint(anyone, app.CreateComplaint{Key: key, VoterToken: voter, RoundID: round, ApplicationID: f.A, Content: "first"})
	if err != nil || first.ComplainantKind != domain.ComplainantVerifiedPhone || first.VoterID == "" || first.OrgID != "" {
		t.Fatalf("a voter's complaint: %+v %v", first, err)
	}
	if _, err := complain(svc, anyone, voter, round, f.B, "second"); err != nil {
		t.Fatal(err)
	}
	_, err = complain(svc, anyone, voter, round, f.C, "third")
	mustErr(t, "third complaint of one phone in a day", err, domain.ErrComplaintRateLimited)
	_, err = complain(svc, anyone, f.voterToken(t, "13900000011"), round, f.C, "third, with a new token")
	mustErr(t, "third complaint of one phone with a new token", err, domain.ErrComplaintRateLimited)
	again, err := svc.CreateComplaint(anyone, app.CreateComplaint{Key: key, VoterToken: voter, RoundID: round, ApplicationID: f.A, Content: "first"})
	if err != nil || again.ID != first.ID {
		t.Fatalf("retry of the first complaint: %+v %v, want %s", again, err, first.ID)
	}
	if _, err := complain(svc, anyone, f.voterToken(t, "13900000012"), round, f.C, "another phone"); err != nil {
		t.Fatalf("another phone: %v", err)
	}

	org := orgAccount("applicant-org-x", "org-x")
	c, err := complain(svc, org, "", round, f.A, "from an organisation")
	if err != nil || c.ComplainantKind != domain.ComplainantOrganization || c.OrgID != "org-x" || c.VoterID != "" {
		t.Fatalf("an organisation's complaint: %+v %v", c, err)
	}
	if _, err := complain(svc, orgAccount("applicant-org-x-2", "org-x"), "", round, f.B, "same organisation, other account"); err != nil {
		t.Fatal(err)
	}
	_, err = complain(svc, org, "", round, f.C, "third of the organisation")
	mustErr(t, "third complaint of one organisation in a day", err, domain.ErrComplaintRateLimited)
	if n := len(f.complaints(t, domain.ComplaintOpen)); n != 5 {
		t.Fatalf("%d open complaints, want 5", n)
	}

	// A day later the window has moved on.
	f.clock.Add(24*time.Hour + time.Minute)
	if _, err := complain(svc, anyone, f.voterToken(t, "13900000011"), round, f.C, "next day"); err != nil {
		t.Fatalf("the next day: %v", err)
	}

	// Concurrent complaints of one new phone: the lock on the complainant lets exactly the limit through.
	racer := f.voterToken(t, "13900000013")
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok, limited int
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := complain(svc, anyone, racer, round, f.A, fmt.Sprintf("race %d", i))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, domain.ErrComplaintRateLimited):
				limited++
			default:
				t.Errorf("concurrent complaint: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 2 || limited != 4 {
		t.Fatalf("concurrent complaints of one phone: %d lodged, %d limited; want 2 and 4", ok, limited)
	}
}

// Duplicates merge into an open primary about the same application, all or none; they leave the open
// complaints, and take the primary's outcome when it is resolved.
func TestMergeComplaints(t *testing.T) {
	f := setup(t, nil, nil)
	f.inPublicity(t)
	round := f.apps.round.ID
	lodge := func(phone, application, content string) domain.Complaint {
		t.Helper()
		f.clock.Add(time.Second) // complaints list oldest first
		c, err := complain(f.svc, anyone, f.voterToken(t, phone), round, application, content)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	p := lodge("13900000021", f.C, "the team list is invented")
	d1 := lodge("13900000022", f.C, "team invented")
	d2 := lodge("13900000023", f.C, "nobody on the team exists")
	other := lodge("13900000024", f.A, "budget copied")
	closed := lodge("13900000025", f.C, "late duplicate")
	if _, err := f.svc.ResolveComplaint(operator, app.ResolveComplaint{ComplaintID: closed.ID, Outcome: domain.OutcomeDismissed, Reason: "no facts"}); err != nil {
		t.Fatal(err)
	}

	merge := func(primary string, dups []string, reason string) (app.MergeResult, error) {
		return f.svc.MergeComplaints(operator, app.MergeComplaints{PrimaryID: primary, DuplicateIDs: dups, Reason: reason})
	}
	for _, c := range []struct {
		name    string
		primary string
		dups    []string
		reason  string
		err     *errs.Error
	}{
		{"no reason", p.ID, []string{d1.ID}, " ", domain.ErrReasonRequired},
		{"no duplicates", p.ID, nil, "same", domain.ErrComplaintIDsInvalid},
		{"the primary among them", p.ID, []string{d1.ID, p.ID}, "same", domain.ErrComplaintIDsInvalid},
		{"a duplicate about another application", p.ID, []string{d1.ID, other.ID}, "same", domain.ErrComplaintMismatch},
		{"a resolved duplicate", p.ID, []string{d1.ID, d2.ID, closed.ID}, "same", domain.ErrComplaintClosed},
		{"a resolved primary", closed.ID, []string{d1.ID}, "same", domain.ErrComplaintClosed},
		{"an unknown duplicate", p.ID, []string{d1.ID, ids.New()}, "same", errs.ErrNotFound},
	} {
		_, err := merge(c.primary, c.dups, c.reason)
		mustErr(t, c.name, err, c.err)
	}
	if n := f.openComplaints(t); n != 4 {
		t.Fatalf("open complaints after refused merges: %d, want 4", n)
	}

	key := idempotency.Key{RequestID: "merge-1", Fingerprint: []byte("merge")}
	res, err := f.svc.MergeComplaints(operator, app.MergeComplaints{Key: key, PrimaryID: p.ID, DuplicateIDs: []string{d1.ID, d2.ID}, Reason: "the same facts"})
	if err != nil || res.Primary.ID != p.ID || len(res.Merged) != 2 {
		t.Fatalf("merge: %+v %v", res, err)
	}
	for _, m := range res.Merged {
		if m.State != domain.ComplaintMerged || m.MergedInto != p.ID || m.MergeReason != "the same facts" {
			t.Fatalf("merged complaint: %+v", m)
		}
	}
	again, err := f.svc.MergeComplaints(operator, app.MergeComplaints{Key: key, PrimaryID: p.ID, DuplicateIDs: []string{d1.ID, d2.ID}, Reason: "the same facts"})
	if err != nil || len(again.Merged) != 2 || again.Merged[0].ID != res.Merged[0].ID {
		t.Fatalf("retried merge: %+v %v", again, err)
	}
	if n := f.openComplaints(t); n != 2 {
		t.Fatalf("open complaints after the merge: %d, want the primary and the other", n)
	}
	if ms := f.complaints(t, domain.ComplaintMerged); len(ms) != 2 || ms[0].ID != d1.ID || ms[1].ID != d2.ID {
		t.Fatalf("merged complaints listed: %+v", ms)
	}
	_, err = f.svc.ResolveComplaint(operator, app.ResolveComplaint{ComplaintID: d1.ID, Outcome: domain.OutcomeDismissed, Reason: "on its own"})
	mustErr(t, "resolve a merged complaint on its own", err, domain.ErrComplaintClosed)

	if _, err := f.svc.ResolveComplaint(operator, app.ResolveComplaint{ComplaintID: p.ID, Outcome: domain.OutcomeUpheld, Reason: "confirmed absent"}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{d1.ID, d2.ID} {
		c, err := f.svc.ListComplaints(operator, app.ComplaintFilter{RoundID: round, State: domain.ComplaintMerged, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range c {
			if m.ID == id && (m.Outcome != domain.OutcomeUpheld || m.ResolutionReason != "confirmed absent" || m.ResolvedAt.IsZero() || m.ResolvedBy != "operator") {
				t.Fatalf("duplicate after the primary was upheld: %+v", m)
			}
		}
	}
	if got := f.apps.stagesNow(); got != fmt.Sprint(map[string]string{f.A: "SHORTLISTED", f.B: "SHORTLISTED", f.C: "DISQUALIFIED", f.I: "NOT_SHORTLISTED"}) {
		t.Fatalf("stages after the upheld primary: %s", got)
	}
	if n := f.openComplaints(t); n != 1 {
		t.Fatalf("open complaints: %d, want 1", n)
	}
}

// A bulk resolution resolves the complaints named, or every open one about an application, with one outcome
// and reason, all or none; UPHELD disqualifies the application; merged duplicates follow their primary.
func TestResolveComplaintsAllOrNothing(t *testing.T) {
	f := setup(t, nil, nil)
	f.inPublicity(t)
	round := f.apps.round.ID
	voter := f.voterToken(t, "13900000031")
	svc := f.with(func(c *app.Config) { c.ComplaintsPerDay = 100 })
	lodge := func(application, content string) domain.Complaint {
		t.Helper()
		c, err := complain(svc, anyone, voter, round, application, content)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a1, a2, a3 := lodge(f.A, "a1"), lodge(f.A, "a2"), lodge(f.A, "a3")
	b1, b2 := lodge(f.B, "b1"), lodge(f.B, "b2")
	if _, err := f.svc.ResolveComplaint(operator, app.ResolveComplaint{ComplaintID: b2.ID, Outcome: domain.OutcomeDismissed, Reason: "no facts"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.MergeComplaints(operator, app.MergeComplaints{PrimaryID: a1.ID, DuplicateIDs: []string{a3.ID}, Reason: "same"}); err != nil {
		t.Fatal(err)
	}
	resolve := func(cmd app.ResolveComplaints) (app.ResolveResult, error) {
		if cmd.RoundID == "" {
			cmd.RoundID = round
		}
		if cmd.Reason == "" {
			cmd.Reason = "one reason for all"
		}
		if cmd.Outcome == "" {
			cmd.Outcome = domain.OutcomeUpheld
		}
		return f.svc.ResolveComplaints(operator, cmd)
	}
	for _, c := range []struct {
		name string
		cmd  app.ResolveComplaints
		err  *errs.Error
	}{
		{"neither complaints nor application", app.ResolveComplaints{}, domain.ErrComplaintSelectBoth},
		{"both complaints and application", app.ResolveComplaints{ComplaintIDs: []string{a1.ID}, ApplicationID: f.A}, domain.ErrComplaintSelectBoth},
		{"no outcome", app.ResolveComplaints{ComplaintIDs: []string{a1.ID}, Outcome: "MAYBE"}, domain.ErrInvalidOutcome},
		{"one resolved among them", app.ResolveComplaints{ComplaintIDs: []string{a1.ID, b1.ID, b2.ID}}, domain.ErrComplaintClosed},
		{"one merged among them", app.ResolveComplaints{ComplaintIDs: []string{a1.ID, a3.ID}}, domain.ErrComplaintClosed},
		{"one unknown among them", app.ResolveComplaints{ComplaintIDs: []string{a1.ID, ids.New()}}, errs.ErrNotFound},
		{"another round", app.ResolveComplaints{RoundID: ids.New(), ComplaintIDs: []string{a1.ID}}, domain.ErrComplaintNotInRound},
		{"named twice", app.ResolveComplaints{ComplaintIDs: []string{a1.ID, a1.ID}}, domain.ErrComplaintIDsInvalid},
		{"an application without open complaints", app.ResolveComplaints{ApplicationID: f.C}, domain.ErrNoOpenComplaints},
	} {
		_, err := resolve(c.cmd)
		mustErr(t, c.name, err, c.err)
	}
	if n := f.openComplaints(t); n != 3 {
		t.Fatalf("open complaints after refused resolutions: %d, want a1, a2, b1", n)
	}
	if got := f.apps.stagesNow(); got != fmt.Sprint(map[string]string{f.A: "SHORTLISTED", f.B: "SHORTLISTED", f.C: "SHORTLISTED", f.I: "NOT_SHORTLISTED"}) {
		t.Fatalf("stages after refused resolutions: %s", got)
	}

	key := idempotency.Key{RequestID: "resolve-a", Fingerprint: []byte("resolve A")}
	res, err := resolve(app.ResolveComplaints{Key: key, ApplicationID: f.A, Reason: "budget copied, confirmed"})
	if err != nil || res.OpenComplaints != 1 || len(res.Complaints) != 3 {
		t.Fatalf("resolve every open complaint about A: %+v %v", res, err)
	}
	states := map[string]domain.ComplaintState{}
	for _, c := range res.Complaints {
		states[c.ID] = c.State
		if c.Outcome != domain.OutcomeUpheld || c.ResolutionReason != "budget copied, confirmed" || c.ResolvedAt.IsZero() {
			t.Fatalf("resolved complaint: %+v", c)
		}
	}
	if states[a1.ID] != domain.ComplaintResolved || states[a2.ID] != domain.ComplaintResolved || states[a3.ID] != domain.ComplaintMerged {
		t.Fatalf("states after the bulk resolution: %v", states)
	}
	if got := f.apps.stagesNow(); got != fmt.Sprint(map[string]string{f.A: "DISQUALIFIED", f.B: "SHORTLISTED", f.C: "SHORTLISTED", f.I: "NOT_SHORTLISTED"}) {
		t.Fatalf("stages after upholding A's complaints: %s", got)
	}
	sl, err := f.svc.GetShortlist(operator, round)
	if e, _ := sl.Entry(f.A); err != nil || e.Shortlisted || !e.Disqualified {
		t.Fatalf("A on the shortlist: %+v %v", e, err)
	}
	again, err := resolve(app.ResolveComplaints{Key: key, ApplicationID: f.A, Reason: "budget copied, confirmed"})
	if err != nil || len(again.Complaints) != 3 || again.OpenComplaints != 1 {
		t.Fatalf("retried bulk resolution: %+v %v", again, err)
	}

	res, err = resolve(app.ResolveComplaints{ComplaintIDs: []string{b1.ID}, Outcome: domain.OutcomeDismissed})
	if err != nil || res.OpenComplaints != 0 || len(res.Complaints) != 1 || res.Complaints[0].Outcome != domain.OutcomeDismissed {
		t.Fatalf("dismiss b1: %+v %v", res, err)
	}
	if n := f.openComplaints(t); n != 0 {
		t.Fatalf("open complaints: %d", n)
	}
}
