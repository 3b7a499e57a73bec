package app

import (
	"context"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// OrganizationStore keeps organisations, their personal numbers sealed. Its methods join the transaction
// carried by ctx.
type OrganizationStore interface {
	InsertOrganization(ctx context.Context, o domain.Organization) error
	GetOrganization(ctx context.Context, id string) (domain.Organization, error)
	// UpdateOrganization locks the organisation, lets change apply the rules and saves it if change altered it.
	UpdateOrganization(ctx context.Context, id string, change func(*domain.Organization) error) (domain.Organization, error)
	// OrganizationsOwnedBy lists the IDs of the organisations a subject registered.
	OrganizationsOwnedBy(ctx context.Context, subject string) ([]string, error)
}

// CreateOrganization is an applicant's (or an operator's) registration of an organisation.
type CreateOrganization struct {
	Key          idempotency.Key
	Name         string
	Kind         domain.OrgKind
	USCC         string
	IDNumber     string
	ContactPhone string
}

// CreateOrganization registers an organisation owned by the caller, who sees its personal numbers.
// Answers are kept masked in the request record (personal numbers are stored only sealed) and get their
// numbers back from the organisation itself.
func (s *Service) CreateOrganization(ctx context.Context, cmd CreateOrganization) (domain.Organization, error) {
	if out, done, err := idempotency.Replay[domain.Organization](ctx, s.requests, cmd.Key); done || err != nil {
		return s.withNumbers(ctx, out, err)
	}
	o, err := domain.NewOrganization(cmd.Name, cmd.Kind, cmd.USCC, cmd.IDNumber, cmd.ContactPhone)
	if err != nil {
		return domain.Organization{}, err
	}
	o.ID, o.OwnerSubject, o.CreatedAt = ids.New(), identity.From(ctx).Subject, s.now()
	out, err := idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Organization, error) {
		return o.Masked(), s.orgs.InsertOrganization(ctx, o)
	})
	return s.withNumbers(ctx, out, err)
}

// VerifyOrganization is an operator's check that a social organisation is registered.
type VerifyOrganization struct {
	Key   idempotency.Key
	OrgID string
}

// VerifyOrganization marks a social organisation registered.
func (s *Service) VerifyOrganization(ctx context.Context, cmd VerifyOrganization) (domain.Organization, error) {
	who := identity.From(ctx)
	if out, done, err := idempotency.Replay[domain.Organization](ctx, s.requests, cmd.Key); done || err != nil {
		return s.viewOf(ctx, who, out, err)
	}
	if err := ids.Parse("org_id", cmd.OrgID); err != nil {
		return domain.Organization{}, err
	}
	out, err := idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Organization, error) {
		o, err := s.orgs.UpdateOrganization(ctx, cmd.OrgID, func(o *domain.Organization) error { return o.Verify(s.now(), who.Subject) })
		return o.Masked(), err
	})
	return s.viewOf(ctx, who, out, err)
}

// GetOrganization returns an organisation to its owner, staff and suite services; to anyone else it does
// not exist.
func (s *Service) GetOrganization(ctx context.Context, id string) (domain.Organization, error) {
	who := identity.From(ctx)
	if err := ids.Parse("org_id", id); err != nil {
		return domain.Organization{}, err
	}
	o, err := s.orgs.GetOrganization(ctx, id)
	if err != nil {
		return domain.Organization{}, err
	}
	if !who.ReadsAll() && !owns(who, o) {
		return domain.Organization{}, errs.ErrNotFound.With("organization %s not found", id)
	}
	if !seesNumbers(who, o) {
		return o.Masked(), nil
	}
	return o, nil
}

// owns reports whether the caller acts for the organisation: its identity names it, or it registered it.
func owns(who identity.Identity, o domain.Organization) bool {
	return who.Has(identity.Applicant) && (who.OrgID == o.ID || who.Subject != "" && who.Subject == o.OwnerSubject)
}

// seesNumbers reports whether who sees the organisation's personal numbers unmasked: its owner and the
// organizer do.
func seesNumbers(who identity.Identity, o domain.Organization) bool {
	return owns(who, o) || who.Has(identity.Organizer)
}

// viewOf is a masked answer as who may see it.
func (s *Service) viewOf(ctx context.Context, who identity.Identity, masked domain.Organization, err error) (domain.Organization, error) {
	if err == nil && !seesNumbers(who, masked) {
		return masked, nil
	}
	return s.withNumbers(ctx, masked, err)
}

// withNumbers puts the personal numbers back into a masked answer.
func (s *Service) withNumbers(ctx context.Context, masked domain.Organization, err error) (domain.Organization, error) {
	if err != nil {
		return domain.Organization{}, err
	}
	o, err := s.orgs.GetOrganization(ctx, masked.ID)
	if err != nil {
		return domain.Organization{}, err
	}
	masked.IDNumber, masked.ContactPhone = o.IDNumber, o.ContactPhone
	return masked, nil
}
