package app_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/dbtest"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
	"github.com/commonweal/commonweal/services/applications/internal/store"
)

// Every listed application is the stored one as GetApplication reads it (every field the list shows: content,
// status, stage, review, times, version), for each combination of the filters (status, category, page
// position; an applicant's own organisations), on people's pages (whose contents the store remembers) and
// suite services' pages alike, read again and again; a caller changing the lists of what it was given changes
// nothing for the next one.
func TestListedApplicationsAreTheStoredOnes(t *testing.T) {
	f := setup(t)
	r, o := f.published(t)
	st := store.New(f.pool, dbtest.Box(t))
	var created []domain.Application
	for i, cat := range []domain.Category{domain.CategoryElderly, domain.CategoryYouth, domain.CategoryElderly, domain.CategoryYouth, domain.CategoryYouth} {
		c := content("Listed " + string(rune('A'+i)))
		c.Category = cat
		c.BudgetItems = append(c.BudgetItems, domain.BudgetItem{Name: "transport", AmountFen: int64(10_000 * (i + 1))})
		c.Team = append(c.Team, domain.TeamMember{Name: "Wang", Role: "cook", Qualification: "chef"})
		c.ExpectedOutcomes, c.EvaluationIndicators = []string{"meals served"}, []string{"meals", "visits"}
		c.Declarations.OtherFunding = []domain.OtherFunding{{Source: "street office", AmountFen: 20_000, Note: "pending"}}
		if i == 3 {
			c = content("Listed D") // the plain content of the fixtures, shared by no other
			c.Category = cat
		}
		a, err := f.svc.CreateApplication(applicant, app.CreateApplication{RoundID: r.ID, OrgID: o.ID, Content: c})
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			if a, err = f.svc.SubmitApplication(applicant, app.SubmitApplication{ApplicationID: a.ID, Etag: domain.Etag(a.ID, a.Version)}); err != nil {
				t.Fatal(err)
			}
		}
		if i == 3 {
			if a, err = f.svc.ReviewApplication(operator, app.ReviewApplication{ApplicationID: a.ID, Decision: domain.DecisionReturn,
				Reasons: []string{"itemise the budget"}, Etag: domain.Etag(a.ID, a.Version)}); err != nil {
				t.Fatal(err)
			}
		}
		created = append(created, a)
		f.clock.Add(time.Second)
	}
	ctx := context.Background()
	// stored is the application as GetApplication reads it, without the catalogue snapshot no list item shows.
	stored := func(id string) domain.Application {
		t.Helper()
		a, err := st.GetApplication(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		a.Catalogue = domain.Catalogue{}
		return a
	}
	if stored(created[3].ID).LastReview == nil {
		t.Fatal("the returned application has no review")
	}
	listed := 0
	check := func(name string, who context.Context, filter app.ApplicationFilter) {
		t.Helper()
		for read := range 3 {
			page, err := f.svc.ListApplications(who, filter)
			if err != nil {
				t.Fatal(err)
			}
			listed += len(page)
			for _, a := range page {
				if want := stored(a.ID); !reflect.DeepEqual(a, want) {
					t.Errorf("%s, read %d: listed\n%+v\nstored\n%+v", name, read+1, a, want)
				}
				// What one caller does with its copy reaches no other.
				for i := range a.Content.BudgetItems {
					a.Content.BudgetItems[i].AmountFen = -1
				}
				for i := range a.Content.Team {
					a.Content.Team[i].Name = "changed"
				}
				for _, list := range [][]string{a.Content.ServiceArea, a.Content.ExpectedOutcomes, a.Content.EvaluationIndicators,
					a.Content.CommunityCodes, a.Content.NeedIDs} {
					for i := range list {
						list[i] = "changed"
					}
				}
				for i := range a.Content.Declarations.OtherFunding {
					a.Content.Declarations.OtherFunding[i].Source = "changed"
				}
				if a.LastReview != nil && len(a.LastReview.Reasons) > 0 {
					a.LastReview.Reasons[0] = "changed"
				}
			}
		}
	}
	suite := as("reviews-service", identity.Service)
	for _, who := range []struct {
		name string
		ctx  context.Context
	}{{"operator", operator}, {"applicant", applicant}, {"suite service", suite}} {
		for _, status := range []domain.Status{"", domain.StatusDraft, domain.StatusSubmitted, domain.StatusReturned} {
			for _, cat := range []domain.Category{"", domain.CategoryElderly, domain.CategoryYouth} {
				for _, limit := range []int{2, 21, 1000} {
					filter := app.ApplicationFilter{RoundID: r.ID, Status: status, Category: cat, Limit: limit}
					name := who.name + " " + string(status) + " " + string(cat)
					check(name, who.ctx, filter)
					filter.AfterTime, filter.AfterID = created[1].CreatedAt, created[1].ID
					check(name+" after the second", who.ctx, filter)
				}
			}
		}
	}
	if listed < 3*3*3*5 { // at least every application, each read three times, per caller and page size
		t.Errorf("%d applications listed in all", listed)
	}
}
