package store

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// The scenario 3 baseline of `make bench` (gateway/e2e/testdata/pgbench/list.sql) is the statement the service
// runs for a staff member's first page of a category, with pgbench's variables for the parameters.
func TestListBaselineIsTheServiceStatement(t *testing.T) {
	raw, err := os.ReadFile("../../../../gateway/e2e/testdata/pgbench/list.sql")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(l, "--") {
			lines = append(lines, l)
		}
	}
	words := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	baseline := strings.NewReplacer(":round", "$1", ":category", "$2").Replace(strings.TrimSuffix(words(strings.Join(lines, " ")), ";"))
	q, args := listApplicationsSQL(app.ApplicationFilter{RoundID: "r", Category: domain.CategoryElderly, Limit: 21})
	if words(q) != baseline {
		t.Errorf("the service runs\n%s\nthe baseline\n%s", words(q), baseline)
	}
	if !reflect.DeepEqual(args, []any{"r", domain.CategoryElderly}) {
		t.Errorf("arguments %v", args)
	}
}

// Each statement numbers its parameters in the order of the arguments, one per filter given.
func TestListStatementsNameTheFiltersGiven(t *testing.T) {
	orgs := []string{"o"}
	for shape := range listShapes {
		f := app.ApplicationFilter{RoundID: "r", Limit: 5}
		if shape&listByOrg != 0 {
			f.OrgIDs = orgs
		}
		if shape&listByStatus != 0 {
			f.Status = domain.StatusSubmitted
		}
		if shape&listByCategory != 0 {
			f.Category = domain.CategoryYouth
		}
		if shape&listAfter != 0 {
			f.AfterID = "a"
		}
		q, args := listApplicationsSQL(f)
		params := regexp.MustCompile(`\$\d+`).FindAllString(q, -1)
		if len(params) != len(args) {
			t.Errorf("shape %d: %d parameters, %d arguments: %s", shape, len(params), len(args), q)
		}
		for i, p := range params {
			if p != "$"+strconv.Itoa(i+1) {
				t.Errorf("shape %d: parameter %d is %s: %s", shape, i+1, p, q)
			}
		}
		for filter, on := range map[string]bool{"org_id": f.OrgIDs != nil, "status =": f.Status != "", "category =": f.Category != "", "(created_at, id) >": f.AfterID != ""} {
			if _, where, _ := strings.Cut(q, " WHERE "); strings.Contains(where, filter) != on {
				t.Errorf("shape %d: %q named %v: %s", shape, filter, !on, q)
			}
		}
		if !strings.HasSuffix(q, " ORDER BY created_at, id LIMIT 5") {
			t.Errorf("shape %d: the limit is not written last: %s", shape, q)
		}
	}
}

// The memo's contents are the decoded JSON, the same each time, and every answer has lists of its own, also
// those of a content added to Content later (any slice field).
func TestContentMemoAnswersCopies(t *testing.T) {
	c := domain.Content{Category: domain.CategoryYouth, Title: "Camp", Summary: "summer camp", DurationMonths: 3,
		BudgetItems: []domain.BudgetItem{{Name: "tents", AmountFen: 100}}, ServiceArea: []string{"A"},
		Team: []domain.TeamMember{{Name: "Li"}}, ExpectedOutcomes: []string{"o"}, EvaluationIndicators: []string{"e"},
		CommunityCodes: []string{"C1"}, NeedIDs: []string{"n"},
		Declarations: domain.Declarations{NoGovernmentProvision: true, OtherFunding: []domain.OtherFunding{{Source: "s", AmountFen: 1}}}}
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	m := decodeMemo[domain.Content]{clone: cloneContent}
	first, err := m.decode(raw, true)
	if err != nil || !reflect.DeepEqual(first, c) {
		t.Fatalf("decoded %+v, %v", first, err)
	}
	second, err := m.decode(raw, true)
	if err != nil || !reflect.DeepEqual(second, c) || len(m.m) != 1 {
		t.Fatalf("remembered %+v, %v (%d kept)", second, err, len(m.m))
	}
	// Every slice of the answer, at any depth of the struct, is its own.
	var walk func(path string, a, b reflect.Value)
	slices := 0
	walk = func(path string, a, b reflect.Value) {
		switch a.Kind() {
		case reflect.Struct:
			for i := range a.NumField() {
				walk(path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i))
			}
		case reflect.Slice:
			slices++
			if a.Len() == 0 {
				t.Errorf("%s is empty in the test's content: fill it", path)
			} else if a.Pointer() == b.Pointer() {
				t.Errorf("%s is shared between two answers", path)
			}
		case reflect.Map, reflect.Pointer, reflect.Interface:
			t.Errorf("%s: cloneContent does not copy a %s", path, a.Kind())
		}
	}
	walk("Content", reflect.ValueOf(first), reflect.ValueOf(second))
	if slices < 8 {
		t.Errorf("%d slices walked", slices)
	}
	if _, err := m.decode([]byte(`{"title": 1}`), true); err == nil {
		t.Error("bad JSON decoded")
	}
	if _, err := m.decode([]byte(`{"title":"other"}`), false); err != nil || len(m.m) != 1 {
		t.Errorf("a content not to keep was kept (%d kept, %v)", len(m.m), err)
	}
}
