package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/dbtest"
	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
	"github.com/commonweal/commonweal/services/supervision/internal/store"
	"github.com/commonweal/commonweal/services/supervision/internal/store/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var schema = dbtest.New("supervision", "supervision-test", migrations.FS)

// The statistics read every selected project's evaluations at once: for each project exactly what
// EvaluationsOf reads of it, in the same order (final acceptance last); a project without any is absent.
func TestEvaluationsOfProjectsAreEachProjectsEvaluations(t *testing.T) {
	ctx := context.Background()
	st := store.New(schema.Pool(t, 0))
	at := time.Date(2026, 9, 1, 2, 0, 0, 0, time.UTC)
	projects := []string{"6f1c2d7e-6a43-4c1b-9a55-0d2b8f1e4a91", "6f1c2d7e-6a43-4c1b-9a55-0d2b8f1e4a92", "6f1c2d7e-6a43-4c1b-9a55-0d2b8f1e4a93"}
	round := "6f1c2d7e-6a43-4c1b-9a55-0d2b8f1e4a90"
	for i, p := range projects[:2] {
		// The final acceptance is recorded first and evaluated earlier, yet comes last.
		for j, kind := range []domain.EvaluationKind{domain.FinalAcceptance, domain.Midterm} {
			e := domain.Evaluation{ID: fmt.Sprintf("6f1c2d7e-6a43-4c1b-9a55-0d2b8f1e4b%d%d", i, j), ProjectID: p, RoundID: round, Kind: kind,
				Result: domain.Passed, VerifiedSpendingFen: int64(100 * (i + 1)), Spending: []domain.LineAmount{{BudgetLine: "meals", AmountFen: int64(100 * (i + 1))}},
				Findings: "on plan", EvaluatedAt: at.Add(time.Duration(j-i) * 24 * time.Hour), RecordedBy: "operator"}
			if err := st.InsertEvaluation(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := st.EvaluationsOfProjects(ctx, projects)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range projects {
		want, err := st.EvaluationsOf(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 {
			if _, ok := got[p]; ok {
				t.Errorf("%s: %v, want absent", p, got[p])
			}
			continue
		}
		if !reflect.DeepEqual(got[p], want) || want[len(want)-1].Kind != domain.FinalAcceptance {
			t.Errorf("%s: %+v\nwant %+v", p, got[p], want)
		}
	}
	if len(got) != 2 {
		t.Errorf("%d projects, want 2", len(got))
	}
	if none, err := st.EvaluationsOfProjects(ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("no project: %v %v", none, err)
	}
}
