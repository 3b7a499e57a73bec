package app_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/cnid"
	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
	"github.com/commonweal/commonweal/services/applications/internal/store"
	"github.com/commonweal/commonweal/services/applications/internal/store/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const rolePassword = "applications-test"

var tmpl = pgtest.NewTemplate("applications_"+pgtest.HashFS(migrations.FS), func(ctx context.Context, _, dbURL string) error {
	return db.Migrate(ctx, db.Settings{AdminURL: dbURL, Schema: "applications", Password: rolePassword}, migrations.FS)
})

type fixture struct {
	svc   *app.Service
	pool  *pgxpool.Pool
	clock *clock
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// refusing is a precondition checker that always refuses with the precondition's reason.
type refusing struct{}

func (refusing) Check(ctx context.Context, roundID string, p domain.Precondition) error {
	return errs.New(errs.FailedPrecondition, p.Reason, p.Description)
}

func setup(t *testing.T, checkers map[string]app.PreconditionChecker) *fixture {
	t.Helper()
	_, dbURL := tmpl.Database(t)
	pool, err := db.Open(context.Background(), db.Settings{AdminURL: dbURL, Schema: "applications", Password: rolePassword})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	box, err := sealed.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	return &fixture{svc: app.New(store.New(pool, box), c.Now, checkers), pool: pool, clock: c}
}

func as(subject string, roles ...identity.Role) context.Context {
	return identity.With(context.Background(), identity.Identity{Subject: subject, Roles: roles})
}

func validUSCC(t *testing.T) string {
	c, err := cnid.USCCCheckChar("91999999MA0000001")
	if err != nil {
		t.Fatal(err)
	}
	return "91999999MA0000001" + string(c)
}

func content(title string) domain.Content {
	return domain.Content{
		Category: domain.CategoryElderly, Title: title, Summary: "visits", DurationMonths: 6,
		BudgetItems: []domain.BudgetItem{{Name: "meals", AmountFen: 500_000}}, ServiceArea: []string{"A"},
		BeneficiaryGroup: "elderly", BeneficiaryCount: 10, Team: []domain.TeamMember{{Name: "Li", Role: "lead"}},
	}
}

// published creates a published round whose deadline is an hour ahead, and a verified organisation.
func (f *fixture) published(t *testing.T) (domain.Round, domain.Organization) {
	t.Helper()
	org := as("organizer", identity.Organizer)
	r, err := f.svc.CreateRound(org, "2026", 2026, domain.Policy{SubmissionDeadline: f.clock.Now().Add(time.Hour), ShortlistQuota: 2, SelectionQuota: 1, PublicityPeriod: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if r, err = f.svc.AdvanceRound(org, r.ID, domain.PhaseSolicitation); err != nil {
		t.Fatal(err)
	}
	o, err := f.svc.CreateOrganization(as("applicant", identity.Applicant), "Care Centre", domain.OrgSocialOrganization, validUSCC(t), "", "13812345678")
	if err != nil {
		t.Fatal(err)
	}
	if o, err = f.svc.VerifyOrganization(as("operator", identity.Operator), o.ID); err != nil {
		t.Fatal(err)
	}
	return r, o
}

func TestPhasesMoveForwardWithPreconditions(t *testing.T) {
	f := setup(t, map[string]app.PreconditionChecker{"reviews": refusing{}})
	r, o := f.published(t)
	organizer := as("organizer", identity.Organizer)
	applicant := as("applicant", identity.Applicant)

	a, err := f.svc.CreateApplication(applicant, r.ID, o.ID, content("Meals"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SubmitApplication(applicant, a.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AdvanceRound(organizer, r.ID, domain.PhaseShortlisting); !errors.Is(err, domain.ErrDeadlineNotPassed) {
		t.Fatalf("before the deadline: %v", err)
	}
	f.clock.Add(time.Hour)
	if _, err := f.svc.AdvanceRound(organizer, r.ID, domain.PhaseShortlisting); !errors.Is(err, domain.ErrAwaitingReview) {
		t.Fatalf("with an application awaiting review: %v", err)
	}
	if _, err := f.svc.ReviewApplication(as("operator", identity.Operator), a.ID, domain.DecisionAccept, nil, ""); err != nil {
		t.Fatal(err)
	}
	r, err = f.svc.AdvanceRound(organizer, r.ID, domain.PhaseShortlisting)
	if err != nil || r.Phase != domain.PhaseShortlisting {
		t.Fatalf("advance: %v %v", r.Phase, err)
	}
	// The owning service refuses: the refusal's reason reaches the caller and nothing changes.
	_, err = f.svc.AdvanceRound(organizer, r.ID, domain.PhasePublicity)
	if e, ok := errs.As(err); !ok || e.Reason != "SHORTLIST_NOT_PUBLISHED" {
		t.Fatalf("remote precondition: %v", err)
	}
	if got, _ := f.svc.GetRound(organizer, r.ID); got.Phase != domain.PhaseShortlisting {
		t.Fatalf("refused advance changed the phase to %s", got.Phase)
	}
	if _, err := f.svc.AdvanceRound(as("operator", identity.Operator), r.ID, domain.PhasePublicity); !errors.Is(err, errs.ErrPermissionDenied) {
		t.Fatalf("operator advancing: %v", err)
	}
}

func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	f := setup(t, nil)
	r, o := f.published(t)
	applicant := as("applicant", identity.Applicant)
	a, err := f.svc.CreateApplication(applicant, r.ID, o.ID, content("Meals"))
	if err != nil {
		t.Fatal(err)
	}
	etag := domain.Etag(a.ID, a.Version)
	var wg sync.WaitGroup
	results := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.svc.UpdateApplication(applicant, a.ID, etag, func(c *domain.Content) { c.Summary = "writer " + string(rune('A'+i)) })
			results <- err
		}()
	}
	wg.Wait()
	close(results)
	ok, conflicts := 0, 0
	for err := range results {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, errs.ErrEtagMismatch):
			conflicts++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if ok != 1 || conflicts != 7 {
		t.Fatalf("with one etag, exactly one writer wins: %d ok, %d conflicts", ok, conflicts)
	}
}

func TestPersonalNumbersSealedAndMasked(t *testing.T) {
	f := setup(t, nil)
	idNum := "99010119800101001"
	c, _ := cnid.ResidentIDCheckChar(idNum)
	idNum += string(c)
	o, err := f.svc.CreateOrganization(as("person", identity.Applicant), "Zhang San", domain.OrgIndividual, "", idNum, "13912345678")
	if err != nil {
		t.Fatal(err)
	}
	var clear int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM organizations WHERE position($1::bytea in id_number_sealed) > 0 OR position($2::bytea in phone_sealed) > 0`,
		[]byte(idNum), []byte("13912345678")).Scan(&clear); err != nil {
		t.Fatal(err)
	}
	if clear != 0 {
		t.Fatal("personal numbers stored in clear")
	}
	own, err := f.svc.GetOrganization(as("person", identity.Applicant), o.ID)
	if err != nil || own.IDNumber != idNum {
		t.Fatalf("owner sees %q (%v)", own.IDNumber, err)
	}
	staff, err := f.svc.GetOrganization(as("operator", identity.Operator), o.ID)
	if err != nil || staff.IDNumber != cnid.MaskResidentID(idNum) || staff.ContactPhone != "139****5678" {
		t.Fatalf("operator sees %q %q (%v)", staff.IDNumber, staff.ContactPhone, err)
	}
	boss, _ := f.svc.GetOrganization(as("organizer", identity.Organizer), o.ID)
	if boss.IDNumber != idNum {
		t.Fatalf("organizer sees %q", boss.IDNumber)
	}
	if _, err := f.svc.GetOrganization(as("stranger", identity.Applicant), o.ID); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("another applicant: %v", err)
	}
}

func TestIdeaOnlyFollowsPartnerRegistration(t *testing.T) {
	f := setup(t, nil)
	r, partner := f.published(t)
	applicant := as("unit", identity.Applicant)
	uscc := "91999999MA0000002"
	c, _ := cnid.USCCCheckChar(uscc)
	unit, err := f.svc.CreateOrganization(applicant, "Street Committee", domain.OrgOtherUnit, uscc+string(c), "", "")
	if err != nil {
		t.Fatal(err)
	}
	alone, err := f.svc.CreateApplication(applicant, r.ID, unit.ID, content("Idea alone"))
	if err != nil || !alone.IdeaOnly {
		t.Fatalf("unit without partner: idea_only=%v %v", alone.IdeaOnly, err)
	}
	withPartner := content("With partner")
	withPartner.PartnerOrgID = partner.ID
	a, err := f.svc.CreateApplication(applicant, r.ID, unit.ID, withPartner)
	if err != nil || a.IdeaOnly {
		t.Fatalf("unit with a registered partner: idea_only=%v %v", a.IdeaOnly, err)
	}
}
