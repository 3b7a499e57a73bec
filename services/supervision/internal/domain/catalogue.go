package domain

import (
	"slices"
	"time"
)

// Community is one community of the applications service's maintained list, as the statistics name it.
type Community struct {
	Code        string
	Name        string // e.g. 杜桥社区
	SubDistrict string // e.g. 杜桥街道
	District    string // e.g. 临渭区
	Retired     bool   // no longer chosen; applications that chose it keep it
}

// Label names a community group: "name, sub-district, district".
func (c Community) Label() string { return c.Name + ", " + c.SubDistrict + ", " + c.District }

// Need is a need of the catalogue (引导需求; the applications service owns it) as the statistics count it.
type Need struct {
	ID            string
	Title         string
	Category      string // ELDERLY, …
	CommunityCode string
	State         string // RECORDED, PUBLISHED
}

// NeedPublished is the state of a need published with a round.
const NeedPublished = "PUBLISHED"

// Organization is what the statistics know of an applicant (the applications service owns it).
type Organization struct {
	ID           string
	Name         string
	Kind         string // SOCIAL_ORGANIZATION, OTHER_UNIT, INDIVIDUAL
	FoundingDate string // YYYY-MM-DD; "" when not given
	// StaffSize as the applications service answers it: its contract has no "not given", so 0 is read as
	// not given (see StaffBand).
	StaffSize int
}

// OrgIndividual is the kind of an applicant that is a person.
const OrgIndividual = "INDIVIDUAL"

// Catalogue is what the statistics read of the applications service's lists besides the applications: the
// communities (retired ones too, so an old code keeps its label), the round's needs and the applicants.
type Catalogue struct {
	Communities   map[string]Community    // by code
	Needs         []Need                  // needs published with the round, oldest first
	Organizations map[string]Organization // by ID; an unknown organisation is absent
}

// communityLabel is the label of a community group's key: the listed community's label, else the key itself
// (a code no longer listed, or a free-text entry).
func (c Catalogue) communityLabel(key string) string {
	if m, ok := c.Communities[key]; ok {
		return m.Label()
	}
	return key
}

// communityNames are the names of the communities an application chose, in its order; a code not listed is
// written as itself.
func (c Catalogue) communityNames(codes []string) []string {
	out := make([]string, 0, len(codes))
	for _, code := range codes {
		if m, ok := c.Communities[code]; ok {
			out = append(out, m.Name)
		} else {
			out = append(out, code)
		}
	}
	return out
}

// distinct is s without repeats, sorted.
func distinct(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

// smallDistinct is the length up to which eachDistinct finds repeats by looking back rather than by sorting:
// an application's communities and needs are a handful.
const smallDistinct = 16

// eachDistinct calls f with each value of s once, in no particular order, without allocating for a short s
// (the statistics count per value, so the order does not matter).
func eachDistinct(s []string, f func(string)) {
	if len(s) > smallDistinct {
		for _, v := range distinct(s) {
			f(v)
		}
		return
	}
	for i, v := range s {
		if !slices.Contains(s[:i], v) {
			f(v)
		}
	}
}

// CommunityKeys are the community groups an application counts in: each distinct community code it chose
// from the list, or, when it chose none, each distinct entry of its free-text service area.
func (a RoundApplication) CommunityKeys() []string {
	return distinct(a.communityEntries())
}

// communityEntries are the entries CommunityKeys are drawn from, repeats included.
func (a RoundApplication) communityEntries() []string {
	if len(a.CommunityCodes) > 0 {
		return a.CommunityCodes
	}
	return a.ServiceArea
}

// Submitted reports whether the application has left DRAFT (any status but DRAFT).
func (a RoundApplication) Submitted() bool { return a.Status != "DRAFT" }

// Home district defaults, as the applications service's policy fills them in.
const (
	DefaultHomeDistrict           = "临渭区"
	DefaultHomeDistrictMinPercent = 50
)

// HomeDistrictRule is the round's home district and the share of an application's chosen communities that
// must lie in it, in percent: the policy's, or the defaults where it has none (a round stored before the
// policy had them; the applications service refuses a percentage outside 1 to 100).
func (r Round) HomeDistrictRule() (district string, minPercent int) {
	district, minPercent = r.HomeDistrict, r.HomeDistrictMinPercent
	if district == "" {
		district = DefaultHomeDistrict
	}
	if minPercent <= 0 {
		minPercent = DefaultHomeDistrictMinPercent
	}
	return district, minPercent
}

// HomeDistrictShare counts an application's distinct chosen community codes (chosen) and those whose listed
// district is district (in). A code no longer listed counts as chosen and not in the district.
func HomeDistrictShare(codes []string, communities map[string]Community, district string) (in, chosen int) {
	eachDistinct(codes, func(code string) {
		chosen++
		if c, ok := communities[code]; ok && c.District == district {
			in++
		}
	})
	return in, chosen
}

// MainlyInHomeDistrict is the rule of the applications service's SERVICE_AREA_IN_HOME_DISTRICT check: the
// share in ÷ chosen reaches minPercent percent, computed exactly with integers as in·100 ≥ minPercent·chosen.
// An application that chose no community from the list is not mainly in the home district.
func MainlyInHomeDistrict(in, chosen, minPercent int) bool {
	return chosen > 0 && in*100 >= minPercent*chosen
}

// NeedLine is one published need and the applications and projects that declare they answer it.
type NeedLine struct {
	Need
	Applications int // submitted (not DRAFT) applications declaring it
	Projects     int // selected projects declaring it
}

// NeedsTally counts a round's catalogue needs: published with it, answered by at least one submitted
// application, met by at least one selected project; one line per published need, in the catalogue's order.
type NeedsTally struct {
	Published, Answered, Met int
	Lines                    []NeedLine
}

// TallyNeeds counts the needs of the round (only those PUBLISHED: a need merely recorded is not in the
// round's catalogue) against what its applications declare. An application counts once per need however
// often it lists it; a need ID that is not a published need of the round is ignored; a DRAFT application
// answers nothing yet; a project is an application whose stage is SELECTED.
func TallyNeeds(needs []Need, apps []RoundApplication) NeedsTally {
	t := NeedsTally{Lines: []NeedLine{}}
	index := map[string]int{}
	for _, n := range needs {
		if n.State != NeedPublished {
			continue
		}
		if _, dup := index[n.ID]; dup {
			continue
		}
		index[n.ID] = len(t.Lines)
		t.Lines = append(t.Lines, NeedLine{Need: n})
	}
	for _, a := range apps {
		if !a.Submitted() {
			continue
		}
		eachDistinct(a.NeedIDs, func(id string) {
			if i, ok := index[id]; ok {
				t.Lines[i].Applications++
				if a.Stage == StageSelected {
					t.Lines[i].Projects++
				}
			}
		})
	}
	t.Published = len(t.Lines)
	for _, l := range t.Lines {
		if l.Applications > 0 {
			t.Answered++
		}
		if l.Projects > 0 {
			t.Met++
		}
	}
	return t
}

// Bands of an organisation's age (whole years completed since its founding date, at the round's
// publication) and of its staff size; BandUnknown when the organisation did not say.
const (
	AgeUnder1Year    = "UNDER_1_YEAR"
	Age1To3Years     = "1_TO_3_YEARS"
	Age3To5Years     = "3_TO_5_YEARS"
	Age5YearsOrMore  = "5_YEARS_OR_MORE"
	Staff0To5        = "0_TO_5"
	Staff6To10       = "6_TO_10"
	Staff11To30      = "11_TO_30"
	StaffOver30      = "OVER_30"
	BandUnknown      = "UNKNOWN"
	defaultTimeZone  = "Asia/Shanghai"
	foundingDateForm = time.DateOnly
)

// AgeBands and StaffBands are every band, in order: a profile counts each of them, zero included.
var (
	AgeBands   = []string{AgeUnder1Year, Age1To3Years, Age3To5Years, Age5YearsOrMore, BandUnknown}
	StaffBands = []string{Staff0To5, Staff6To10, Staff11To30, StaffOver30, BandUnknown}
)

// WholeYears is how many whole years have been completed from day from to day on: the anniversary counts on
// its day (a 29 February founding completes its years on 1 March of a common year); negative when from is
// after on.
func WholeYears(from, on Date) int {
	years := on.Year - from.Year
	if on.Month < from.Month || on.Month == from.Month && on.Day < from.Day {
		years--
	}
	return years
}

// AgeBand is the band of an organisation founded on founding ("YYYY-MM-DD") at day on: under 1 whole year
// (a founding after on included), 1 to 3 (1 or 2 whole years), 3 to 5 (3 or 4), 5 years or more; UNKNOWN when
// no date or not a day.
func AgeBand(founding string, on Date) string {
	t, err := time.Parse(foundingDateForm, founding)
	if err != nil || t.Format(foundingDateForm) != founding {
		return BandUnknown
	}
	switch years := WholeYears(DateOfKey(t), on); {
	case years < 1:
		return AgeUnder1Year
	case years < 3:
		return Age1To3Years
	case years < 5:
		return Age3To5Years
	default:
		return Age5YearsOrMore
	}
}

// StaffBand is the band of an organisation's staff size: 1 to 5 is 0_TO_5, 6 to 10, 11 to 30, over 30.
// The applications service's contract cannot tell a staff size of 0 from one never given (proto3 int32), so
// 0 (and anything negative) is UNKNOWN, as is every individual, whatever it gave: a person has no staff.
func StaffBand(o Organization) string {
	switch n := o.StaffSize; {
	case o.Kind == OrgIndividual || n <= 0:
		return BandUnknown
	case n <= 5:
		return Staff0To5
	case n <= 10:
		return Staff6To10
	case n <= 30:
		return Staff11To30
	default:
		return StaffOver30
	}
}

// OrgProfile counts distinct organisations by age and staff band; every band is present, zero included.
type OrgProfile struct {
	Organizations int
	ByAge         map[string]int
	ByStaffSize   map[string]int
}

// Profile counts the distinct organisations orgIDs by age at day on and by staff size; an organisation the
// catalogue does not know counts as UNKNOWN in both.
func Profile(orgIDs []string, orgs map[string]Organization, on Date) OrgProfile {
	p := OrgProfile{ByAge: map[string]int{}, ByStaffSize: map[string]int{}}
	for _, b := range AgeBands {
		p.ByAge[b] = 0
	}
	for _, b := range StaffBands {
		p.ByStaffSize[b] = 0
	}
	seen := make(map[string]bool, min(len(orgIDs), len(orgs)))
	for _, id := range orgIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		o := orgs[id] // zero: unknown in both
		p.Organizations++
		p.ByAge[AgeBand(o.FoundingDate, on)]++
		p.ByStaffSize[StaffBand(o)]++
	}
	return p
}

// PublishDay is the day, in the round's time zone (Asia/Shanghai when it names none or one not known), the
// round was published: the day organisations' ages are counted at. A round not published (no publish time)
// counts at asOf.
func (r Round) PublishDay(asOf time.Time) Date {
	at := r.PublishedAt
	if at.IsZero() {
		at = asOf
	}
	tz := r.TimeZone
	if tz == "" {
		tz = defaultTimeZone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc, err = time.LoadLocation(defaultTimeZone)
		if err != nil {
			loc = time.FixedZone("CST", 8*3600)
		}
	}
	return DateOf(at, loc)
}
