package domain

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// RoundApplication is what the statistics know of one application of a round (the applications service owns
// it): the project fields plus its category, communities, status and budget.
type RoundApplication struct {
	Project
	OrgName     string
	Category    string   // ELDERLY, DISABILITY, YOUTH, RELIEF, OTHER
	ServiceArea []string // the communities it serves
	Status      string   // DRAFT, SUBMITTED, ACCEPTED, RETURNED, REJECTED
	BudgetFen   int64
	Scores      PanelScores // from the reviews service
}

// PanelScores are an application's panel scores as the reviews service holds them, in hundredths (8125 =
// 81.25): Shortlist from its shortlist entry, Final from its result entry as a finalist; Has… is false for a
// stage that did not score it (or is not computed yet).
type PanelScores struct {
	Shortlist, Final       int64
	HasShortlist, HasFinal bool
}

// ScoreMean accumulates panel scores (hundredths) exactly: their number and their sum.
type ScoreMean struct {
	Count int
	Sum   int64
}

func (m *ScoreMean) add(score int64, ok bool) {
	if ok {
		m.Count++
		m.Sum += score
	}
}

// Mean is Sum ÷ Count in hundredths, rounded half up to the hundredth with integers only ((2·Sum + Count) ÷
// (2·Count), floored; panel scores are never negative); 0 when Count is 0.
func (m ScoreMean) Mean() int64 {
	if m.Count == 0 {
		return 0
	}
	n := int64(m.Count)
	return (2*m.Sum + n) / (2 * n)
}

// StageNone is the stage key of an application without an outcome yet.
const StageNone = "NONE"

// MayHaveDonations reports whether donations may exist for the application: pledges are made to shortlisted
// applications, so one never shortlisted (no stage, or NOT_SHORTLISTED) has none.
func (a RoundApplication) MayHaveDonations() bool {
	return a.Stage != "" && a.Stage != "NOT_SHORTLISTED"
}

// Categories is the order of the categories, as the applications service lists them.
var Categories = []string{"ELDERLY", "DISABILITY", "YOUTH", "RELIEF", "OTHER"}

// Tally counts and sums the applications of a round, a category or a community.
type Tally struct {
	Key          string // category or community; "" for the round
	Applications int
	ByStatus     map[string]int
	ByStage      map[string]int // StageNone for no outcome yet
	Projects     int            // SELECTED
	BudgetFen    int64          // of the selected projects
	Figures      Figures
	Shortlist    ScoreMean // the shortlist panel scores of its applications that have one
	Final        ScoreMean // the final panel scores of its finalists
}

func (t *Tally) add(a RoundApplication, f Figures) {
	if t.ByStatus == nil {
		t.ByStatus, t.ByStage = map[string]int{}, map[string]int{}
	}
	t.Applications++
	t.ByStatus[a.Status]++
	stage := a.Stage
	if stage == "" {
		stage = StageNone
	}
	t.ByStage[stage]++
	if a.Stage == StageSelected {
		t.Projects++
		t.BudgetFen += a.BudgetFen
	}
	t.Figures = t.Figures.Add(f)
	t.Shortlist.add(a.Scores.Shortlist, a.Scores.HasShortlist)
	t.Final.add(a.Scores.Final, a.Scores.HasFinal)
}

// ProjectLine is one selected project's line of the statistics and the row of the exports.
type ProjectLine struct {
	Application RoundApplication
	Progress    ProjectProgress
}

// Statistics are a round's statistics at AsOf.
type Statistics struct {
	RoundID      string
	Phase        string
	AsOf         time.Time
	OverdueKnown bool // false after IMPLEMENTATION: the overdue counts are then 0
	Total        Tally
	Categories   []Tally // in Categories order, only those with applications
	Communities  []Tally // by name
	Projects     []ProjectLine
}

// Tabulate builds round r's statistics at asOf from its applications and each one's figures (by application
// ID; none: zero) and the selected projects' lines (by project ID).
func Tabulate(r Round, asOf time.Time, overdueKnown bool, apps []RoundApplication, figures map[string]Figures, lines []ProjectLine) Statistics {
	st := Statistics{RoundID: r.ID, Phase: r.Phase, AsOf: asOf, OverdueKnown: overdueKnown, Total: Tally{ByStatus: map[string]int{}, ByStage: map[string]int{}}}
	categories, communities := map[string]*Tally{}, map[string]*Tally{}
	group := func(m map[string]*Tally, key string) *Tally {
		if m[key] == nil {
			m[key] = &Tally{Key: key}
		}
		return m[key]
	}
	for _, a := range apps {
		f := figures[a.ID]
		st.Total.add(a, f)
		group(categories, a.Category).add(a, f)
		for _, c := range slices.Compact(slices.Sorted(slices.Values(a.ServiceArea))) {
			group(communities, c).add(a, f)
		}
	}
	keys := slices.Sorted(maps.Keys(categories))
	slices.SortStableFunc(keys, func(a, b string) int { return categoryRank(a) - categoryRank(b) })
	for _, k := range keys {
		st.Categories = append(st.Categories, *categories[k])
	}
	for _, k := range slices.Sorted(maps.Keys(communities)) {
		st.Communities = append(st.Communities, *communities[k])
	}
	st.Projects = slices.Clone(lines)
	slices.SortFunc(st.Projects, func(a, b ProjectLine) int { return strings.Compare(a.Application.ID, b.Application.ID) })
	return st
}

// categoryRank is a category's place in Categories; an unknown one comes last.
func categoryRank(c string) int {
	if i := slices.Index(Categories, c); i >= 0 {
		return i
	}
	return len(Categories)
}
