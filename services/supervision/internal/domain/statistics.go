package domain

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// RoundApplication is what the statistics know of one application of a round (the applications service owns
// it): the project fields plus its category, communities, needs, status and budget.
type RoundApplication struct {
	Project
	OrgName        string
	Category       string   // ELDERLY, DISABILITY, YOUTH, RELIEF, OTHER
	ServiceArea    []string // the communities it serves, as free text
	CommunityCodes []string // the communities it serves, chosen by code from the list
	NeedIDs        []string // the catalogue needs it declares it answers
	Status         string   // DRAFT, SUBMITTED, ACCEPTED, RETURNED, REJECTED
	BudgetFen      int64
	Scores         PanelScores // from the reviews service
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
	Label        string // a community group's label (see Tabulate); "" for the others
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
	Communities []string // names of the communities chosen from the list, in the application's order
}

// Statistics are a round's statistics at AsOf.
type Statistics struct {
	RoundID      string
	Phase        string
	AsOf         time.Time
	OverdueKnown bool // false after IMPLEMENTATION: the overdue counts are then 0
	Total        Tally
	Categories   []Tally // in Categories order, only those with applications
	Communities  []Tally // by key
	Projects     []ProjectLine
	// HomeDistrict is the policy's home district; MainlyInHomeDistrict counts the submitted applications whose
	// chosen communities lie mainly in it (the rule is the function MainlyInHomeDistrict).
	HomeDistrict         string
	MainlyInHomeDistrict int
	Needs                NeedsTally
	// Applicants profiles the organisations of the submitted applications, Selected those of the projects.
	Applicants, Selected OrgProfile
}

// Tabulate builds round r's statistics at asOf from its applications and each one's figures (by application
// ID; none: zero), the selected projects' lines (by project ID) and the applications service's catalogue.
//
// Community groups: an application that chose communities from the list counts in each distinct code (key the
// code, label the community's "name, sub-district, district"; a code no longer listed is its own label); one
// that chose none counts in each distinct entry of its free-text service area (key and label the text; an
// entry that happens to equal a listed code counts in that code's group). Groups are sorted by key.
//
// The home-district count, the needs and the organisation profiles count submitted applications (any status
// but DRAFT); the selected profile counts the projects' organisations; ages are taken at the round's
// publication day (Round.PublishDay).
func Tabulate(r Round, asOf time.Time, overdueKnown bool, apps []RoundApplication, figures map[string]Figures, lines []ProjectLine, cat Catalogue) Statistics {
	district, minPercent := r.HomeDistrictRule()
	st := Statistics{RoundID: r.ID, Phase: r.Phase, AsOf: asOf, OverdueKnown: overdueKnown, Total: Tally{ByStatus: map[string]int{}, ByStage: map[string]int{}},
		HomeDistrict: district}
	categories, communities := map[string]*Tally{}, map[string]*Tally{}
	group := func(m map[string]*Tally, key, label string) *Tally {
		if m[key] == nil {
			m[key] = &Tally{Key: key, Label: label}
		}
		return m[key]
	}
	var applicants, selected []string
	for _, a := range apps {
		f := figures[a.ID]
		st.Total.add(a, f)
		group(categories, a.Category, "").add(a, f)
		eachDistinct(a.communityEntries(), func(c string) {
			t := communities[c]
			if t == nil {
				t = &Tally{Key: c, Label: cat.communityLabel(c)}
				communities[c] = t
			}
			t.add(a, f)
		})
		if !a.Submitted() {
			continue
		}
		if in, chosen := HomeDistrictShare(a.CommunityCodes, cat.Communities, district); MainlyInHomeDistrict(in, chosen, minPercent) {
			st.MainlyInHomeDistrict++
		}
		if a.OrgID == "" {
			continue
		}
		applicants = append(applicants, a.OrgID)
		if a.Stage == StageSelected {
			selected = append(selected, a.OrgID)
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
	for i := range st.Projects {
		st.Projects[i].Communities = cat.communityNames(st.Projects[i].Application.CommunityCodes)
	}
	slices.SortFunc(st.Projects, func(a, b ProjectLine) int { return strings.Compare(a.Application.ID, b.Application.ID) })
	st.Needs = TallyNeeds(cat.Needs, apps)
	day := r.PublishDay(asOf)
	st.Applicants, st.Selected = Profile(applicants, cat.Organizations, day), Profile(selected, cat.Organizations, day)
	return st
}

// categoryRank is a category's place in Categories; an unknown one comes last.
func categoryRank(c string) int {
	if i := slices.Index(Categories, c); i >= 0 {
		return i
	}
	return len(Categories)
}
