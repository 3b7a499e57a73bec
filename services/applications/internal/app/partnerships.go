package app

import (
	"context"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// PartnershipStore keeps the partner-consent trail and finds the applications naming a partner. Its methods
// join the transaction carried by ctx.
type PartnershipStore interface {
	// RecordConsentChange appends to the consent trail (append-only).
	RecordConsentChange(ctx context.Context, c domain.ConsentChange) error
	// ListConsentChanges returns an application's consent trail, oldest first.
	ListConsentChanges(ctx context.Context, applicationID string) ([]domain.ConsentChange, error)
	// ListPartnerships returns up to f.Limit applications naming f.PartnerOrgID after the keyset position,
	// oldest first.
	ListPartnerships(ctx context.Context, f PartnershipFilter) ([]domain.Application, error)
}

// PartnershipFilter selects a page of the applications naming an organisation as partner: with consent
// Consent when given, after the keyset position (AfterTime, AfterID), at most Limit.
type PartnershipFilter struct {
	PartnerOrgID string
	Consent      domain.PartnerConsent
	AfterTime    time.Time
	AfterID      string
	Limit        int
}

// recordConsent appends a consent change, if there is one, in the unit of work of ctx.
func (s *Service) recordConsent(ctx context.Context, c *domain.ConsentChange) error {
	if c == nil {
		return nil
	}
	return s.apps.RecordConsentChange(ctx, *c)
}

// AcceptPartnership is the partner organisation's consent to partner an application.
type AcceptPartnership struct {
	Key           idempotency.Key
	ApplicationID string
}

// AcceptPartnership records the consent of the partner the application names, asked by that organisation's
// own account; the partner must be a verified social organisation. The application then counts as partnered
// (idea_only recomputed, whatever its status). Accepting again changes nothing.
func (s *Service) AcceptPartnership(ctx context.Context, cmd AcceptPartnership) (domain.Application, error) {
	return s.answerPartnership(ctx, cmd.Key, cmd.ApplicationID, func(a *domain.Application, partner domain.Organization, who identity.Identity) (*domain.ConsentChange, error) {
		return a.AcceptPartnership(partner, who.Subject, s.now())
	})
}

// WithdrawPartnership is the partner organisation's withdrawal (or refusal) of its consent.
type WithdrawPartnership struct {
	Key           idempotency.Key
	ApplicationID string
	Reason        string
}

// WithdrawPartnership records that the partner the application names withdraws, for a reason; the application
// no longer counts as partnered. Refused once the final results are decided (PARTNERSHIP_LOCKED).
func (s *Service) WithdrawPartnership(ctx context.Context, cmd WithdrawPartnership) (domain.Application, error) {
	return s.answerPartnership(ctx, cmd.Key, cmd.ApplicationID, func(a *domain.Application, partner domain.Organization, who identity.Identity) (*domain.ConsentChange, error) {
		return a.WithdrawPartnership(partner.ID, cmd.Reason, who.Subject, s.now())
	})
}

// answerPartnership is the partner's answer to an application naming it: under the application's lock, the
// caller must be the named partner's account; answer changes the consent, then idea_only follows it and the
// change is recorded with the application's new version.
func (s *Service) answerPartnership(ctx context.Context, key idempotency.Key, applicationID string,
	answer func(*domain.Application, domain.Organization, identity.Identity) (*domain.ConsentChange, error)) (domain.Application, error) {
	if out, done, err := idempotency.Replay[domain.Application](ctx, s.requests, key); done || err != nil {
		return out, err
	}
	if err := ids.Parse("application_id", applicationID); err != nil {
		return domain.Application{}, err
	}
	who := identity.From(ctx)
	return idempotency.Run(ctx, s.requests, key, func(ctx context.Context) (domain.Application, error) {
		var change *domain.ConsentChange
		a, err := s.apps.UpdateApplication(ctx, applicationID, func(a *domain.Application) error {
			partner, err := s.partnerAccount(ctx, who, *a)
			if err != nil {
				return err
			}
			if change, err = answer(a, partner, who); err != nil || change == nil {
				return err
			}
			applicant, err := s.orgs.GetOrganization(ctx, a.OrgID)
			if err != nil {
				return err
			}
			a.SetIdeaOnly(applicant, &partner)
			a.UpdatedAt = change.At
			return nil
		})
		if err != nil {
			return domain.Application{}, err
		}
		return a, s.recordConsent(ctx, change)
	})
}

// partnerAccount returns the partner organisation the application names when the caller is its account (an
// APPLICANT acting for it or its owner). To the applicant's own account, which may see the application, any
// other answer is PERMISSION_DENIED; to anyone else the application does not exist.
func (s *Service) partnerAccount(ctx context.Context, who identity.Identity, a domain.Application) (domain.Organization, error) {
	if id := a.Content.PartnerOrgID; id != "" {
		p, err := s.orgs.GetOrganization(ctx, id)
		if err != nil && !errs.ErrNotFound.Is(err) {
			return domain.Organization{}, err
		}
		if err == nil && owns(who, p) {
			return p, nil
		}
	}
	applicant, err := s.orgs.GetOrganization(ctx, a.OrgID)
	if err != nil {
		return domain.Organization{}, err
	}
	if owns(who, applicant) {
		return domain.Organization{}, domain.ErrNotThePartner.With("the caller is not the account of the partner application %s names", a.ID)
	}
	return domain.Organization{}, errs.ErrNotFound.With("application %s not found", a.ID)
}

// ListPartnerships asks for a page of the applications naming an organisation as partner.
type ListPartnerships struct {
	OrgID     string
	Consent   domain.PartnerConsent
	AfterTime time.Time
	AfterID   string
	Limit     int
}

// ListPartnerships lists the applications naming an organisation as partner, oldest first, to that
// organisation's own account and to staff; to anyone else the organisation does not exist. What the partner
// may see of them is the api layer's partnership view (README "Partner consent").
func (s *Service) ListPartnerships(ctx context.Context, q ListPartnerships) ([]domain.Application, error) {
	who := identity.From(ctx)
	if err := ids.Parse("org_id", q.OrgID); err != nil {
		return nil, err
	}
	if !q.Consent.Valid() {
		return nil, errs.Invalid("INVALID_CONSENT", "consent", "unknown consent state")
	}
	org, err := s.orgs.GetOrganization(ctx, q.OrgID)
	if err != nil {
		return nil, err
	}
	if !owns(who, org) && !who.IsStaff() {
		return nil, errs.ErrNotFound.With("organisation %s not found", q.OrgID)
	}
	return s.apps.ListPartnerships(ctx, PartnershipFilter{PartnerOrgID: q.OrgID, Consent: q.Consent, AfterTime: q.AfterTime, AfterID: q.AfterID, Limit: q.Limit})
}

// ListConsentChanges returns an application's partner-consent trail, oldest first, to whoever may see the
// application in full (its owner, staff, suite services).
func (s *Service) ListConsentChanges(ctx context.Context, applicationID string) ([]domain.ConsentChange, error) {
	if err := ids.Parse("application_id", applicationID); err != nil {
		return nil, err
	}
	a, err := s.apps.GetApplication(ctx, applicationID)
	if err != nil {
		return nil, err
	}
	if _, err := s.organizationOf(ctx, identity.From(ctx), a); err != nil {
		return nil, err
	}
	return s.apps.ListConsentChanges(ctx, applicationID)
}
