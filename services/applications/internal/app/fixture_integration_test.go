package app_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/authz/authztest"
	"github.com/commonweal/commonweal/pkg/dbtest"
	"github.com/commonweal/commonweal/pkg/fakeclock"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
	"github.com/commonweal/commonweal/services/applications/internal/store"
	"github.com/commonweal/commonweal/services/applications/internal/store/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// Made-up identifiers written out as literals, so that no expected value comes from pkg/cnid. Regions
// 999999 and 990101 do not exist. The check characters were computed once, independently of pkg/cnid, from
// GB 32100-2015 (alphabet 0-9A-HJ-NPQRTUWXY, weight of position i = 3^(i-1) mod 31, check = 31 - sum mod
// 31) and GB 11643-1999 (ISO 7064 MOD 11-2: weight of position i = 2^(18-i) mod 11, check =
// (12 - sum mod 11) mod 11, 10 written X).
const (
	usccCareCentre   = "91999999MA0000001N" // the verified social organisation of published()
	usccStreetUnit   = "91999999MA0000002R" // an other unit, idea prizes only without a partner
	residentID       = "990101198001010014"
	residentIDMasked = "990101********0014"
	phone            = "13912345678"
	phoneMasked      = "139****5678"
)

var schema = dbtest.New("applications", "applications-test", migrations.FS)

type fixture struct {
	svc     *app.Service
	pool    *pgxpool.Pool
	clock   *fakeclock.Clock
	reviews *reviewsFake
	// supervision stands for the supervision service, owner of the CLOSING and CLOSED preconditions.
	supervision *reviewsFake
}

// setup returns the use cases over a fresh database, with the reviews service faked.
func setup(t *testing.T) *fixture {
	t.Helper()
	return setupOn(t, schema.Pool(t, 0))
}

// setupOn is setup over pool, a fresh database's.
func setupOn(t *testing.T, pool *pgxpool.Pool) *fixture {
	t.Helper()
	c := fakeclock.New(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	reviews, supervision := &reviewsFake{}, &reviewsFake{}
	st := store.New(pool, dbtest.Box(t))
	svc := app.New(app.Deps{Rounds: st, Organizations: st, Applications: st, Queries: st, Requests: idempotency.NewPG(pool), Now: c.Now,
		Checkers: map[string]app.PreconditionChecker{"reviews": reviews, "supervision": supervision}, Communities: st, Needs: st,
		PersonalData: st})
	return &fixture{svc: svc, pool: pool, clock: c, reviews: reviews, supervision: supervision}
}

var (
	as        = authztest.As // the context of a call by subject holding roles
	organizer = as("organizer", identity.Organizer)
	operator  = as("operator", identity.Operator)
	applicant = as("applicant", identity.Applicant)
)

func content(title string) domain.Content {
	return domain.Content{
		Category: domain.CategoryElderly, Title: title, Summary: "visits", DurationMonths: 6,
		BudgetItems: []domain.BudgetItem{{Name: "meals", AmountFen: 500_000}}, ServiceArea: []string{"A"},
		BeneficiaryGroup: "elderly", BeneficiaryCount: 10, Team: []domain.TeamMember{{Name: "Li", Role: "lead"}},
		Declarations: domain.Declarations{NoGovernmentProvision: true, NotFundedElsewhere: true},
	}
}

// evidence is what the fixtures' operator verifies registrations against.
const evidence = "市民政局社会组织登记档案：登记证号 渭民证字第0001号"

// notice is a round's notice (公告), which it needs to be published.
var notice = domain.Document{Title: "2026年度公益创投活动公告", Body: "现将有关事项公告如下。"}

// publicity is the publicity period of the rounds made by published.
const publicity = time.Minute

// published creates a published round whose deadline is an hour ahead, and a verified organisation of
// applicant.
func (f *fixture) published(t *testing.T) (domain.Round, domain.Organization) {
	t.Helper()
	r, err := f.svc.CreateRound(organizer, app.CreateRound{Name: "2026", Year: 2026,
		Policy: domain.Policy{SubmissionDeadline: f.clock.Now().Add(time.Hour), ShortlistQuota: 2, SelectionQuota: 1, PublicityPeriod: publicity}, Notice: notice})
	if err != nil {
		t.Fatal(err)
	}
	if r, err = f.svc.AdvanceRound(organizer, app.AdvanceRound{RoundID: r.ID, To: domain.PhaseSolicitation}); err != nil {
		t.Fatal(err)
	}
	o, err := f.svc.CreateOrganization(applicant, app.CreateOrganization{Name: "Care Centre", Kind: domain.OrgSocialOrganization,
		USCC: usccCareCentre, ContactPhone: "13812345678"})
	if err != nil {
		t.Fatal(err)
	}
	if o, err = f.svc.VerifyOrganization(operator, app.VerifyOrganization{OrgID: o.ID, Evidence: evidence}); err != nil {
		t.Fatal(err)
	}
	return r, o
}

// draft creates an application of org in round r, as applicant.
func (f *fixture) draft(t *testing.T, r domain.Round, org domain.Organization, title string) domain.Application {
	t.Helper()
	a, err := f.svc.CreateApplication(applicant, app.CreateApplication{RoundID: r.ID, OrgID: org.ID, Content: content(title)})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// submitted creates and submits an application of org in round r.
func (f *fixture) submitted(t *testing.T, r domain.Round, org domain.Organization, title string) domain.Application {
	t.Helper()
	a := f.draft(t, r, org, title)
	a, err := f.svc.SubmitApplication(applicant, app.SubmitApplication{ApplicationID: a.ID, Etag: domain.Etag(a.ID, a.Version)})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// accepted creates, submits and accepts an application of org in round r.
func (f *fixture) accepted(t *testing.T, r domain.Round, org domain.Organization, title string) domain.Application {
	t.Helper()
	s := f.submitted(t, r, org, title)
	a, err := f.svc.ReviewApplication(operator, app.ReviewApplication{ApplicationID: s.ID, Decision: domain.DecisionAccept, Etag: domain.Etag(s.ID, s.Version)})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// shortlisting returns a fresh fixture and its published round, with one accepted application ("Meals"),
// moved past its deadline into SHORTLISTING.
func shortlisting(t *testing.T) (*fixture, domain.Round) {
	t.Helper()
	f := setup(t)
	r, o := f.published(t)
	f.accepted(t, r, o, "Meals")
	f.clock.Add(time.Hour)
	return f, f.advance(t, r, domain.PhaseShortlisting)
}

// advance moves r to phase to, failing the test if it is refused.
func (f *fixture) advance(t *testing.T, r domain.Round, to domain.Phase) domain.Round {
	t.Helper()
	r, err := f.svc.AdvanceRound(organizer, app.AdvanceRound{RoundID: r.ID, To: to})
	if err != nil || r.Phase != to {
		t.Fatalf("advance to %s: %s %v", to, r.Phase, err)
	}
	return r
}

// sameJSON reports whether a and b are the same answer (times compared as instants, whatever their zone).
func sameJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(ja) == string(jb)
}

// phaseOf reads the round's phase as stored.
func (f *fixture) phaseOf(t *testing.T, r domain.Round) domain.Phase {
	t.Helper()
	got, err := f.svc.GetRound(organizer, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got.Phase
}
