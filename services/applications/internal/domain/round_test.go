package domain

import (
	"strings"
	"testing"
	"time"
)

// notice is a publishable notice.
var notice = Document{Title: "2026年度公益创投活动公告", Body: "现将有关事项公告如下……"}

func withNotice(r Round, d Document) Round {
	r.Notice = d
	return r
}

func TestNewRound(t *testing.T) {
	tests := []struct {
		name   string
		rname  string
		year   int
		policy Policy
		want   want
	}{
		{"ok", "2026年度公益创投", 2026, Policy{}, want{}},
		{"year 2000", "first", 2000, Policy{}, want{}},
		{"year 2100", "last", 2100, Policy{}, want{}},
		{"empty name", "", 2026, Policy{}, want{reason: "NAME_REQUIRED", field: "name"}},
		{"year 1999", "r", 1999, Policy{}, want{reason: "INVALID_YEAR", field: "year"}},
		{"year 2101", "r", 2101, Policy{}, want{reason: "INVALID_YEAR", field: "year"}},
		{"year 0", "r", 0, Policy{}, want{reason: "INVALID_YEAR", field: "year"}},
		{"invalid policy", "r", 2026, Policy{PanelPercent: 50}, want{is: errPolicy, field: "policy.weights"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewRound(tc.rname, tc.year, tc.policy, Document{}, Document{}, t0)
			checkErr(t, err, tc.want)
			if err != nil {
				if r.Name != "" || r.Phase != "" {
					t.Errorf("a refused round is not the zero value: %+v", r)
				}
				return
			}
			if r.Name != tc.rname || r.Year != tc.year || r.Phase != PhaseDraft {
				t.Errorf("round = %+v", r)
			}
			if !r.CreatedAt.Equal(t0) || !r.PhaseEnteredAt.Equal(t0) {
				t.Errorf("times = %v / %v, want %v", r.CreatedAt, r.PhaseEnteredAt, t0)
			}
			if !r.PublishedAt.IsZero() || !r.DonationCutoff.IsZero() {
				t.Errorf("new round already published or cut off: %+v", r)
			}
			// The policy is stored with defaults applied.
			if r.Policy.PublicityPeriod != 5*24*time.Hour || r.Policy.MatchCapFen == nil {
				t.Errorf("policy without defaults: %+v", r.Policy)
			}
		})
	}
}

func TestRoundEdit(t *testing.T) {
	newRound := func(t *testing.T, phase Phase) Round {
		t.Helper()
		r, err := NewRound("old", 2026, Policy{}, notice, Document{}, t0)
		if err != nil {
			t.Fatal(err)
		}
		r.Phase = phase
		return r
	}
	t.Run("draft: name and policy replaced", func(t *testing.T) {
		r := newRound(t, PhaseDraft)
		if err := r.Edit("new", Policy{ShortlistQuota: 7}, nil, nil); err != nil {
			t.Fatal(err)
		}
		if r.Name != "new" || r.Policy.ShortlistQuota != 7 || r.Policy.MaxDurationMonths != 12 {
			t.Errorf("round after edit = %+v", r)
		}
	})
	t.Run("draft: empty name keeps the name", func(t *testing.T) {
		r := newRound(t, PhaseDraft)
		if err := r.Edit("", Policy{SelectionQuota: 3}, nil, nil); err != nil {
			t.Fatal(err)
		}
		if r.Name != "old" || r.Policy.SelectionQuota != 3 {
			t.Errorf("round after edit = %+v", r)
		}
	})
	t.Run("draft: notice and guidance kept when not given, replaced when given", func(t *testing.T) {
		r := newRound(t, PhaseDraft)
		if err := r.Edit("", Policy{}, nil, nil); err != nil {
			t.Fatal(err)
		}
		if r.Notice.Title != notice.Title || !r.Guidance.Empty() {
			t.Errorf("documents after an edit without them: %+v / %+v", r.Notice, r.Guidance)
		}
		guidance := Document{Title: "申报指引", Body: "how to apply"}
		if err := r.Edit("", Policy{}, &Document{}, &guidance); err != nil {
			t.Fatal(err)
		}
		if !r.Notice.Empty() || r.Guidance.Title != "申报指引" {
			t.Errorf("documents after an edit with them: %+v / %+v", r.Notice, r.Guidance)
		}
	})
	t.Run("draft: invalid notice refused, round unchanged", func(t *testing.T) {
		r := newRound(t, PhaseDraft)
		bad := Document{Title: strings.Repeat("题", MaxDocumentTitle+1)}
		checkErr(t, r.Edit("new", Policy{}, &bad, nil), want{reason: "INVALID_NOTICE", field: "notice.title"})
		if r.Name != "old" || r.Notice.Title != notice.Title {
			t.Errorf("refused edit changed the round: %+v", r)
		}
	})
	t.Run("draft: invalid policy refused", func(t *testing.T) {
		r := newRound(t, PhaseDraft)
		checkErr(t, r.Edit("x", Policy{Tranches: []TrancheRule{{1, 90, "CONTRACT_SIGNED"}}}, nil, nil), want{is: errPolicy, field: "policy.tranches"})
	})
	for _, phase := range Phases[1:] {
		t.Run("refused in "+string(phase), func(t *testing.T) {
			r := newRound(t, phase)
			before := r
			checkErr(t, r.Edit("new", Policy{ShortlistQuota: 7}, nil, nil), want{is: ErrRoundNotDraft, reason: "ROUND_NOT_DRAFT"})
			if r.Name != before.Name || r.Policy.ShortlistQuota != before.Policy.ShortlistQuota {
				t.Errorf("refused edit changed the round: %+v", r)
			}
		})
	}
}

func TestLocalPreconditions(t *testing.T) {
	deadline := t0.Add(30 * 24 * time.Hour)
	publishable := Policy{SubmissionDeadline: deadline, ShortlistQuota: 30, SelectionQuota: 12}
	round := func(p Policy, entered time.Time) Round {
		return Round{Name: "r", Year: 2026, Policy: p.WithDefaults(), PhaseEnteredAt: entered, Notice: notice}
	}
	publicityStart := deadline.Add(7 * 24 * time.Hour)
	publicityEnd := publicityStart.Add(5 * 24 * time.Hour) // default period: 5 days

	tests := []struct {
		name     string
		r        Round
		to       Phase
		now      time.Time
		awaiting int
		want     want
	}{
		// SOLICITATION: the policy must be publishable.
		{"solicitation: publishable", round(publishable, t0), PhaseSolicitation, t0, 0, want{}},
		{"solicitation: no deadline", round(Policy{ShortlistQuota: 30, SelectionQuota: 12}, t0), PhaseSolicitation, t0, 0,
			want{is: ErrPolicyIncomplete, field: "policy.submission_deadline"}},
		{"solicitation: no quotas", round(Policy{SubmissionDeadline: deadline}, t0), PhaseSolicitation, t0, 0,
			want{is: ErrPolicyIncomplete, field: "policy.shortlist_quota"}},
		{"solicitation: deadline already past", round(publishable, t0), PhaseSolicitation, deadline.Add(time.Second), 0,
			want{is: ErrDeadlinePassed}},
		{"solicitation: no notice", withNotice(round(publishable, t0), Document{}), PhaseSolicitation, t0, 0,
			want{is: ErrRoundNoticeRequired, reason: "ROUND_NOTICE_REQUIRED", field: "notice.title"}},
		{"solicitation: notice without a body", withNotice(round(publishable, t0), Document{Title: "公告"}), PhaseSolicitation, t0, 0,
			want{is: ErrRoundNoticeRequired, field: "notice.body"}},
		{"solicitation: notice with a blank title", withNotice(round(publishable, t0), Document{Title: " \t", Body: "text"}), PhaseSolicitation, t0, 0,
			want{is: ErrRoundNoticeRequired, field: "notice.title"}},
		{"solicitation: attachments are no notice", withNotice(round(publishable, t0), Document{Attachments: []Attachment{{Name: "a", URI: "https://x.example/a"}}}),
			PhaseSolicitation, t0, 0, want{is: ErrRoundNoticeRequired}},
		{"solicitation: the policy is checked first", withNotice(round(Policy{SubmissionDeadline: deadline}, t0), Document{}), PhaseSolicitation, t0, 0,
			want{is: ErrPolicyIncomplete}},

		// SHORTLISTING: deadline passed and nothing awaits review.
		{"shortlisting: before deadline", round(publishable, t0), PhaseShortlisting, deadline.Add(-time.Nanosecond), 0,
			want{is: ErrDeadlineNotPassed, reason: "SUBMISSION_DEADLINE_NOT_PASSED"}},
		{"shortlisting: before deadline and awaiting", round(publishable, t0), PhaseShortlisting, t0, 4,
			want{is: ErrDeadlineNotPassed}},
		{"shortlisting: after deadline, 1 awaiting review", round(publishable, t0), PhaseShortlisting, deadline.Add(time.Hour), 1,
			want{is: ErrAwaitingReview, reason: "APPLICATIONS_AWAITING_REVIEW"}},
		{"shortlisting: after deadline, 12 awaiting review", round(publishable, t0), PhaseShortlisting, deadline.Add(time.Hour), 12,
			want{is: ErrAwaitingReview}},
		{"shortlisting: after deadline, all reviewed", round(publishable, t0), PhaseShortlisting, deadline.Add(time.Hour), 0, want{}},
		{"shortlisting: exactly at deadline", round(publishable, t0), PhaseShortlisting, deadline, 0, want{}},

		// PROMOTION: the publicity period has elapsed since PUBLICITY was entered.
		{"promotion: right after publicity began", round(publishable, publicityStart), PhasePromotion, publicityStart, 0,
			want{is: ErrPublicityNotElapsed, reason: "PUBLICITY_PERIOD_NOT_ELAPSED"}},
		{"promotion: 1ns before the end", round(publishable, publicityStart), PhasePromotion, publicityEnd.Add(-time.Nanosecond), 0,
			want{is: ErrPublicityNotElapsed}},
		{"promotion: exactly at the end", round(publishable, publicityStart), PhasePromotion, publicityEnd, 0, want{}},
		{"promotion: a day after the end", round(publishable, publicityStart), PhasePromotion, publicityEnd.Add(24 * time.Hour), 0, want{}},
		{"promotion: 2s test period, 1ns before", round(Policy{PublicityPeriod: 2 * time.Second}, publicityStart), PhasePromotion,
			publicityStart.Add(2*time.Second - time.Nanosecond), 0, want{is: ErrPublicityNotElapsed}},
		{"promotion: 2s test period, at the end", round(Policy{PublicityPeriod: 2 * time.Second}, publicityStart), PhasePromotion,
			publicityStart.Add(2 * time.Second), 0, want{}},

		// Phases whose preconditions are all remote or absent.
		{"publicity: nothing local", round(publishable, t0), PhasePublicity, t0, 5, want{}},
		{"final review: nothing local", round(publishable, t0), PhaseFinalReview, t0, 0, want{}},
		{"closed: nothing local", round(publishable, t0), PhaseClosed, t0, 0, want{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkErr(t, tc.r.LocalPreconditions(tc.to, tc.now, tc.awaiting), tc.want)
		})
	}
}

func TestRoundEnter(t *testing.T) {
	t1 := t0.Add(time.Hour)
	t2 := t0.Add(40 * 24 * time.Hour)
	tests := []struct {
		to            Phase
		wantPublished time.Time
		wantCutoff    time.Time
	}{
		{PhaseSolicitation, t1, time.Time{}},
		{PhaseShortlisting, time.Time{}, time.Time{}},
		{PhasePublicity, time.Time{}, time.Time{}},
		{PhasePromotion, time.Time{}, time.Time{}},
		{PhaseFinalReview, time.Time{}, t1},
		{PhaseApproval, time.Time{}, time.Time{}},
		{PhaseClosed, time.Time{}, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(string(tc.to), func(t *testing.T) {
			r := Round{Phase: PhaseDraft, PhaseEnteredAt: t0}
			r.Enter(tc.to, t1)
			if r.Phase != tc.to || !r.PhaseEnteredAt.Equal(t1) {
				t.Errorf("phase %s entered %v, want %s at %v", r.Phase, r.PhaseEnteredAt, tc.to, t1)
			}
			if !r.PublishedAt.Equal(tc.wantPublished) {
				t.Errorf("PublishedAt = %v, want %v", r.PublishedAt, tc.wantPublished)
			}
			if !r.DonationCutoff.Equal(tc.wantCutoff) {
				t.Errorf("DonationCutoff = %v, want %v", r.DonationCutoff, tc.wantCutoff)
			}
		})
	}

	// Over a whole life the publication and cutoff instants stay where they were set.
	r, err := NewRound("r", 2026, Policy{}, Document{}, Document{}, t0)
	if err != nil {
		t.Fatal(err)
	}
	at := t0
	for _, p := range Phases[1:] {
		at = at.Add(time.Hour)
		if p == PhaseFinalReview {
			at = t2
		}
		r.Enter(p, at)
	}
	if !r.PublishedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("PublishedAt = %v, want %v", r.PublishedAt, t0.Add(time.Hour))
	}
	if !r.DonationCutoff.Equal(t2) {
		t.Errorf("DonationCutoff = %v, want %v", r.DonationCutoff, t2)
	}
	if r.Phase != PhaseClosed {
		t.Errorf("phase = %s, want CLOSED", r.Phase)
	}
}

func TestDocumentValidate(t *testing.T) {
	att := func(mod func(*Attachment)) Document {
		a := Attachment{Name: "申报书模板.docx", URI: "https://files.example.cn/2026/template.docx",
			SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", MediaType: "application/msword", SizeBytes: 1024}
		mod(&a)
		return Document{Title: "公告", Body: "正文", Attachments: []Attachment{a}}
	}
	many := Document{Title: "t"}
	for range MaxDocumentAttachments + 1 {
		many.Attachments = append(many.Attachments, Attachment{Name: "a", URI: "https://x.example/a"})
	}
	bad := func(field string) want { return want{reason: "INVALID_NOTICE", field: "notice." + field} }
	tests := []struct {
		name string
		doc  Document
		want want
	}{
		{"empty", Document{}, want{}},
		{"full", att(func(*Attachment) {}), want{}},
		{"title of 200 characters", Document{Title: strings.Repeat("告", 200)}, want{}},
		{"title of 201 characters", Document{Title: strings.Repeat("告", 201)}, bad("title")},
		{"body of 100,000 characters", Document{Body: strings.Repeat("文", 100_000)}, want{}},
		{"body of 100,001 characters", Document{Body: strings.Repeat("文", 100_001)}, bad("body")},
		{"50 attachments", Document{Attachments: many.Attachments[:50]}, want{}},
		{"51 attachments", many, bad("attachments")},
		{"no name", att(func(a *Attachment) { a.Name = "" }), bad("attachments[0].name")},
		{"blank name", att(func(a *Attachment) { a.Name = "  " }), bad("attachments[0].name")},
		{"no uri", att(func(a *Attachment) { a.URI = "" }), bad("attachments[0].uri")},
		{"http uri", att(func(a *Attachment) { a.URI = "http://files.example.cn/a.pdf" }), bad("attachments[0].uri")},
		{"upper-case scheme", att(func(a *Attachment) { a.URI = "HTTPS://files.example.cn/a.pdf" }), bad("attachments[0].uri")},
		{"uri without a host", att(func(a *Attachment) { a.URI = "https:///a.pdf" }), bad("attachments[0].uri")},
		{"uri with credentials", att(func(a *Attachment) { a.URI = "https://user:pw@files.example.cn/a.pdf" }), bad("attachments[0].uri")},
		{"javascript uri", att(func(a *Attachment) { a.URI = "javascript:alert(1)" }), bad("attachments[0].uri")},
		{"uri too long", att(func(a *Attachment) { a.URI = "https://x.example/" + strings.Repeat("a", 2048) }), bad("attachments[0].uri")},
		{"no sha256", att(func(a *Attachment) { a.SHA256 = "" }), want{}},
		{"upper-case sha256", att(func(a *Attachment) { a.SHA256 = strings.ToUpper(a.SHA256) }), bad("attachments[0].sha256")},
		{"short sha256", att(func(a *Attachment) { a.SHA256 = a.SHA256[:63] }), bad("attachments[0].sha256")},
		{"non-hex sha256", att(func(a *Attachment) { a.SHA256 = strings.Repeat("g", 64) }), bad("attachments[0].sha256")},
		{"size 0", att(func(a *Attachment) { a.SizeBytes = 0 }), want{}},
		{"negative size", att(func(a *Attachment) { a.SizeBytes = -1 }), bad("attachments[0].size_bytes")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkErr(t, tc.doc.validate("INVALID_NOTICE", "notice"), tc.want)
		})
	}
	// The guidance is reported under its own reason and field.
	checkErr(t, Round{Name: "r", Year: 2026, Policy: Policy{}.WithDefaults(), Guidance: Document{Title: strings.Repeat("指", 201)}}.check(),
		want{reason: "INVALID_GUIDANCE", field: "guidance.title"})
}
