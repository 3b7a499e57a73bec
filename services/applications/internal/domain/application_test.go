package domain

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
)

// goodContent is a complete, valid application content under the default policy.
func goodContent() Content {
	return Content{
		Category: CategoryElderly,
		Title:    "社区长者助餐",
		Summary:  "为独居老人提供助餐服务",
		BudgetItems: []BudgetItem{
			{Name: "食材", AmountFen: 12_000_00},
			{Name: "人员", AmountFen: 8_000_00},
		},
		DurationMonths:       12,
		ServiceArea:          []string{"杜桥街道"},
		BeneficiaryGroup:     "独居老人",
		BeneficiaryCount:     120,
		Team:                 []TeamMember{{Name: "负责人", Role: "LEAD", Qualification: "社工师"}},
		ExpectedOutcomes:     []string{"每周供餐五次"},
		EvaluationIndicators: []string{"满意度"},
	}
}

func contentWith(f func(*Content)) Content {
	c := goodContent()
	f(&c)
	return c
}

func TestBudgetTotalFen(t *testing.T) {
	tests := []struct {
		name  string
		items []BudgetItem
		want  int64
	}{
		{"no lines", nil, 0},
		{"empty slice", []BudgetItem{}, 0},
		{"one line", []BudgetItem{{"a", 1}}, 1},
		{"two lines", []BudgetItem{{"a", 12_000_00}, {"b", 8_000_00}}, 20_000_00},
		{"several lines", []BudgetItem{{"a", 100}, {"b", 250}, {"c", 3}, {"d", 99_999}, {"e", 1_000_000_00}}, 100_100_352},
		{"lines as typed, even if not positive", []BudgetItem{{"a", 500}, {"b", -200}, {"c", 0}}, 300},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := (Content{BudgetItems: tc.items}).BudgetTotalFen(); got != tc.want {
				t.Errorf("BudgetTotalFen = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestContentValidate(t *testing.T) {
	p := Policy{}.WithDefaults()
	youthOnly := Policy{Categories: []Category{CategoryYouth}}.WithDefaults()
	invalid := func(reason, field string) want {
		return want{reason: reason, field: field}
	}
	tests := []struct {
		name string
		c    Content
		p    Policy
		want want
	}{
		{"good", goodContent(), p, want{}},
		{"draft with only category and title", Content{Category: CategoryOther, Title: "t"}, p, want{}},
		{"empty title", contentWith(func(c *Content) { c.Title = "" }), p, invalid("TITLE_REQUIRED", "title")},
		{"blank title", contentWith(func(c *Content) { c.Title = " \t " }), p, invalid("TITLE_REQUIRED", "title")},
		{"title of 200 bytes", contentWith(func(c *Content) { c.Title = strings.Repeat("a", 200) }), p, want{}},
		{"title of 201 bytes", contentWith(func(c *Content) { c.Title = strings.Repeat("a", 201) }), p, invalid("TITLE_TOO_LONG", "title")},
		{"unknown category", contentWith(func(c *Content) { c.Category = "SPORTS" }), p, invalid("UNKNOWN_CATEGORY", "category")},
		{"empty category", contentWith(func(c *Content) { c.Category = "" }), p, invalid("UNKNOWN_CATEGORY", "category")},
		{"category not in this round", goodContent(), youthOnly, invalid("UNKNOWN_CATEGORY", "category")},
		{"category in this round", contentWith(func(c *Content) { c.Category = CategoryYouth }), youthOnly, want{}},
		{"zero budget line", contentWith(func(c *Content) { c.BudgetItems[1].AmountFen = 0 }), p,
			invalid("BUDGET_LINE_NOT_POSITIVE", "budget_items[1].amount_fen")},
		{"negative budget line", contentWith(func(c *Content) { c.BudgetItems[0].AmountFen = -1 }), p,
			invalid("BUDGET_LINE_NOT_POSITIVE", "budget_items[0].amount_fen")},
		{"third line negative", contentWith(func(c *Content) { c.BudgetItems = append(c.BudgetItems, BudgetItem{"c", -500}) }), p,
			invalid("BUDGET_LINE_NOT_POSITIVE", "budget_items[2].amount_fen")},
		{"budget line of 1 fen", contentWith(func(c *Content) { c.BudgetItems[0].AmountFen = 1 }), p, want{}},
		{"budget line at the line maximum", contentWith(func(c *Content) { c.BudgetItems[0].AmountFen = 100_000_000_000 }), p, want{}},
		{"budget line above the line maximum", contentWith(func(c *Content) { c.BudgetItems[0].AmountFen = 100_000_000_001 }), p,
			invalid("BUDGET_LINE_TOO_LARGE", "budget_items[0].amount_fen")},
		{"budget line without name", contentWith(func(c *Content) { c.BudgetItems[1].Name = " " }), p,
			invalid("BUDGET_LINE_NAME_REQUIRED", "budget_items[1].name")},
		{"201 budget lines", contentWith(func(c *Content) {
			c.BudgetItems = make([]BudgetItem, 201)
			for i := range c.BudgetItems {
				c.BudgetItems[i] = BudgetItem{"x", 1}
			}
		}), p, invalid("TOO_MANY_BUDGET_LINES", "budget_items")},
		{"duration 0 in a draft", contentWith(func(c *Content) { c.DurationMonths = 0 }), p, want{}},
		{"negative duration", contentWith(func(c *Content) { c.DurationMonths = -1 }), p, invalid("INVALID_DURATION", "duration_months")},
		{"duration at maximum", contentWith(func(c *Content) { c.DurationMonths = 12 }), p, want{}},
		{"duration above maximum, not special", contentWith(func(c *Content) { c.DurationMonths = 13 }), p,
			invalid("DURATION_EXCEEDS_MAXIMUM", "duration_months")},
		{"duration 24, not special", contentWith(func(c *Content) { c.DurationMonths = 24 }), p,
			invalid("DURATION_EXCEEDS_MAXIMUM", "duration_months")},
		{"special, 13 months", contentWith(func(c *Content) { c.DurationMonths, c.Special, c.SpecialJustification = 13, true, "why" }), p, want{}},
		{"special, at special maximum", contentWith(func(c *Content) { c.DurationMonths, c.Special, c.SpecialJustification = 24, true, "why" }), p, want{}},
		{"special, above special maximum", contentWith(func(c *Content) { c.DurationMonths, c.Special, c.SpecialJustification = 25, true, "why" }), p,
			invalid("DURATION_EXCEEDS_SPECIAL_MAXIMUM", "duration_months")},
		{"special, within normal maximum", contentWith(func(c *Content) { c.DurationMonths, c.Special = 6, true }), p, want{}},
		{"custom maxima 6/9: 7 months not special", contentWith(func(c *Content) { c.DurationMonths = 7 }),
			Policy{MaxDurationMonths: 6, SpecialMaxDurationMonths: 9}.WithDefaults(), invalid("DURATION_EXCEEDS_MAXIMUM", "duration_months")},
		{"custom maxima 6/9: 10 months special", contentWith(func(c *Content) { c.DurationMonths, c.Special = 10, true }),
			Policy{MaxDurationMonths: 6, SpecialMaxDurationMonths: 9}.WithDefaults(), invalid("DURATION_EXCEEDS_SPECIAL_MAXIMUM", "duration_months")},
		{"negative beneficiary count", contentWith(func(c *Content) { c.BeneficiaryCount = -1 }), p,
			invalid("INVALID_BENEFICIARY_COUNT", "beneficiaries.estimated_count")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Validate(tc.p)
			checkErr(t, err, tc.want)
			if err != nil {
				if e, _ := errs.As(err); e.Kind != errs.InvalidArgument || len(e.Violations) != 1 {
					t.Errorf("error %+v: want one InvalidArgument violation", e)
				}
			}
		})
	}
}

func TestCheckComplete(t *testing.T) {
	p := Policy{}.WithDefaults()
	tests := []struct {
		name    string
		c       Content
		missing []string // nil: complete
	}{
		{"complete", goodContent(), nil},
		{"empty content", Content{Category: CategoryElderly, Title: "t"},
			[]string{"summary", "budget_items", "duration_months", "service_area", "beneficiaries", "team"}},
		{"blank summary", contentWith(func(c *Content) { c.Summary = "  " }), []string{"summary"}},
		{"no budget lines", contentWith(func(c *Content) { c.BudgetItems = nil }), []string{"budget_items"}},
		{"no duration", contentWith(func(c *Content) { c.DurationMonths = 0 }), []string{"duration_months"}},
		{"special above maximum without justification", contentWith(func(c *Content) { c.DurationMonths, c.Special = 18, true }),
			[]string{"special_justification"}},
		{"special above maximum with blank justification", contentWith(func(c *Content) { c.DurationMonths, c.Special, c.SpecialJustification = 18, true, " " }),
			[]string{"special_justification"}},
		{"special above maximum with justification", contentWith(func(c *Content) { c.DurationMonths, c.Special, c.SpecialJustification = 18, true, "two school years" }), nil},
		{"special within maximum needs no justification", contentWith(func(c *Content) { c.DurationMonths, c.Special = 12, true }), nil},
		{"no service area", contentWith(func(c *Content) { c.ServiceArea = nil }), []string{"service_area"}},
		{"no beneficiary group", contentWith(func(c *Content) { c.BeneficiaryGroup = "" }), []string{"beneficiaries"}},
		{"no beneficiary count", contentWith(func(c *Content) { c.BeneficiaryCount = 0 }), []string{"beneficiaries"}},
		{"no team", contentWith(func(c *Content) { c.Team = nil }), []string{"team"}},
		{"summary and team missing", contentWith(func(c *Content) { c.Summary, c.Team = "", nil }), []string{"summary", "team"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.CheckComplete(p)
			if tc.missing == nil {
				checkErr(t, err, want{})
				return
			}
			checkErr(t, err, want{is: ErrIncomplete, reason: "APPLICATION_INCOMPLETE"})
			e, _ := errs.As(err)
			var fields []string
			for _, v := range e.Violations {
				fields = append(fields, v.Field)
			}
			if !reflect.DeepEqual(fields, tc.missing) {
				t.Errorf("violations %v, want %v", fields, tc.missing)
			}
			if wantMsg := "missing: " + strings.Join(tc.missing, ", "); e.Message != wantMsg {
				t.Errorf("message %q, want %q", e.Message, wantMsg)
			}
		})
	}
}

func TestSubmit(t *testing.T) {
	deadline := t0.Add(30 * 24 * time.Hour)
	p := Policy{SubmissionDeadline: deadline, ShortlistQuota: 30, SelectionQuota: 12}.WithDefaults()
	before := deadline.Add(-time.Hour)
	earlier := t0.Add(24 * time.Hour)

	tests := []struct {
		name      string
		app       Application
		phase     Phase
		now       time.Time
		want      want
		wantRev   int
		wantFirst time.Time
	}{
		{"draft", Application{Status: StatusDraft, Content: goodContent()}, PhaseSolicitation, before, want{}, 1, before},
		{"returned: resubmission keeps the first submit time",
			Application{Status: StatusReturned, Revision: 1, FirstSubmitAt: earlier, Content: goodContent()},
			PhaseSolicitation, before, want{}, 2, earlier},
		{"1ns before the deadline", Application{Status: StatusDraft, Content: goodContent()}, PhaseSolicitation,
			deadline.Add(-time.Nanosecond), want{}, 1, deadline.Add(-time.Nanosecond)},
		{"exactly at the deadline", Application{Status: StatusDraft, Content: goodContent()}, PhaseSolicitation, deadline,
			want{is: ErrDeadlinePassed, reason: "SUBMISSION_DEADLINE_PASSED"}, 0, time.Time{}},
		{"after the deadline", Application{Status: StatusDraft, Content: goodContent()}, PhaseSolicitation, deadline.Add(time.Second),
			want{is: ErrDeadlinePassed}, 0, time.Time{}},
		{"returned, after the deadline",
			Application{Status: StatusReturned, Revision: 1, FirstSubmitAt: earlier, Content: goodContent()},
			PhaseSolicitation, deadline.Add(time.Second), want{is: ErrDeadlinePassed}, 1, earlier},
		{"round in draft", Application{Status: StatusDraft, Content: goodContent()}, PhaseDraft, before,
			want{is: ErrRoundNotSoliciting, reason: "ROUND_NOT_SOLICITING"}, 0, time.Time{}},
		{"round in shortlisting", Application{Status: StatusDraft, Content: goodContent()}, PhaseShortlisting, before,
			want{is: ErrRoundNotSoliciting}, 0, time.Time{}},
		{"round closed", Application{Status: StatusDraft, Content: goodContent()}, PhaseClosed, before,
			want{is: ErrRoundNotSoliciting}, 0, time.Time{}},
		{"already submitted", Application{Status: StatusSubmitted, Revision: 1, FirstSubmitAt: earlier, Content: goodContent()},
			PhaseSolicitation, before, want{is: ErrNotSubmittable, reason: "APPLICATION_NOT_SUBMITTABLE"}, 1, earlier},
		{"accepted", Application{Status: StatusAccepted, Revision: 1, FirstSubmitAt: earlier, Content: goodContent()},
			PhaseSolicitation, before, want{is: ErrNotSubmittable}, 1, earlier},
		{"rejected", Application{Status: StatusRejected, Revision: 1, FirstSubmitAt: earlier, Content: goodContent()},
			PhaseSolicitation, before, want{is: ErrNotSubmittable}, 1, earlier},
		{"invalid content", Application{Status: StatusDraft, Content: contentWith(func(c *Content) { c.DurationMonths = 13 })},
			PhaseSolicitation, before, want{reason: "DURATION_EXCEEDS_MAXIMUM", field: "duration_months"}, 0, time.Time{}},
		{"incomplete content", Application{Status: StatusDraft, Content: contentWith(func(c *Content) { c.Team = nil })},
			PhaseSolicitation, before, want{is: ErrIncomplete, field: "team"}, 0, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.app
			statusBefore := a.Status
			err := a.Submit(tc.phase, p, tc.now)
			checkErr(t, err, tc.want)
			if a.Revision != tc.wantRev {
				t.Errorf("revision = %d, want %d", a.Revision, tc.wantRev)
			}
			if !a.FirstSubmitAt.Equal(tc.wantFirst) {
				t.Errorf("FirstSubmitAt = %v, want %v", a.FirstSubmitAt, tc.wantFirst)
			}
			if err != nil {
				if a.Status != statusBefore || !a.LastSubmitAt.IsZero() {
					t.Errorf("refused submission changed the application: %+v", a)
				}
				return
			}
			if a.Status != StatusSubmitted || !a.LastSubmitAt.Equal(tc.now) || !a.UpdatedAt.Equal(tc.now) {
				t.Errorf("after submit: status %s, last submit %v, updated %v", a.Status, a.LastSubmitAt, a.UpdatedAt)
			}
		})
	}
}

// The whole cycle: submit, return, resubmit, accept (初审 → 修改完善 → 再度申报).
func TestSubmitReturnResubmit(t *testing.T) {
	deadline := t0.Add(30 * 24 * time.Hour)
	p := Policy{SubmissionDeadline: deadline, ShortlistQuota: 30, SelectionQuota: 12}.WithDefaults()
	t1, t2, t3, t4 := t0.Add(time.Hour), t0.Add(2*time.Hour), t0.Add(3*time.Hour), t0.Add(4*time.Hour)

	a := Application{Status: StatusDraft, Content: goodContent()}
	if err := a.Submit(PhaseSolicitation, p, t1); err != nil {
		t.Fatal(err)
	}
	if a.Revision != 1 || !a.FirstSubmitAt.Equal(t1) || !a.LastSubmitAt.Equal(t1) {
		t.Fatalf("after first submit: %+v", a)
	}
	if err := a.ApplyReview(DecisionReturn, []string{"预算说明不足"}, "op-1", t2); err != nil {
		t.Fatal(err)
	}
	if a.Status != StatusReturned || !a.Editable() {
		t.Fatalf("after return: status %s editable %v", a.Status, a.Editable())
	}
	a.Content.Summary += "（已补充）"
	if err := a.Submit(PhaseSolicitation, p, t3); err != nil {
		t.Fatal(err)
	}
	if a.Revision != 2 || !a.FirstSubmitAt.Equal(t1) || !a.LastSubmitAt.Equal(t3) || a.Status != StatusSubmitted {
		t.Fatalf("after resubmit: revision %d first %v last %v status %s", a.Revision, a.FirstSubmitAt, a.LastSubmitAt, a.Status)
	}
	if err := a.ApplyReview(DecisionAccept, nil, "op-1", t4); err != nil {
		t.Fatal(err)
	}
	if a.Status != StatusAccepted || a.LastReview.Revision != 2 || a.Editable() {
		t.Fatalf("after accept: %+v, review %+v", a, a.LastReview)
	}
	checkErr(t, a.Submit(PhaseSolicitation, p, t4), want{is: ErrNotSubmittable})
}

func TestApplyReview(t *testing.T) {
	now := t0.Add(48 * time.Hour)
	tests := []struct {
		name        string
		status      Status
		decision    Decision
		reasons     []string
		want        want
		wantStatus  Status
		wantReasons []string
	}{
		{"accept without reasons", StatusSubmitted, DecisionAccept, nil, want{}, StatusAccepted, nil},
		{"accept with a reason", StatusSubmitted, DecisionAccept, []string{" good "}, want{}, StatusAccepted, []string{"good"}},
		{"return with reasons", StatusSubmitted, DecisionReturn, []string{" budget unclear ", "", "team thin"}, want{}, StatusReturned, []string{"budget unclear", "team thin"}},
		{"reject with a reason", StatusSubmitted, DecisionReject, []string{"not public welfare"}, want{}, StatusRejected, []string{"not public welfare"}},
		{"return without reasons", StatusSubmitted, DecisionReturn, nil,
			want{is: ErrReasonsRequired, reason: "REVIEW_REASONS_REQUIRED", field: "reasons"}, StatusSubmitted, nil},
		{"return with blank reasons", StatusSubmitted, DecisionReturn, []string{"", "  ", "\t"},
			want{is: ErrReasonsRequired}, StatusSubmitted, nil},
		{"reject without reasons", StatusSubmitted, DecisionReject, []string{},
			want{is: ErrReasonsRequired}, StatusSubmitted, nil},
		{"reject with blank reason", StatusSubmitted, DecisionReject, []string{" "},
			want{is: ErrReasonsRequired}, StatusSubmitted, nil},
		{"unknown decision", StatusSubmitted, "MAYBE", []string{"hm"},
			want{is: ErrInvalidDecision, reason: "INVALID_DECISION", field: "decision"}, StatusSubmitted, nil},
		{"empty decision", StatusSubmitted, "", nil, want{is: ErrInvalidDecision}, StatusSubmitted, nil},
		{"lower-case decision", StatusSubmitted, "accept", nil, want{is: ErrInvalidDecision}, StatusSubmitted, nil},
		{"draft", StatusDraft, DecisionAccept, nil, want{is: ErrNotReviewable, reason: "APPLICATION_NOT_SUBMITTED"}, StatusDraft, nil},
		{"accepted", StatusAccepted, DecisionReject, []string{"r"}, want{is: ErrNotReviewable}, StatusAccepted, nil},
		{"returned", StatusReturned, DecisionAccept, nil, want{is: ErrNotReviewable}, StatusReturned, nil},
		{"rejected", StatusRejected, DecisionAccept, nil, want{is: ErrNotReviewable}, StatusRejected, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := Application{Status: tc.status, Revision: 3, Content: goodContent()}
			err := a.ApplyReview(tc.decision, tc.reasons, "op-7", now)
			checkErr(t, err, tc.want)
			if a.Status != tc.wantStatus {
				t.Errorf("status = %s, want %s", a.Status, tc.wantStatus)
			}
			if err != nil {
				if a.LastReview != nil || !a.UpdatedAt.IsZero() {
					t.Errorf("refused review recorded something: %+v", a)
				}
				return
			}
			r := a.LastReview
			if r == nil {
				t.Fatal("no review recorded")
			}
			if r.Decision != tc.decision || r.Reviewer != "op-7" || !r.At.Equal(now) || r.Revision != 3 ||
				!reflect.DeepEqual(r.Reasons, tc.wantReasons) || !a.UpdatedAt.Equal(now) {
				t.Errorf("review = %+v, reasons want %q", r, tc.wantReasons)
			}
		})
	}
}

func TestEditable(t *testing.T) {
	for status, want := range map[Status]bool{
		StatusDraft: true, StatusReturned: true,
		StatusSubmitted: false, StatusAccepted: false, StatusRejected: false,
	} {
		if got := (Application{Status: status}).Editable(); got != want {
			t.Errorf("Editable(%s) = %v, want %v", status, got, want)
		}
	}
}

func TestIdeaOnly(t *testing.T) {
	social := Organization{Kind: OrgSocialOrganization}
	registered := Organization{Kind: OrgSocialOrganization, Registered: true}
	other := Organization{Kind: OrgOtherUnit}
	// An other unit can never be verified; even if the flag were set it is no registered social organisation.
	otherFlagged := Organization{Kind: OrgOtherUnit, Registered: true}
	individual := Organization{Kind: OrgIndividual}

	tests := []struct {
		name      string
		applicant Organization
		partner   *Organization
		want      bool
	}{
		{"registered social org, no partner", registered, nil, false},
		{"unverified social org, no partner", social, nil, false},
		{"registered social org with registered partner", registered, &registered, false},
		{"social org with other unit partner", social, &other, false},

		{"individual, no partner", individual, nil, true},
		{"individual, unregistered social org partner", individual, &social, true},
		{"individual, registered social org partner", individual, &registered, false},
		{"individual, other unit partner", individual, &other, true},
		{"individual, flagged other unit partner", individual, &otherFlagged, true},
		{"individual, individual partner", individual, &individual, true},

		{"other unit, no partner", other, nil, true},
		{"other unit, unregistered social org partner", other, &social, true},
		{"other unit, registered social org partner", other, &registered, false},
		{"other unit, other unit partner", other, &other, true},
		{"other unit, flagged other unit partner", other, &otherFlagged, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := IdeaOnly(tc.applicant, tc.partner); got != tc.want {
				t.Errorf("IdeaOnly = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCheckOpen(t *testing.T) {
	deadline := t0.Add(time.Hour)
	p := Policy{SubmissionDeadline: deadline}
	tests := []struct {
		name  string
		phase Phase
		now   time.Time
		want  want
	}{
		{"open", PhaseSolicitation, t0, want{}},
		{"at deadline", PhaseSolicitation, deadline, want{is: ErrDeadlinePassed}},
		{"after deadline", PhaseSolicitation, deadline.Add(time.Nanosecond), want{is: ErrDeadlinePassed}},
		{"draft round", PhaseDraft, t0, want{is: ErrRoundNotSoliciting}},
		{"promotion", PhasePromotion, t0, want{is: ErrRoundNotSoliciting}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkErr(t, CheckOpen(tc.phase, p, tc.now), tc.want)
		})
	}
}

func TestAutomaticChecks(t *testing.T) {
	p := Policy{}.WithDefaults()
	registered := Organization{Kind: OrgSocialOrganization, Registered: true}
	unverified := Organization{Kind: OrgSocialOrganization}
	individual := Organization{Kind: OrgIndividual}
	other := Organization{Kind: OrgOtherUnit}
	names := []string{"ORGANIZATION_REGISTERED", "DURATION_WITHIN_POLICY", "BUDGET_POSITIVE",
		"BUDGET_WITHIN_CAPS", "REQUIRED_FIELDS_PRESENT", "TITLE_UNIQUE_IN_ROUND"}
	const maxFund = int64(105_000_000) // 25,000,000 + 50,000,000 + 30,000,000 fen

	type result = [6]bool // in the order of names
	all := result{true, true, true, true, true, true}
	tests := []struct {
		name      string
		c         Content
		applicant Organization
		partner   *Organization
		dup       bool
		want      result
	}{
		{"good application", goodContent(), registered, nil, false, all},
		{"bad application", Content{
			Category:       CategoryElderly,
			Title:          "t",
			BudgetItems:    []BudgetItem{{"a", maxFund + 1}, {"b", 0}},
			DurationMonths: 30,
		}, individual, nil, true, result{}},
		{"unverified social org", goodContent(), unverified, nil, false, result{false, true, true, true, true, true}},
		{"individual with registered partner", goodContent(), individual, &registered, false, all},
		{"other unit with unverified partner", goodContent(), other, &unverified, false, result{false, true, true, true, true, true}},
		{"other unit with other unit partner", goodContent(), other, &other, false, result{false, true, true, true, true, true}},
		{"duplicate title only", goodContent(), registered, nil, true, result{true, true, true, true, true, false}},
		{"duration 0", contentWith(func(c *Content) { c.DurationMonths = 0 }), registered, nil, false,
			result{true, false, true, true, false, true}},
		{"duration 13 not special", contentWith(func(c *Content) { c.DurationMonths = 13 }), registered, nil, false,
			result{true, false, true, true, true, true}},
		{"special 24 with justification", contentWith(func(c *Content) { c.DurationMonths, c.Special, c.SpecialJustification = 24, true, "why" }),
			registered, nil, false, all},
		{"special 24 without justification", contentWith(func(c *Content) { c.DurationMonths, c.Special = 24, true }),
			registered, nil, false, result{true, false, true, true, false, true}},
		{"special 25 with justification", contentWith(func(c *Content) { c.DurationMonths, c.Special, c.SpecialJustification = 25, true, "why" }),
			registered, nil, false, result{true, false, true, true, true, true}},
		{"no budget lines", contentWith(func(c *Content) { c.BudgetItems = nil }), registered, nil, false,
			result{true, true, false, true, false, true}},
		{"negative budget line", contentWith(func(c *Content) { c.BudgetItems[0].AmountFen = -5 }), registered, nil, false,
			result{true, true, false, true, true, true}},
		{"budget exactly the fundable maximum", contentWith(func(c *Content) { c.BudgetItems = []BudgetItem{{"a", maxFund}} }),
			registered, nil, false, all},
		{"budget 1 fen above the fundable maximum", contentWith(func(c *Content) { c.BudgetItems = []BudgetItem{{"a", maxFund - 10}, {"b", 11}} }),
			registered, nil, false, result{true, true, true, false, true, true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checks := AutomaticChecks(Application{Content: tc.c}, p, tc.applicant, tc.partner, tc.dup)
			if len(checks) != len(names) {
				t.Fatalf("got %d checks %+v, want %d", len(checks), checks, len(names))
			}
			for i, c := range checks {
				if c.Name != names[i] {
					t.Errorf("check %d named %s, want %s", i, c.Name, names[i])
				}
				if c.Passed != tc.want[i] {
					t.Errorf("%s passed = %v, want %v (%s)", c.Name, c.Passed, tc.want[i], c.Detail)
				}
				if c.Detail == "" {
					t.Errorf("%s has no detail", c.Name)
				}
			}
		})
	}

	t.Run("details", func(t *testing.T) {
		checks := AutomaticChecks(Application{Content: contentWith(func(c *Content) { c.Summary, c.Team = "", nil })}, p, registered, nil, false)
		if got, want := checks[4].Detail, "missing: summary, team"; got != want {
			t.Errorf("REQUIRED_FIELDS_PRESENT detail = %q, want %q", got, want)
		}
		if got, want := checks[2].Detail, "2 lines totalling 20000.00 CNY"; got != want {
			t.Errorf("BUDGET_POSITIVE detail = %q, want %q", got, want)
		}
		if got, want := checks[3].Detail, "budget 20000.00 CNY, at most 1050000.00 CNY fundable with full matching and top-up"; got != want {
			t.Errorf("BUDGET_WITHIN_CAPS detail = %q, want %q", got, want)
		}
		if got, want := checks[1].Detail, "12 months (maximum 12, special 24)"; got != want {
			t.Errorf("DURATION_WITHIN_POLICY detail = %q, want %q", got, want)
		}
	})
}

func TestYuan(t *testing.T) {
	tests := []struct {
		fen  int64
		want string
	}{
		{0, "0.00 CNY"},
		{1, "0.01 CNY"},
		{10, "0.10 CNY"},
		{99, "0.99 CNY"},
		{100, "1.00 CNY"},
		{123456, "1234.56 CNY"},
		{300_000_00, "300000.00 CNY"},
		{105_000_000, "1050000.00 CNY"},
		{-1, "-0.01 CNY"},
		{-150, "-1.50 CNY"},
		{-123456, "-1234.56 CNY"},
		{9_223_372_036_854_775_807, "92233720368547758.07 CNY"},
	}
	for _, tc := range tests {
		if got := Yuan(tc.fen); got != tc.want {
			t.Errorf("Yuan(%d) = %q, want %q", tc.fen, got, tc.want)
		}
	}
}

func TestEtag(t *testing.T) {
	tests := []struct {
		id      string
		version int
		want    string
	}{
		// FNV-1a 32-bit: offset basis 0x811c9dc5 for "", 0xe40c292c for "a" (standard test vectors).
		{"", 3, `W/"811c9dc5-3"`},
		{"a", 1, `W/"e40c292c-1"`},
		{"a", 2, `W/"e40c292c-2"`},
	}
	for _, tc := range tests {
		if got := Etag(tc.id, tc.version); got != tc.want {
			t.Errorf("Etag(%q, %d) = %s, want %s", tc.id, tc.version, got, tc.want)
		}
	}

	id := "0193f3a2-7c1e-7d4a-9b8e-2f6a1c3d5e7f"
	seen := map[string]int{}
	for v := 0; v < 50; v++ {
		e := Etag(id, v)
		if e != Etag(id, v) {
			t.Errorf("Etag not deterministic for version %d", v)
		}
		if prev, dup := seen[e]; dup {
			t.Errorf("versions %d and %d share etag %s", prev, v, e)
		}
		seen[e] = v
	}
	if Etag(id, 1) == Etag(id+"x", 1) {
		t.Errorf("different IDs share an etag")
	}
}

// Sentinels stay distinct from each other under errors.Is.
func TestSentinelsDistinct(t *testing.T) {
	sentinels := []error{ErrRoundNotDraft, ErrPhaseNotNext, ErrInvalidPhase, ErrPolicyIncomplete, ErrDeadlineNotPassed,
		ErrAwaitingReview, ErrPublicityNotElapsed, ErrPreconditionUnverified, ErrRoundNotSoliciting, ErrDeadlinePassed,
		ErrNotEditable, ErrNotSubmittable, ErrIncomplete, ErrNotReviewable, ErrReasonsRequired, ErrInvalidDecision,
		ErrOrganizationNotOwned, ErrNotSocialOrganization, ErrPartnerNotRegistered, errPolicy}
	for i, a := range sentinels {
		for j, b := range sentinels {
			if got := errors.Is(a, b); got != (i == j) {
				t.Errorf("errors.Is(%v, %v) = %v", a, b, got)
			}
		}
	}
}

// DOMAIN.md §3: a duration beyond max_duration_months needs `special` with a justification. CheckComplete
// treats a blank justification as missing; DURATION_WITHIN_POLICY should agree.
func TestAutomaticChecksBlankJustification(t *testing.T) {
	p := Policy{}.WithDefaults()
	c := contentWith(func(c *Content) { c.DurationMonths, c.Special, c.SpecialJustification = 24, true, "   " })
	checks := AutomaticChecks(Application{Content: c}, p, Organization{Kind: OrgSocialOrganization, Registered: true}, nil, false)
	if checks[1].Name != "DURATION_WITHIN_POLICY" || checks[1].Passed {
		t.Errorf("DURATION_WITHIN_POLICY = %+v, want failed: a blank justification is no justification", checks[1])
	}
	if checks[4].Name != "REQUIRED_FIELDS_PRESENT" || checks[4].Passed {
		t.Errorf("REQUIRED_FIELDS_PRESENT = %+v, want failed", checks[4])
	}
}
