// Package app holds the applications service's use cases: it authorises the caller, loads and saves through
// the repository, and applies the domain rules.
package app

import (
	"context"
	"slices"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
	"github.com/commonweal/commonweal/services/applications/internal/store"
)

// Repository is what the use cases need from storage.
type Repository interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	InsertRound(ctx context.Context, r domain.Round, by string) error
	GetRound(ctx context.Context, id string, forUpdate bool) (domain.Round, error)
	UpdateRound(ctx context.Context, r *domain.Round) error
	RecordPhaseChange(ctx context.Context, roundID string, from, to domain.Phase, at time.Time, by string) error
	InsertOrganization(ctx context.Context, o domain.Organization) error
	GetOrganization(ctx context.Context, id string, forUpdate bool) (domain.Organization, error)
	MarkVerified(ctx context.Context, o domain.Organization, by string) error
	OrganizationsOwnedBy(ctx context.Context, subject string) ([]string, error)
	InsertApplication(ctx context.Context, a domain.Application) error
	GetApplication(ctx context.Context, id string, forUpdate bool) (domain.Application, error)
	UpdateApplication(ctx context.Context, a *domain.Application) error
	InsertRevision(ctx context.Context, a domain.Application, by string) error
	ListRevisions(ctx context.Context, applicationID string) ([]store.Revision, error)
	InsertReview(ctx context.Context, applicationID string, r domain.Review) error
	CountAwaitingReview(ctx context.Context, roundID string) (int, error)
	DuplicateTitle(ctx context.Context, roundID, title, exceptID string) (bool, error)
	ListApplications(ctx context.Context, f store.ListFilter) ([]domain.Application, error)
}

// PreconditionChecker asks the service owning a phase precondition whether it holds; it returns nil when it
// does and an *errs.Error with the precondition's reason when it does not.
type PreconditionChecker interface {
	Check(ctx context.Context, roundID string, p domain.Precondition) error
}

// Service is the use cases.
type Service struct {
	repo Repository
	now  func() time.Time
	// checkers maps a service name (domain.Precondition.Owner) to the client that asks it.
	checkers map[string]PreconditionChecker
}

// New returns the use cases over repo. checkers holds the clients of the services that own phase
// preconditions; a precondition whose owner has no checker is refused, never assumed.
func New(repo Repository, now func() time.Time, checkers map[string]PreconditionChecker) *Service {
	return &Service{repo: repo, now: now, checkers: checkers}
}

// readers are the roles that may read applications (applicants only their own).
var readers = append([]identity.Role{identity.Applicant, identity.Service}, identity.StaffRoles...)

func require(id identity.Identity, roles ...identity.Role) error {
	if !id.Has(roles...) {
		return errs.ErrPermissionDenied.With("requires one of %v", roles)
	}
	return nil
}

func checkEtag(got string, id string, version int) error {
	if got != domain.Etag(id, version) {
		return errs.ErrEtagMismatch
	}
	return nil
}

// --- rounds ---

// CreateRound creates a draft round. ORGANIZER only.
func (s *Service) CreateRound(ctx context.Context, name string, year int, p domain.Policy) (domain.Round, error) {
	who := identity.From(ctx)
	if err := require(who, identity.Organizer); err != nil {
		return domain.Round{}, err
	}
	r, err := domain.NewRound(name, year, p, s.now())
	if err != nil {
		return domain.Round{}, err
	}
	r.ID, r.Version = store.NewID(), 1
	return r, s.repo.InsertRound(ctx, r, who.Subject)
}

// GetRound returns a round; rounds are public.
func (s *Service) GetRound(ctx context.Context, id string) (domain.Round, error) {
	if err := store.ParseID("round_id", id); err != nil {
		return domain.Round{}, err
	}
	return s.repo.GetRound(ctx, id, false)
}

// UpdateRound edits a draft round's name and policy. ORGANIZER only.
func (s *Service) UpdateRound(ctx context.Context, id, name string, p domain.Policy, etag string) (domain.Round, error) {
	who := identity.From(ctx)
	if err := require(who, identity.Organizer); err != nil {
		return domain.Round{}, err
	}
	if err := store.ParseID("round_id", id); err != nil {
		return domain.Round{}, err
	}
	var r domain.Round
	err := s.repo.InTx(ctx, func(ctx context.Context) error {
		var err error
		if r, err = s.repo.GetRound(ctx, id, true); err != nil {
			return err
		}
		if err := checkEtag(etag, r.ID, r.Version); err != nil {
			return err
		}
		if err := r.Edit(name, p); err != nil {
			return err
		}
		return s.repo.UpdateRound(ctx, &r)
	})
	return r, err
}

// AdvanceRound moves a round to the next phase once every precondition holds. ORGANIZER only.
func (s *Service) AdvanceRound(ctx context.Context, id string, to domain.Phase) (domain.Round, error) {
	who := identity.From(ctx)
	if err := require(who, identity.Organizer); err != nil {
		return domain.Round{}, err
	}
	if err := store.ParseID("round_id", id); err != nil {
		return domain.Round{}, err
	}
	var r domain.Round
	err := s.repo.InTx(ctx, func(ctx context.Context) error {
		var err error
		if r, err = s.repo.GetRound(ctx, id, true); err != nil {
			return err
		}
		if err := domain.CheckAdvance(r.Phase, to); err != nil {
			return err
		}
		now := s.now()
		awaiting := 0
		if to == domain.PhaseShortlisting {
			if awaiting, err = s.repo.CountAwaitingReview(ctx, id); err != nil {
				return err
			}
		}
		if err := r.LocalPreconditions(to, now, awaiting); err != nil {
			return err
		}
		for _, p := range domain.RemotePreconditions[to] {
			checker, ok := s.checkers[p.Owner]
			if !ok {
				return domain.ErrPreconditionUnverified.With("%s must hold, and the %s service that owns it is not available to confirm it", p.Description, p.Owner)
			}
			if err := checker.Check(ctx, id, p); err != nil {
				return err
			}
		}
		from := r.Phase
		r.Enter(to, now)
		if err := s.repo.UpdateRound(ctx, &r); err != nil {
			return err
		}
		return s.repo.RecordPhaseChange(ctx, id, from, to, now, who.Subject)
	})
	return r, err
}

// --- organisations ---

// CreateOrganization registers an organisation owned by the calling applicant (or by an operator).
func (s *Service) CreateOrganization(ctx context.Context, name string, kind domain.OrgKind, uscc, idNumber, phone string) (domain.Organization, error) {
	who := identity.From(ctx)
	if err := require(who, identity.Applicant, identity.Operator); err != nil {
		return domain.Organization{}, err
	}
	o, err := domain.NewOrganization(name, kind, uscc, idNumber, phone)
	if err != nil {
		return domain.Organization{}, err
	}
	o.ID, o.OwnerSubject, o.CreatedAt = store.NewID(), who.Subject, s.now()
	return o, s.repo.InsertOrganization(ctx, o)
}

// VerifyOrganization marks a social organisation registered. OPERATOR only.
func (s *Service) VerifyOrganization(ctx context.Context, id string) (domain.Organization, error) {
	who := identity.From(ctx)
	if err := require(who, identity.Operator); err != nil {
		return domain.Organization{}, err
	}
	if err := store.ParseID("org_id", id); err != nil {
		return domain.Organization{}, err
	}
	var o domain.Organization
	err := s.repo.InTx(ctx, func(ctx context.Context) error {
		var err error
		if o, err = s.repo.GetOrganization(ctx, id, true); err != nil {
			return err
		}
		if err := o.Verify(s.now()); err != nil {
			return err
		}
		return s.repo.MarkVerified(ctx, o, who.Subject)
	})
	return s.view(who, o), err
}

// owns reports whether the caller acts for the organisation: its identity names it, or it registered it.
func owns(who identity.Identity, o domain.Organization) bool {
	return who.Has(identity.Applicant) && (who.OrgID == o.ID || who.Subject != "" && who.Subject == o.OwnerSubject)
}

// view masks personal numbers for everyone but the owner and the organizer.
func (s *Service) view(who identity.Identity, o domain.Organization) domain.Organization {
	if owns(who, o) || who.Has(identity.Organizer) {
		return o
	}
	return o.Masked()
}

// GetOrganization returns an organisation to its owner and staff.
func (s *Service) GetOrganization(ctx context.Context, id string) (domain.Organization, error) {
	who := identity.From(ctx)
	if err := require(who, readers...); err != nil {
		return domain.Organization{}, err
	}
	if err := store.ParseID("org_id", id); err != nil {
		return domain.Organization{}, err
	}
	o, err := s.repo.GetOrganization(ctx, id, false)
	if err != nil {
		return o, err
	}
	if !who.ReadsAll() && !owns(who, o) {
		return domain.Organization{}, errs.ErrNotFound.With("organization %s not found", id)
	}
	return s.view(who, o), nil
}

// --- applications ---

// loadOwned reads an application the applicant owns or staff may see; anything else is NOT_FOUND.
func (s *Service) loadOwned(ctx context.Context, id string, forUpdate bool) (domain.Application, domain.Organization, error) {
	who := identity.From(ctx)
	if err := store.ParseID("application_id", id); err != nil {
		return domain.Application{}, domain.Organization{}, err
	}
	a, err := s.repo.GetApplication(ctx, id, forUpdate)
	if err != nil {
		return a, domain.Organization{}, err
	}
	org, err := s.repo.GetOrganization(ctx, a.OrgID, false)
	if err != nil {
		return a, org, err
	}
	if !who.ReadsAll() && !owns(who, org) {
		return domain.Application{}, domain.Organization{}, errs.ErrNotFound.With("application %s not found", id)
	}
	return a, org, nil
}

func (s *Service) partner(ctx context.Context, id string) (*domain.Organization, error) {
	if id == "" {
		return nil, nil
	}
	if err := store.ParseID("partner_org_id", id); err != nil {
		return nil, err
	}
	p, err := s.repo.GetOrganization(ctx, id, false)
	if err != nil {
		if errs.ErrNotFound.Is(err) {
			return nil, errs.Invalid("PARTNER_NOT_FOUND", "partner_org_id", "no organisation has this ID")
		}
		return nil, err
	}
	if p.Kind != domain.OrgSocialOrganization {
		return nil, domain.ErrPartnerNotRegistered.Field("partner_org_id", "the partner must be a social organisation")
	}
	return &p, nil
}

// CreateApplication drafts an application for the caller's own organisation.
func (s *Service) CreateApplication(ctx context.Context, roundID, orgID string, c domain.Content) (domain.Application, error) {
	who := identity.From(ctx)
	if err := require(who, identity.Applicant); err != nil {
		return domain.Application{}, err
	}
	if err := store.ParseID("round_id", roundID); err != nil {
		return domain.Application{}, err
	}
	if err := store.ParseID("org_id", orgID); err != nil {
		return domain.Application{}, err
	}
	var a domain.Application
	err := s.repo.InTx(ctx, func(ctx context.Context) error {
		r, err := s.repo.GetRound(ctx, roundID, false)
		if err != nil {
			return err
		}
		org, err := s.repo.GetOrganization(ctx, orgID, false)
		if errs.ErrNotFound.Is(err) || err == nil && !owns(who, org) {
			return domain.ErrOrganizationNotOwned.Field("org_id", "not an organisation the caller acts for")
		} else if err != nil {
			return err
		}
		now := s.now()
		if err := domain.CheckOpen(r.Phase, r.Policy, now); err != nil {
			return err
		}
		if err := c.Validate(r.Policy); err != nil {
			return err
		}
		partner, err := s.partner(ctx, c.PartnerOrgID)
		if err != nil {
			return err
		}
		a = domain.Application{ID: store.NewID(), RoundID: roundID, OrgID: orgID, Content: c, Status: domain.StatusDraft,
			IdeaOnly: domain.IdeaOnly(org, partner), Version: 1, CreatedAt: now, UpdatedAt: now, CreatedBySubject: who.Subject}
		return s.repo.InsertApplication(ctx, a)
	})
	return a, err
}

// UpdateApplication applies change to a draft or returned application before the deadline.
func (s *Service) UpdateApplication(ctx context.Context, id, etag string, change func(*domain.Content)) (domain.Application, error) {
	who := identity.From(ctx)
	if err := require(who, identity.Applicant); err != nil {
		return domain.Application{}, err
	}
	if etag == "" {
		return domain.Application{}, errs.ErrEtagRequired.Field("etag", "the etag of the application as last read is required")
	}
	var a domain.Application
	err := s.repo.InTx(ctx, func(ctx context.Context) error {
		var org domain.Organization
		var err error
		if a, org, err = s.loadOwned(ctx, id, true); err != nil {
			return err
		}
		if err := checkEtag(etag, a.ID, a.Version); err != nil {
			return err
		}
		if !a.Editable() {
			return domain.ErrNotEditable.With("the application is %s", a.Status)
		}
		r, err := s.repo.GetRound(ctx, a.RoundID, false)
		if err != nil {
			return err
		}
		now := s.now()
		if err := domain.CheckOpen(r.Phase, r.Policy, now); err != nil {
			return err
		}
		change(&a.Content)
		if err := a.Content.Validate(r.Policy); err != nil {
			return err
		}
		partner, err := s.partner(ctx, a.Content.PartnerOrgID)
		if err != nil {
			return err
		}
		a.IdeaOnly = domain.IdeaOnly(org, partner)
		a.UpdatedAt = now
		return s.repo.UpdateApplication(ctx, &a)
	})
	return a, err
}

// SubmitApplication submits a draft or returned application and keeps the version.
func (s *Service) SubmitApplication(ctx context.Context, id, etag string) (domain.Application, error) {
	who := identity.From(ctx)
	if err := require(who, identity.Applicant); err != nil {
		return domain.Application{}, err
	}
	var a domain.Application
	err := s.repo.InTx(ctx, func(ctx context.Context) error {
		var org domain.Organization
		var err error
		if a, org, err = s.loadOwned(ctx, id, true); err != nil {
			return err
		}
		if etag != "" {
			if err := checkEtag(etag, a.ID, a.Version); err != nil {
				return err
			}
		}
		r, err := s.repo.GetRound(ctx, a.RoundID, false)
		if err != nil {
			return err
		}
		// Registration may have been verified since the draft was saved.
		partner, err := s.partner(ctx, a.Content.PartnerOrgID)
		if err != nil {
			return err
		}
		a.IdeaOnly = domain.IdeaOnly(org, partner)
		if err := a.Submit(r.Phase, r.Policy, s.now()); err != nil {
			return err
		}
		if err := s.repo.UpdateApplication(ctx, &a); err != nil {
			return err
		}
		return s.repo.InsertRevision(ctx, a, who.Subject)
	})
	return a, err
}

// ReviewApplication records the operator's initial-review decision.
func (s *Service) ReviewApplication(ctx context.Context, id string, d domain.Decision, reasons []string, etag string) (domain.Application, error) {
	who := identity.From(ctx)
	if err := require(who, identity.Operator); err != nil {
		return domain.Application{}, err
	}
	var a domain.Application
	err := s.repo.InTx(ctx, func(ctx context.Context) error {
		var err error
		if a, _, err = s.loadOwned(ctx, id, true); err != nil {
			return err
		}
		if etag != "" {
			if err := checkEtag(etag, a.ID, a.Version); err != nil {
				return err
			}
		}
		if err := a.ApplyReview(d, reasons, who.Subject, s.now()); err != nil {
			return err
		}
		if err := s.repo.UpdateApplication(ctx, &a); err != nil {
			return err
		}
		return s.repo.InsertReview(ctx, a.ID, *a.LastReview)
	})
	return a, err
}

// ApplicationView is an application as the caller may see it.
type ApplicationView struct {
	domain.Application
	Checks []domain.Check
	// PublicOnly is set when the caller sees only the public fields of a shortlisted application.
	PublicOnly bool
}

var publicStages = []string{"SHORTLISTED", "SELECTED", "IDEA_PRIZE", "NOT_SELECTED"}

// GetApplication returns an application with its automatic checks to its owner and staff, and the public
// fields of a shortlisted one to anyone.
func (s *Service) GetApplication(ctx context.Context, id string) (ApplicationView, error) {
	a, org, err := s.loadOwned(ctx, id, false)
	if errs.ErrNotFound.Is(err) && a.ID == "" {
		// Not the caller's: public once shortlisted.
		if pub, perr := s.repo.GetApplication(ctx, id, false); perr == nil && slices.Contains(publicStages, pub.Stage) {
			return ApplicationView{Application: pub, PublicOnly: true}, nil
		}
		return ApplicationView{}, err
	}
	if err != nil {
		return ApplicationView{}, err
	}
	r, err := s.repo.GetRound(ctx, a.RoundID, false)
	if err != nil {
		return ApplicationView{}, err
	}
	partner, err := s.partner(ctx, a.Content.PartnerOrgID)
	if err != nil {
		return ApplicationView{}, err
	}
	dup, err := s.repo.DuplicateTitle(ctx, a.RoundID, a.Content.Title, a.ID)
	if err != nil {
		return ApplicationView{}, err
	}
	return ApplicationView{Application: a, Checks: domain.AutomaticChecks(a, r.Policy, org, partner, dup)}, nil
}

// ListApplications lists a round's applications: all of them for staff, its own for an applicant.
func (s *Service) ListApplications(ctx context.Context, f store.ListFilter) ([]domain.Application, error) {
	who := identity.From(ctx)
	if err := require(who, readers...); err != nil {
		return nil, err
	}
	if err := store.ParseID("round_id", f.RoundID); err != nil {
		return nil, err
	}
	if _, err := s.repo.GetRound(ctx, f.RoundID, false); err != nil {
		return nil, err
	}
	if !who.ReadsAll() {
		owned, err := s.repo.OrganizationsOwnedBy(ctx, who.Subject)
		if err != nil {
			return nil, err
		}
		if who.OrgID != "" && store.ParseID("org_id", who.OrgID) == nil {
			owned = append(owned, who.OrgID)
		}
		f.OrgIDs = append([]string{}, owned...)
	}
	return s.repo.ListApplications(ctx, f)
}

// ListRevisions returns every submitted version of an application to its owner and staff.
func (s *Service) ListRevisions(ctx context.Context, id string) ([]store.Revision, error) {
	who := identity.From(ctx)
	if err := require(who, readers...); err != nil {
		return nil, err
	}
	if _, _, err := s.loadOwned(ctx, id, false); err != nil {
		return nil, err
	}
	return s.repo.ListRevisions(ctx, id)
}

// Stages an application can be given by the reviews service (DOMAIN.md §3 "Stage").
var stages = []string{"SHORTLISTED", "NOT_SHORTLISTED", "DISQUALIFIED", "SELECTED", "IDEA_PRIZE", "NOT_SELECTED"}

// SetStage records the application's place in the programme as published by the reviews service. Only the
// reviews service may call it; setting the stage it already has changes nothing.
func (s *Service) SetStage(ctx context.Context, id, stage string) (domain.Application, error) {
	who := identity.From(ctx)
	if !who.IsService("reviews") {
		return domain.Application{}, errs.ErrPermissionDenied.With("only the reviews service sets stages")
	}
	if !slices.Contains(stages, stage) {
		return domain.Application{}, errs.Invalid("INVALID_STAGE", "stage", "unknown stage")
	}
	if err := store.ParseID("application_id", id); err != nil {
		return domain.Application{}, err
	}
	var a domain.Application
	err := s.repo.InTx(ctx, func(ctx context.Context) error {
		var err error
		if a, err = s.repo.GetApplication(ctx, id, true); err != nil {
			return err
		}
		if a.Status != domain.StatusAccepted {
			return domain.ErrNotAccepted.With("the application is %s", a.Status)
		}
		if a.Stage == stage {
			return nil
		}
		a.Stage = stage
		a.UpdatedAt = s.now()
		return s.repo.UpdateApplication(ctx, &a)
	})
	return a, err
}
