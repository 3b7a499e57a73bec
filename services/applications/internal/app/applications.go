package app

import (
	"context"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// ApplicationStore keeps applications and their history. Its methods join the transaction carried by ctx.
type ApplicationStore interface {
	InsertApplication(ctx context.Context, a domain.Application) error
	GetApplication(ctx context.Context, id string) (domain.Application, error)
	// UpdateApplication locks the application, lets change apply the rules and saves it if change altered it.
	UpdateApplication(ctx context.Context, id string, change func(*domain.Application) error) (domain.Application, error)
	InsertRevision(ctx context.Context, r domain.Revision) error
	InsertReview(ctx context.Context, applicationID string, r domain.Review) error
	// PartnershipStore keeps the partner-consent trail and finds the applications naming a partner.
	PartnershipStore
}

// CreateApplication is an applicant's new draft for one of its organisations.
type CreateApplication struct {
	Key     idempotency.Key
	RoundID string
	OrgID   string
	Content domain.Content
}

// CreateApplication drafts an application for the caller's own organisation while the round is open.
func (s *Service) CreateApplication(ctx context.Context, cmd CreateApplication) (domain.Application, error) {
	if out, done, err := idempotency.Replay[domain.Application](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	if err := ids.Parse("round_id", cmd.RoundID); err != nil {
		return domain.Application{}, err
	}
	if err := ids.Parse("org_id", cmd.OrgID); err != nil {
		return domain.Application{}, err
	}
	who := identity.From(ctx)
	// The communities and needs chosen, read before the unit of work, which checks them again.
	if _, err := s.chooseCatalogue(ctx, cmd.RoundID, cmd.Content, nil); err != nil {
		return domain.Application{}, err
	}
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Application, error) {
		r, err := s.rounds.GetRound(ctx, cmd.RoundID)
		if err != nil {
			return domain.Application{}, err
		}
		org, err := s.orgs.GetOrganization(ctx, cmd.OrgID)
		if errs.ErrNotFound.Is(err) || err == nil && !owns(who, org) {
			return domain.Application{}, domain.ErrOrganizationNotOwned.Field("org_id", "not an organisation the caller acts for")
		} else if err != nil {
			return domain.Application{}, err
		}
		if org.Erased() {
			return domain.Application{}, domain.ErrPersonalDataErased.With("organisation %s", org.ID)
		}
		now := s.now()
		if err := domain.CheckOpen(r.Phase, r.Policy, now); err != nil {
			return domain.Application{}, err
		}
		if err := cmd.Content.Validate(r.Policy); err != nil {
			return domain.Application{}, err
		}
		partner, err := s.partner(ctx, cmd.Content.PartnerOrgID)
		if err != nil {
			return domain.Application{}, err
		}
		cat, err := s.chooseCatalogue(ctx, cmd.RoundID, cmd.Content, nil)
		if err != nil {
			return domain.Application{}, err
		}
		a := domain.Application{ID: ids.New(), RoundID: cmd.RoundID, OrgID: cmd.OrgID, Content: cmd.Content, Status: domain.StatusDraft,
			Version: 1, CreatedAt: now, UpdatedAt: now, CreatedBySubject: who.Subject, Catalogue: cat}
		// A partner named waits for its consent: it counts once its account accepts (partnerships.go).
		named := a.NamePartner("", who.Subject, cmd.OrgID, now)
		a.SetIdeaOnly(org, partner)
		if err := s.apps.InsertApplication(ctx, a); err != nil {
			return domain.Application{}, err
		}
		return a, s.recordConsent(ctx, named)
	})
}

// UpdateApplication is an applicant's change to a draft or returned application.
type UpdateApplication struct {
	Key           idempotency.Key
	ApplicationID string
	// Etag is the application's etag as last read; it is required.
	Etag string
	// Change applies the requested fields to the content.
	Change func(*domain.Content)
}

// UpdateApplication changes a draft or returned application before the deadline.
func (s *Service) UpdateApplication(ctx context.Context, cmd UpdateApplication) (domain.Application, error) {
	if out, done, err := idempotency.Replay[domain.Application](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	if cmd.Etag == "" {
		return domain.Application{}, errs.ErrEtagRequired.Field("etag", "the etag of the application as last read is required")
	}
	if err := ids.Parse("application_id", cmd.ApplicationID); err != nil {
		return domain.Application{}, err
	}
	who := identity.From(ctx)
	if err := s.precheckCatalogue(ctx, who, cmd); err != nil {
		return domain.Application{}, err
	}
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Application, error) {
		var named *domain.ConsentChange
		a, err := s.apps.UpdateApplication(ctx, cmd.ApplicationID, func(a *domain.Application) error {
			org, err := s.organizationOf(ctx, who, *a)
			if err != nil {
				return err
			}
			if org.Erased() {
				return domain.ErrPersonalDataErased.With("organisation %s", org.ID)
			}
			if err := checkEtag(cmd.Etag, a.ID, a.Version); err != nil {
				return err
			}
			if !a.Editable() {
				return domain.ErrNotEditable.With("the application is %s", a.Status)
			}
			r, err := s.rounds.GetRound(ctx, a.RoundID)
			if err != nil {
				return err
			}
			now := s.now()
			if err := domain.CheckOpen(r.Phase, r.Policy, now); err != nil {
				return err
			}
			kept, partnerBefore := a.Content.CommunityCodes, a.Content.PartnerOrgID
			cmd.Change(&a.Content)
			if err := a.Content.Validate(r.Policy); err != nil {
				return err
			}
			partner, err := s.partner(ctx, a.Content.PartnerOrgID)
			if err != nil {
				return err
			}
			if a.Catalogue, err = s.chooseCatalogue(ctx, a.RoundID, a.Content, kept); err != nil {
				return err
			}
			// Another partner named (or none) starts its consent over.
			named = a.NamePartner(partnerBefore, who.Subject, a.OrgID, now)
			a.SetIdeaOnly(org, partner)
			a.UpdatedAt = now
			return nil
		})
		if err != nil {
			return domain.Application{}, err
		}
		return a, s.recordConsent(ctx, named)
	})
}

// SubmitApplication is an applicant's submission of a draft or returned application.
type SubmitApplication struct {
	Key           idempotency.Key
	ApplicationID string
	// Etag is the application's etag as last read; it is required, so a version nobody read is never submitted.
	Etag string
}

// SubmitApplication submits a draft or returned application and keeps the submitted version.
func (s *Service) SubmitApplication(ctx context.Context, cmd SubmitApplication) (domain.Application, error) {
	if out, done, err := idempotency.Replay[domain.Application](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	if cmd.Etag == "" {
		return domain.Application{}, errs.ErrEtagRequired.Field("etag", "the etag of the application as last read is required")
	}
	if err := ids.Parse("application_id", cmd.ApplicationID); err != nil {
		return domain.Application{}, err
	}
	who := identity.From(ctx)
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Application, error) {
		a, err := s.apps.UpdateApplication(ctx, cmd.ApplicationID, func(a *domain.Application) error {
			org, err := s.organizationOf(ctx, who, *a)
			if err != nil {
				return err
			}
			if org.Erased() {
				return domain.ErrPersonalDataErased.With("organisation %s", org.ID)
			}
			if err := checkEtag(cmd.Etag, a.ID, a.Version); err != nil {
				return err
			}
			r, err := s.rounds.GetRound(ctx, a.RoundID)
			if err != nil {
				return err
			}
			// Registration may have been verified since the draft was saved.
			partner, err := s.partner(ctx, a.Content.PartnerOrgID)
			if err != nil {
				return err
			}
			a.SetIdeaOnly(org, partner)
			// The automatic checks read the communities as they stand at submission; those already chosen stay
			// chosen even if retired since.
			if a.Catalogue, err = s.chooseCatalogue(ctx, a.RoundID, a.Content, a.Content.CommunityCodes); err != nil {
				return err
			}
			return a.Submit(r.Phase, r.Policy, s.now())
		})
		if err != nil {
			return domain.Application{}, err
		}
		return a, s.apps.InsertRevision(ctx, a.LatestRevision(who.Subject))
	})
}

// canSee reports whether who may read an application of organisation o: its owner, staff and suite services.
func canSee(who identity.Identity, o domain.Organization) bool { return who.ReadsAll() || owns(who, o) }

// organizationOf returns the organisation of an application the caller may see; to anyone else the
// application does not exist.
func (s *Service) organizationOf(ctx context.Context, who identity.Identity, a domain.Application) (domain.Organization, error) {
	org, err := s.orgs.GetOrganization(ctx, a.OrgID)
	if err != nil {
		return domain.Organization{}, err
	}
	if !canSee(who, org) {
		return domain.Organization{}, errs.ErrNotFound.With("application %s not found", a.ID)
	}
	return org, nil
}

// partner returns the partner organisation an application names, nil when it names none.
func (s *Service) partner(ctx context.Context, id string) (*domain.Organization, error) {
	if id == "" {
		return nil, nil
	}
	if err := ids.Parse("partner_org_id", id); err != nil {
		return nil, err
	}
	p, err := s.orgs.GetOrganization(ctx, id)
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

// chooseCatalogue checks the communities and needs content names against the communities list and the needs
// catalogue and returns the application's references to them: every community listed and, unless the
// application already had it (kept), not retired; every need published with round roundID.
func (s *Service) chooseCatalogue(ctx context.Context, roundID string, c domain.Content, kept []string) (domain.Catalogue, error) {
	var cat domain.Catalogue
	if len(c.CommunityCodes) > 0 {
		found, err := s.communities.CommunitiesByCode(ctx, c.CommunityCodes)
		if err != nil {
			return cat, err
		}
		if cat.Communities, err = domain.ChooseCommunities(c.CommunityCodes, found, kept); err != nil {
			return cat, err
		}
	}
	if len(c.NeedIDs) > 0 {
		// A malformed ID names no need: ChooseNeeds refuses it as one not published with the round.
		var wellFormed []string
		for _, id := range c.NeedIDs {
			if ids.Parse("need_ids", id) == nil {
				wellFormed = append(wellFormed, id)
			}
		}
		found := map[string]domain.Need{}
		if len(wellFormed) > 0 {
			var err error
			if found, err = s.needs.NeedsByID(ctx, wellFormed); err != nil {
				return cat, err
			}
		}
		var err error
		if cat.Needs, err = domain.ChooseNeeds(c.NeedIDs, found, roundID); err != nil {
			return cat, err
		}
	}
	return cat, nil
}

// precheckCatalogue reads, before the unit of work, the communities and needs an update would leave the
// application naming, so that a bad choice is refused without opening a transaction. The unit of work checks
// them again under the application's lock.
func (s *Service) precheckCatalogue(ctx context.Context, who identity.Identity, cmd UpdateApplication) error {
	a, err := s.apps.GetApplication(ctx, cmd.ApplicationID)
	if err != nil {
		return err
	}
	if _, err := s.organizationOf(ctx, who, a); err != nil {
		return err
	}
	c := a.Content
	cmd.Change(&c)
	_, err = s.chooseCatalogue(ctx, a.RoundID, c, a.Content.CommunityCodes)
	return err
}
