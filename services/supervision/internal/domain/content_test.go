package domain

import (
	"strings"
	"testing"
	"time"
)

var budget = []string{"meals", "staff"}

func TestSpendingCheck(t *testing.T) {
	line := func(name string, fen int64) LineAmount { return LineAmount{BudgetLine: name, AmountFen: fen} }
	tests := []struct {
		name  string
		total int64
		lines []LineAmount
		want  int64
		err   string
	}{
		{"total only", 5_000, nil, 5_000, ""},
		{"nothing spent", 0, nil, 0, ""},
		{"lines without a total: their sum", 0, []LineAmount{line("meals", 3_000), line("staff", 2_000)}, 5_000, ""},
		{"lines with their sum", 5_000, []LineAmount{line("meals", 3_000), line("staff", 2_000)}, 5_000, ""},
		{"lines with another total", 5_001, []LineAmount{line("meals", 3_000), line("staff", 2_000)}, 0, "SPENDING_TOTAL_MISMATCH spent_fen"},
		{"negative total", -1, nil, 0, "NEGATIVE_AMOUNT spent_fen"},
		{"unknown line", 0, []LineAmount{line("travel", 1)}, 0, "UNKNOWN_BUDGET_LINE spending[0].budget_line"},
		{"a line twice", 0, []LineAmount{line("meals", 1), line("meals", 2)}, 0, "DUPLICATE_BUDGET_LINE spending[1].budget_line"},
		{"zero line", 0, []LineAmount{line("meals", 0)}, 0, "NON_POSITIVE_AMOUNT spending[0].amount_fen"},
		{"negative line", 0, []LineAmount{line("meals", -5)}, 0, "NON_POSITIVE_AMOUNT spending[0].amount_fen"},
		{"overflowing lines", 0, []LineAmount{line("meals", maxFen), line("staff", 1)}, 0, "AMOUNT_TOO_LARGE spending[1].amount_fen"},
	}
	for _, tt := range tests {
		got, err := Spending{TotalField: "spent_fen", TotalFen: tt.total, Lines: tt.lines}.Check(budget)
		if reasonAndField(err) != tt.err || got != tt.want {
			t.Errorf("%s: %d, %v; want %d, %q", tt.name, got, err, tt.want, tt.err)
		}
	}
}

func TestReportContentAndRevisions(t *testing.T) {
	bad := []struct {
		name          string
		activities    string
		beneficiaries int64
		issues        string
		want          string
	}{
		{"no activities", "", 1, "", "REQUIRED_FIELD activities"},
		{"blank activities", "  \n", 1, "", "REQUIRED_FIELD activities"},
		{"negative beneficiaries", "visits", -1, "", "INVALID_COUNT beneficiaries_served"},
		{"too long issues", "visits", 1, strings.Repeat("问", LongText+1), "TEXT_TOO_LONG issues"},
	}
	for _, tt := range bad {
		if _, err := NewReportContent(tt.activities, tt.beneficiaries, 0, nil, tt.issues, budget); reasonAndField(err) != tt.want {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.want)
		}
	}
	// LongText counts characters, not bytes.
	if _, err := NewReportContent(strings.Repeat("问", LongText), 0, 0, nil, "", budget); err != nil {
		t.Errorf("20,000 Chinese characters refused: %v", err)
	}
	c, err := NewReportContent("visits", 40, 0, []LineAmount{{"meals", 700}}, "", budget)
	if err != nil || c.SpentFen != 700 {
		t.Fatalf("content: %+v %v", c, err)
	}

	sh := mustLoad(t, "Asia/Shanghai")
	cal, _ := NewCalendar("Asia/Shanghai", 10, time.Date(2026, 3, 15, 10, 0, 0, 0, sh), 12)
	p := Project{ID: "p1", RoundID: "r1", OrgID: "o1"}
	march := Period{2026, time.March}
	onTime := NewMonthlyReport("id-1", p, march, c, cal, time.Date(2026, 4, 10, 23, 0, 0, 0, sh), "team")
	late := NewMonthlyReport("id-2", p, march, c, cal, time.Date(2026, 4, 11, 0, 0, 0, 0, sh), "team")
	if onTime.Late || !late.Late || onTime.Revision != 1 || onTime.OrgID != "o1" {
		t.Fatalf("late flags: on time %+v, late %+v", onTime, late)
	}
	first := onTime.Etag()
	c2 := c
	c2.Activities = "visits and meals"
	if err := onTime.Replace("stale", c2, time.Now(), "team"); reasonAndField(err) != "ETAG_MISMATCH" || onTime.Revision != 1 {
		t.Fatalf("replace with a wrong etag: %v, revision %d", err, onTime.Revision)
	}
	if err := onTime.Replace(first, c2, time.Now(), "team-2"); err != nil || onTime.Revision != 2 || onTime.Activities != "visits and meals" || onTime.SubmittedBy != "team-2" {
		t.Fatalf("replace: %v %+v", err, onTime)
	}
	if onTime.Etag() == first || onTime.Etag() == late.Etag() {
		t.Fatal("the etag does not change with the revision, or is shared by two reports")
	}
	if err := onTime.Replace(first, c, time.Now(), "team"); reasonAndField(err) != "ETAG_MISMATCH" {
		t.Fatalf("replace with the previous revision's etag: %v", err)
	}
}

func TestEvaluations(t *testing.T) {
	p := Project{ID: "p1", RoundID: "r1", BudgetLines: budget}
	if _, err := NewEvaluation(p, "", Passed, 1, nil, "ok"); reasonAndField(err) != "INVALID_EVALUATION_KIND kind" {
		t.Errorf("no kind: %v", err)
	}
	if _, err := NewEvaluation(p, Midterm, "MAYBE", 1, nil, "ok"); reasonAndField(err) != "INVALID_EVALUATION_RESULT result" {
		t.Errorf("bad result: %v", err)
	}
	if _, err := NewEvaluation(p, Midterm, Passed, 1, nil, ""); reasonAndField(err) != "REQUIRED_FIELD findings" {
		t.Errorf("no findings: %v", err)
	}
	if _, err := NewEvaluation(p, Midterm, Passed, 10, []LineAmount{{"meals", 9}}, "ok"); reasonAndField(err) != "SPENDING_TOTAL_MISMATCH verified_spending_fen" {
		t.Errorf("mismatch: %v", err)
	}
	mid, err := NewEvaluation(p, Midterm, Failed, 0, []LineAmount{{"meals", 600}, {"staff", 400}}, "half done")
	if err != nil || mid.VerifiedSpendingFen != 1_000 || mid.RoundID != "r1" {
		t.Fatalf("midterm: %+v %v", mid, err)
	}
	final, _ := NewEvaluation(p, FinalAcceptance, Passed, 2_000, nil, "done")

	order := []struct {
		name     string
		e        Evaluation
		existing []Evaluation
		want     string
	}{
		{"first midterm", mid, nil, ""},
		{"second midterm", mid, []Evaluation{mid}, "EVALUATION_EXISTS"},
		{"final before midterm", final, nil, "MIDTERM_EVALUATION_MISSING"},
		{"final after a failed midterm", final, []Evaluation{mid}, ""},
		{"second final", final, []Evaluation{mid, final}, "EVALUATION_EXISTS"},
	}
	for _, tt := range order {
		if got := reasonAndField(tt.e.CheckAgainst(tt.existing)); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}

	latest := []struct {
		name  string
		evals []Evaluation
		want  EvaluationKind
		ok    bool
	}{
		{"none", nil, "", false},
		{"midterm only (failed counts too)", []Evaluation{mid}, Midterm, true},
		{"final wins", []Evaluation{mid, final}, FinalAcceptance, true},
		{"final wins whatever the order", []Evaluation{final, mid}, FinalAcceptance, true},
	}
	for _, tt := range latest {
		got, ok := LatestVerified(tt.evals)
		if ok != tt.ok || got.Kind != tt.want {
			t.Errorf("%s: %v %t, want %v %t", tt.name, got.Kind, ok, tt.want, tt.ok)
		}
	}
}

func TestRecords(t *testing.T) {
	sh := mustLoad(t, "Asia/Shanghai")
	cal, _ := NewCalendar("Asia/Shanghai", 10, time.Date(2026, 3, 15, 10, 0, 0, 0, sh), 12)
	now := time.Date(2026, 5, 20, 12, 0, 0, 0, sh)
	p := Project{ID: "p1", RoundID: "r1"}
	inspections := []struct {
		name, day, findings string
		rating              Rating
		want                string
	}{
		{"good", "2026-05-20", "clean kitchen", RatingGood, ""},
		{"future", "2026-05-21", "x", RatingGood, "DATE_OUTSIDE_IMPLEMENTATION visited_on"},
		{"before implementation", "2026-03-01", "x", RatingGood, "DATE_OUTSIDE_IMPLEMENTATION visited_on"},
		{"bad date", "20/05/2026", "x", RatingGood, "INVALID_DATE visited_on"},
		{"no findings", "2026-05-20", "", RatingGood, "REQUIRED_FIELD findings"},
		{"no rating", "2026-05-20", "x", "", "INVALID_RATING rating"},
	}
	for _, tt := range inspections {
		in, err := NewInspection(p, tt.day, tt.findings, tt.rating, cal, now)
		if got := reasonAndField(err); got != tt.want {
			t.Errorf("inspection %s: %q, want %q", tt.name, got, tt.want)
		}
		if err == nil && (in.VisitedOn.String() != tt.day || in.RoundID != "r1") {
			t.Errorf("inspection %s: %+v", tt.name, in)
		}
	}
	good := CapacityInput{Kind: Training, HeldOn: "2026-04-02", Topic: "bookkeeping", DurationMinutes: 90, Participants: 6}
	with := func(change func(*CapacityInput)) CapacityInput { c := good; change(&c); return c }
	records := []struct {
		name string
		in   CapacityInput
		want string
	}{
		{"training", good, ""},
		{"consultation", with(func(c *CapacityInput) { c.Kind = Consultation }), ""},
		{"no kind", with(func(c *CapacityInput) { c.Kind = "" }), "INVALID_CAPACITY_BUILDING_KIND kind"},
		{"future", with(func(c *CapacityInput) { c.HeldOn = "2026-06-01" }), "DATE_OUTSIDE_IMPLEMENTATION held_on"},
		{"no topic", with(func(c *CapacityInput) { c.Topic = "" }), "REQUIRED_FIELD topic"},
		{"long provider", with(func(c *CapacityInput) { c.Provider = strings.Repeat("x", ShortText+1) }), "TEXT_TOO_LONG provider"},
		{"no duration", with(func(c *CapacityInput) { c.DurationMinutes = 0 }), "INVALID_DURATION duration_minutes"},
		{"eleven days", with(func(c *CapacityInput) { c.DurationMinutes = maxMinutes + 1 }), "INVALID_DURATION duration_minutes"},
		{"nobody", with(func(c *CapacityInput) { c.Participants = 0 }), "INVALID_COUNT participants"},
	}
	for _, tt := range records {
		r, err := NewCapacityRecord(p, tt.in, cal, now)
		if got := reasonAndField(err); got != tt.want {
			t.Errorf("record %s: %q, want %q", tt.name, got, tt.want)
		}
		if err == nil && (r.HeldOn.String() != tt.in.HeldOn || r.DurationMinutes != 90 || r.Participants != 6) {
			t.Errorf("record %s: %+v", tt.name, r)
		}
	}
}
