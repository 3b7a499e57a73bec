package app_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

var (
	anonymous = context.Background()
	reviewer  = as("reviewer", identity.Reviewer)
	auditor   = as("auditor", identity.Auditor)
	// suite is another suite service calling on its own behalf.
	suite = as("service:donations", identity.Service)
)

// draftRound creates a draft round named name whose deadline is an hour ahead, with notice and policy p (the
// deadline and quotas filled in when absent).
func (f *fixture) draftRound(t *testing.T, name string, year int, p domain.Policy) domain.Round {
	t.Helper()
	if p.SubmissionDeadline.IsZero() {
		p.SubmissionDeadline = f.clock.Now().Add(time.Hour)
	}
	if p.ShortlistQuota == 0 {
		p.ShortlistQuota, p.SelectionQuota = 2, 1
	}
	r, err := f.svc.CreateRound(organizer, app.CreateRound{Name: name, Year: year, Policy: p, Notice: notice})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// listRounds lists every round the caller sees for q, page by page (pageSize at a time), and returns their
// names in order.
func (f *fixture) listRounds(t *testing.T, ctx context.Context, q app.ListRounds, pageSize int) []string {
	t.Helper()
	var names []string
	q.Limit = pageSize
	for pages := 0; ; pages++ {
		if pages > 50 {
			t.Fatal("the list does not end")
		}
		page, err := f.svc.ListRounds(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			names = append(names, r.Name)
		}
		if len(page) < pageSize {
			return names
		}
		last := page[len(page)-1]
		q.AfterTime, q.AfterID = last.CreatedAt, last.ID
	}
}

// TestListRounds: newest first, in keyset pages that never skip or repeat a round (rounds created at the same
// instant included); filters by phase and year; anyone but staff and suite services sees published rounds
// only, and finds no DRAFT round when asking for them.
func TestListRounds(t *testing.T) {
	f := setup(t)
	var created []string // oldest first
	for i, name := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		year := 2026
		if i%3 == 0 {
			year = 2027
		}
		f.draftRound(t, name, year, domain.Policy{})
		created = append(created, name)
		if i%2 == 0 { // two rounds at each instant
			f.clock.Add(time.Minute)
		}
	}
	// b, d and f are published.
	all, err := f.svc.ListRounds(organizer, app.ListRounds{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		if r.Name == "b" || r.Name == "d" || r.Name == "f" {
			f.advance(t, r, domain.PhaseSolicitation)
		}
	}

	checkOrder := func(ctx context.Context, q app.ListRounds) []domain.Round {
		t.Helper()
		q.Limit = 100
		rs, err := f.svc.ListRounds(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(rs); i++ {
			a, b := rs[i-1], rs[i]
			if a.CreatedAt.Before(b.CreatedAt) || a.CreatedAt.Equal(b.CreatedAt) && a.ID < b.ID {
				t.Fatalf("%s (%v %s) before %s (%v %s): not newest first", a.Name, a.CreatedAt, a.ID, b.Name, b.CreatedAt, b.ID)
			}
		}
		return rs
	}
	var whole []string
	for _, r := range checkOrder(organizer, app.ListRounds{}) {
		whole = append(whole, r.Name)
	}
	if len(whole) != len(created) || whole[len(whole)-1] != "a" {
		t.Fatalf("staff list %v, want all %d rounds, the oldest (a) last", whole, len(created))
	}
	// Pages of any size walk the same list: rounds created at the same instant are neither skipped nor repeated.
	for _, size := range []int{1, 2, 3, 7, 100} {
		if got := f.listRounds(t, organizer, app.ListRounds{}, size); !slices.Equal(got, whole) {
			t.Fatalf("staff, pages of %d: %v, want %v", size, got, whole)
		}
	}
	if got := f.listRounds(t, anonymous, app.ListRounds{}, 2); len(got) != 3 {
		t.Fatalf("anonymous, pages of 2: %v", got)
	}

	names := func(rs []domain.Round) []string {
		out := []string{}
		for _, r := range rs {
			out = append(out, r.Name)
		}
		slices.Sort(out)
		return out
	}
	tests := []struct {
		name string
		ctx  context.Context
		q    app.ListRounds
		want []string
	}{
		{"staff: all", auditor, app.ListRounds{}, []string{"a", "b", "c", "d", "e", "f", "g"}},
		{"suite service: all", suite, app.ListRounds{}, []string{"a", "b", "c", "d", "e", "f", "g"}},
		{"anonymous: published only", anonymous, app.ListRounds{}, []string{"b", "d", "f"}},
		{"applicant: published only", applicant, app.ListRounds{}, []string{"b", "d", "f"}},
		{"reviewer: published only", reviewer, app.ListRounds{}, []string{"b", "d", "f"}},
		{"staff: drafts", organizer, app.ListRounds{Phase: domain.PhaseDraft}, []string{"a", "c", "e", "g"}},
		{"anonymous asking for drafts finds none", anonymous, app.ListRounds{Phase: domain.PhaseDraft}, []string{}},
		{"applicant asking for drafts finds none", applicant, app.ListRounds{Phase: domain.PhaseDraft}, []string{}},
		{"anonymous: soliciting", anonymous, app.ListRounds{Phase: domain.PhaseSolicitation}, []string{"b", "d", "f"}},
		{"anonymous: no round shortlisting", anonymous, app.ListRounds{Phase: domain.PhaseShortlisting}, []string{}},
		{"staff: 2027", operator, app.ListRounds{Year: 2027}, []string{"a", "d", "g"}},
		{"anonymous: 2027", anonymous, app.ListRounds{Year: 2027}, []string{"d"}},
		{"staff: 2026 drafts", organizer, app.ListRounds{Year: 2026, Phase: domain.PhaseDraft}, []string{"c", "e"}},
		{"staff: 2025", organizer, app.ListRounds{Year: 2025}, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := names(checkOrder(tc.ctx, tc.q)); !slices.Equal(got, tc.want) {
				t.Fatalf("%v, want %v", got, tc.want)
			}
		})
	}

	// An unknown phase is refused; the overdue filter is staff only.
	if _, err := f.svc.ListRounds(organizer, app.ListRounds{Phase: "ARCHIVED", Limit: 10}); !errors.Is(err, domain.ErrInvalidPhase) {
		t.Fatalf("unknown phase: %v", err)
	}
	for name, ctx := range map[string]context.Context{"anonymous": anonymous, "applicant": applicant, "service": suite, "reviewer": reviewer} {
		_, err := f.svc.ListRounds(ctx, app.ListRounds{OverdueOnly: true, Limit: 10})
		if e, ok := errs.As(err); !ok || e.Kind != errs.PermissionDenied || e.Reason != "OVERDUE_LIST_STAFF_ONLY" {
			t.Fatalf("overdue_only by %s: %v", name, err)
		}
	}
}

// TestDraftRoundsAreStaffOnly: GetRound answers NOT_FOUND for a draft to anyone but staff and suite services;
// once published the round is public.
func TestDraftRoundsAreStaffOnly(t *testing.T) {
	f := setup(t)
	r := f.draftRound(t, "draft", 2026, domain.Policy{})
	for name, ctx := range map[string]context.Context{"organizer": organizer, "operator": operator, "auditor": auditor, "service": suite} {
		if got, err := f.svc.GetRound(ctx, r.ID); err != nil || got.ID != r.ID {
			t.Fatalf("%s reads the draft: %v", name, err)
		}
	}
	hidden := map[string]context.Context{"anonymous": anonymous, "applicant": applicant, "reviewer": reviewer,
		"donor": as("donor", identity.Donor), "department": as("department", identity.Department)}
	for name, ctx := range hidden {
		if _, err := f.svc.GetRound(ctx, r.ID); !errors.Is(err, errs.ErrNotFound) {
			t.Fatalf("%s reads the draft: %v, want NOT_FOUND", name, err)
		}
	}
	f.advance(t, r, domain.PhaseSolicitation)
	for name, ctx := range hidden {
		if got, err := f.svc.GetRound(ctx, r.ID); err != nil || got.Phase != domain.PhaseSolicitation {
			t.Fatalf("%s reads the published round: %v", name, err)
		}
	}
}

// TestRoundNotice: a round is published only with a notice's title and body; the notice and guidance are set
// at creation and by an update of the draft (omitted ones kept), validated, and frozen once published.
func TestRoundNotice(t *testing.T) {
	f := setup(t)
	policy := domain.Policy{SubmissionDeadline: f.clock.Now().Add(time.Hour), ShortlistQuota: 2, SelectionQuota: 1}
	r, err := f.svc.CreateRound(organizer, app.CreateRound{Name: "no notice", Year: 2026, Policy: policy})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.AdvanceRound(organizer, app.AdvanceRound{RoundID: r.ID, To: domain.PhaseSolicitation})
	if e, ok := errs.As(err); !ok || e.Reason != "ROUND_NOTICE_REQUIRED" || e.Kind != errs.FailedPrecondition {
		t.Fatalf("publish without a notice: %v", err)
	}
	if f.phaseOf(t, r) != domain.PhaseDraft {
		t.Fatal("a refused publication moved the round")
	}

	// A bad attachment is refused and changes nothing.
	bad := domain.Document{Title: "公告", Body: "正文", Attachments: []domain.Attachment{{Name: "a.pdf", URI: "http://files.example.cn/a.pdf"}}}
	_, err = f.svc.UpdateRound(organizer, app.UpdateRound{RoundID: r.ID, Policy: policy, Notice: &bad, Etag: domain.Etag(r.ID, r.Version)})
	if e, ok := errs.As(err); !ok || e.Reason != "INVALID_NOTICE" || e.Kind != errs.InvalidArgument || e.Violations[0].Field != "notice.attachments[0].uri" {
		t.Fatalf("http attachment: %v", err)
	}
	if _, err := f.svc.CreateRound(organizer, app.CreateRound{Name: "bad", Year: 2026, Guidance: bad}); !isReason(err, "INVALID_GUIDANCE") {
		t.Fatalf("create with bad guidance: %v", err)
	}

	good := domain.Document{Title: "公告", Body: "正文", Attachments: []domain.Attachment{{Name: "申报书模板.docx", URI: "https://files.example.cn/t.docx",
		SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", MediaType: "application/msword", SizeBytes: 2048}}}
	guidance := domain.Document{Title: "申报指引", Body: "如何申报"}
	edited, err := f.svc.UpdateRound(organizer, app.UpdateRound{RoundID: r.ID, Policy: policy, Notice: &good, Guidance: &guidance, Etag: domain.Etag(r.ID, r.Version)})
	if err != nil || edited.Version != r.Version+1 || !sameJSON(t, edited.Notice, good) || !sameJSON(t, edited.Guidance, guidance) {
		t.Fatalf("set the notice: %+v %v", edited, err)
	}
	// Omitted documents are kept; the name changes and so does the etag.
	renamed, err := f.svc.UpdateRound(organizer, app.UpdateRound{RoundID: r.ID, Name: "renamed", Policy: policy, Etag: domain.Etag(r.ID, edited.Version)})
	if err != nil || renamed.Version != edited.Version+1 || !sameJSON(t, renamed.Notice, good) || !sameJSON(t, renamed.Guidance, guidance) {
		t.Fatalf("update without documents: %+v %v", renamed, err)
	}
	got, err := f.svc.GetRound(organizer, r.ID)
	if err != nil || !sameJSON(t, got.Notice, good) || got.Name != "renamed" {
		t.Fatalf("stored notice: %+v %v", got.Notice, err)
	}

	published := f.advance(t, got, domain.PhaseSolicitation)
	if !published.PublishedAt.Equal(f.clock.Now()) {
		t.Fatalf("published at %v", published.PublishedAt)
	}
	again := domain.Document{Title: "更正公告", Body: "x"}
	if _, err := f.svc.UpdateRound(organizer, app.UpdateRound{RoundID: r.ID, Policy: policy, Notice: &again, Etag: domain.Etag(r.ID, published.Version)}); !errors.Is(err, domain.ErrRoundNotDraft) {
		t.Fatalf("notice changed after publication: %v", err)
	}
}

func isReason(err error, reason string) bool {
	e, ok := errs.As(err)
	return ok && e.Reason == reason
}

// TestRoundScheduleAndOverdue: the schedule shows the policy's targets and the round's phase changes; a
// round is overdue once a phase it has not finished passes its target, and the staff list of overdue rounds
// finds exactly those, following advances and policy updates.
func TestRoundScheduleAndOverdue(t *testing.T) {
	f := setup(t)
	t0 := f.clock.Now()
	targets := []domain.PhaseTarget{{Phase: domain.PhaseDraft, Target: t0.Add(10 * time.Minute)},
		{Phase: domain.PhaseSolicitation, Target: t0.Add(2 * time.Hour)}}
	late := f.draftRound(t, "late", 2026, domain.Policy{PhaseTargets: targets})
	onTime := f.draftRound(t, "on time", 2026, domain.Policy{PhaseTargets: []domain.PhaseTarget{{Phase: domain.PhaseSolicitation, Target: t0.Add(24 * time.Hour)}}})
	f.draftRound(t, "no targets", 2026, domain.Policy{})

	overdue := func() []string {
		t.Helper()
		rs, err := f.svc.ListRounds(organizer, app.ListRounds{OverdueOnly: true, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, r := range rs {
			out = append(out, r.Name)
			if !domain.AnyOverdue(r.Schedule(f.clock.Now())) {
				t.Errorf("%s listed as overdue, but its schedule shows nothing overdue", r.Name)
			}
		}
		return out
	}
	if got := overdue(); len(got) != 0 {
		t.Fatalf("overdue before any target: %v", got)
	}
	f.clock.Add(10 * time.Minute)
	if got := overdue(); len(got) != 0 {
		t.Fatalf("overdue exactly at the target: %v", got)
	}
	f.clock.Add(time.Second)
	if got := overdue(); !slices.Equal(got, []string{"late"}) {
		t.Fatalf("overdue past DRAFT's target: %v", got)
	}

	// Published late: DRAFT is late, SOLICITATION is not yet due.
	late = f.advance(t, late, domain.PhaseSolicitation)
	if got := overdue(); len(got) != 0 {
		t.Fatalf("overdue after publication: %v", got)
	}
	s := late.Schedule(f.clock.Now())
	if len(s) != 9 || !s[0].Entered.Equal(t0) || !s[0].Left.Equal(f.clock.Now()) || !s[0].Late || s[0].Overdue ||
		!s[1].Entered.Equal(f.clock.Now()) || !s[1].Target.Equal(t0.Add(2*time.Hour)) || s[1].Overdue {
		t.Fatalf("schedule after publication: %+v", s)
	}
	// The schedule is read back from the stored phase changes.
	got, err := f.svc.GetRound(anonymous, late.ID)
	if err != nil || !sameJSON(t, got.Schedule(f.clock.Now()), s) {
		t.Fatalf("stored schedule: %+v %v, want %+v", got.Schedule(f.clock.Now()), err, s)
	}

	f.clock.Add(2 * time.Hour)
	if got := overdue(); !slices.Equal(got, []string{"late"}) {
		t.Fatalf("overdue past SOLICITATION's target: %v", got)
	}
	// A policy update recomputes the due time: a later target makes the draft on time again, an earlier one
	// overdue.
	r, err := f.svc.GetRound(organizer, onTime.ID)
	if err != nil {
		t.Fatal(err)
	}
	p := r.Policy
	p.PhaseTargets = []domain.PhaseTarget{{Phase: domain.PhaseDraft, Target: t0.Add(time.Minute)}}
	if _, err := f.svc.UpdateRound(organizer, app.UpdateRound{RoundID: r.ID, Policy: p, Etag: domain.Etag(r.ID, r.Version)}); err != nil {
		t.Fatal(err)
	}
	if got := overdue(); !slices.Equal(got, []string{"on time", "late"}) && !slices.Equal(got, []string{"late", "on time"}) {
		t.Fatalf("overdue after moving a target earlier: %v", got)
	}
	// Pages of the overdue list walk every overdue round once.
	if got := f.listRounds(t, organizer, app.ListRounds{OverdueOnly: true}, 1); len(got) != 2 {
		t.Fatalf("overdue in pages of 1: %v", got)
	}

	// Once SOLICITATION is finished nothing of "late" is due: the deadline passed, nothing awaits review.
	f.advance(t, late, domain.PhaseShortlisting)
	if got := overdue(); !slices.Equal(got, []string{"on time"}) {
		t.Fatalf("overdue after the late round moved on: %v", got)
	}
	var due *time.Time
	if err := f.pool.QueryRow(context.Background(), `SELECT due_time FROM rounds WHERE id = $1`, late.ID).Scan(&due); err != nil || due != nil {
		t.Fatalf("due time of a round past every target: %v %v", due, err)
	}
}
