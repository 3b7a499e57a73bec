package domain

import (
	"fmt"
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
		Declarations:         Declarations{NoGovernmentProvision: true, NotFundedElsewhere: true},
	}
}

// codes returns n distinct community codes (also used as need IDs: Validate checks only their number).
func codes(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("6105020010%02d", i))
	}
	return out
}

// funding returns n other funding sources of 1,000 yuan each.
func funding(n int) []OtherFunding {
	var out []OtherFunding
	for i := range n {
		out = append(out, OtherFunding{Source: fmt.Sprintf("基金会%d", i), AmountFen: 1_000_00})
	}
	return out
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
		// Communities chosen from the list: well-formed codes, at most 50, none twice.
		{"50 communities", contentWith(func(c *Content) { c.CommunityCodes = codes(50) }), p, want{}},
		{"51 communities", contentWith(func(c *Content) { c.CommunityCodes = codes(51) }), p, invalid("TOO_MANY_COMMUNITIES", "community_codes")},
		{"community twice", contentWith(func(c *Content) { c.CommunityCodes = []string{"610502001001", "610502001002", "610502001001"} }), p,
			invalid("DUPLICATE_COMMUNITY", "community_codes[2]")},
		{"malformed community code", contentWith(func(c *Content) { c.CommunityCodes = []string{"A1", "杜桥"} }), p,
			invalid("INVALID_COMMUNITY_CODE", "community_codes[1]")},
		{"empty community code", contentWith(func(c *Content) { c.CommunityCodes = []string{""} }), p,
			invalid("INVALID_COMMUNITY_CODE", "community_codes[0]")},
		// Needs answered: at most 50, none twice.
		{"50 needs", contentWith(func(c *Content) { c.NeedIDs = codes(50) }), p, want{}},
		{"51 needs", contentWith(func(c *Content) { c.NeedIDs = codes(51) }), p, invalid("TOO_MANY_NEEDS", "need_ids")},
		{"need twice", contentWith(func(c *Content) { c.NeedIDs = []string{"n1", "n1"} }), p, invalid("DUPLICATE_NEED", "need_ids[1]")},
		// Other funding: at most 20, each with a source and a positive amount.
		{"20 other funding", contentWith(func(c *Content) { c.Declarations.OtherFunding = funding(20) }), p, want{}},
		{"21 other funding", contentWith(func(c *Content) { c.Declarations.OtherFunding = funding(21) }), p,
			invalid("TOO_MANY_OTHER_FUNDING", "declarations.other_funding")},
		{"other funding without source", contentWith(func(c *Content) { c.Declarations.OtherFunding = []OtherFunding{{Source: " ", AmountFen: 1}} }), p,
			invalid("OTHER_FUNDING_SOURCE_REQUIRED", "declarations.other_funding[0].source")},
		{"other funding of 0", contentWith(func(c *Content) { c.Declarations.OtherFunding = []OtherFunding{{Source: "基金会", AmountFen: 0}} }), p,
			invalid("OTHER_FUNDING_AMOUNT_NOT_POSITIVE", "declarations.other_funding[0].amount_fen")},
		{"other funding negative", contentWith(func(c *Content) {
			c.Declarations.OtherFunding = []OtherFunding{{Source: "a", AmountFen: 5}, {Source: "b", AmountFen: -5}}
		}), p, invalid("OTHER_FUNDING_AMOUNT_NOT_POSITIVE", "declarations.other_funding[1].amount_fen")},
		{"other funding of 1 fen", contentWith(func(c *Content) { c.Declarations.OtherFunding = []OtherFunding{{Source: "a", AmountFen: 1}} }), p, want{}},
		{"other funding above a billion yuan", contentWith(func(c *Content) {
			c.Declarations.OtherFunding = []OtherFunding{{Source: "a", AmountFen: 1_000_000_000_01}}
		}), p, invalid("OTHER_FUNDING_AMOUNT_TOO_LARGE", "declarations.other_funding[0].amount_fen")},
		{"other funding note of 501 characters", contentWith(func(c *Content) {
			c.Declarations.OtherFunding = []OtherFunding{{Source: "a", AmountFen: 1, Note: strings.Repeat("注", 501)}}
		}), p, invalid("OTHER_FUNDING_TOO_LONG", "declarations.other_funding[0].note")},
		// Declarations not made are allowed in a draft (CheckComplete refuses the submission).
		{"declarations not made in a draft", contentWith(func(c *Content) { c.Declarations = Declarations{} }), p, want{}},
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
			[]string{"summary", "budget_items", "duration_months", "service_area", "beneficiaries", "team", "declarations"}},
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
		{"communities of the list instead of free text", contentWith(func(c *Content) { c.ServiceArea, c.CommunityCodes = nil, []string{"610502001001"} }), nil},
		{"free text and communities", contentWith(func(c *Content) { c.CommunityCodes = []string{"610502001001"} }), nil},
		{"no declaration made", contentWith(func(c *Content) { c.Declarations = Declarations{} }), []string{"declarations"}},
		{"only no government provision declared", contentWith(func(c *Content) { c.Declarations.NotFundedElsewhere = false }), []string{"declarations"}},
		{"only not funded elsewhere declared", contentWith(func(c *Content) { c.Declarations.NoGovernmentProvision = false }), []string{"declarations"}},
		{"other funding listed, both declared", contentWith(func(c *Content) { c.Declarations.OtherFunding = funding(2) }), nil},
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
			// Each partner here accepted; what consent changes is TestIdeaOnlyNeedsConsent's.
			if got := IdeaOnly(tc.applicant, tc.partner, ConsentAccepted); got != tc.want {
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
