package domain_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// BenchmarkTabulate is Tabulate over a round shaped like `make bench-statistics`'s: 100,000 applications of
// 20,000 organisations over the five categories, each in two free-text communities, half of them also two of
// 57 listed communities, a third answering one of 100 needs, 1,000 shortlisted and 100 selected.
//
//	go test ./services/supervision/internal/domain/ -run '^$' -bench Tabulate
func BenchmarkTabulate(b *testing.B) {
	cat := domain.Catalogue{Communities: map[string]domain.Community{}, Organizations: map[string]domain.Organization{}}
	for c := range 57 {
		code := fmt.Sprint("BENCH-", c)
		cat.Communities[code] = domain.Community{Code: code, Name: fmt.Sprint("社区", c), SubDistrict: fmt.Sprint("街道", c%5), District: "临渭区"}
	}
	for n := range 100 {
		cat.Needs = append(cat.Needs, domain.Need{ID: fmt.Sprint("need-", n), State: domain.NeedPublished, Category: "ELDERLY"})
	}
	for o := range 20_000 {
		id := fmt.Sprint("org-", o)
		cat.Organizations[id] = domain.Organization{ID: id, Name: id, FoundingDate: "2015-06-01", StaffSize: o % 60}
	}
	apps := make([]domain.RoundApplication, 100_000)
	figures := map[string]domain.Figures{}
	for i := range apps {
		a := &apps[i]
		a.ID, a.OrgID, a.Category, a.Status = fmt.Sprint("app-", i), fmt.Sprint("org-", i%20_000), domain.Categories[i%5], "ACCEPTED"
		a.ServiceArea = []string{fmt.Sprint("社区", i%50), fmt.Sprint("社区", i%7)}
		if i%2 == 0 {
			a.CommunityCodes = []string{fmt.Sprint("BENCH-", i%50), fmt.Sprint("BENCH-", 50+i%7)}
		}
		if i%3 == 0 {
			a.NeedIDs = []string{fmt.Sprint("need-", i/3%100)}
		}
		a.Stage, a.BudgetFen = "NOT_SHORTLISTED", int64(1_000_000+i)
		if i < 1000 {
			a.Stage, a.Scores = "NOT_SELECTED", domain.PanelScores{Shortlist: 8000, HasShortlist: true, Final: 7000, HasFinal: true}
			figures[a.ID] = domain.Figures{PledgedFen: 100}
		}
		if i < 100 {
			a.Stage = domain.StageSelected
		}
	}
	r := domain.Round{ID: "R", Phase: "PROMOTION", TimeZone: "Asia/Shanghai", PublishedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		st := domain.Tabulate(r, at, true, apps, figures, nil, cat)
		if st.Total.Applications != len(apps) || st.Applicants.Organizations != 20_000 {
			b.Fatalf("%d applications, %d organisations", st.Total.Applications, st.Applicants.Organizations)
		}
	}
}
