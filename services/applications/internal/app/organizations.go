package app

import (
	"context"
	"fmt"
	"strings"

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
	// OrganizationsByID returns the organisations among ids (well-formed IDs), by ID.
	OrganizationsByID(ctx context.Context, ids []string) (map[string]domain.Organization, error)
}

// CreateOrganization is an applicant's (or an operator's) registration of an organisation.
type CreateOrganization struct {
	Key          idempotency.Key
	Name         string
	Kind         domain.OrgKind
	USCC         string
	IDNumber     string
	ContactPhone string
	// FoundingDate (YYYY-MM-DD, optional) and StaffSize are the organisation's profile.
	FoundingDate string
	StaffSize    int
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
	if err := o.SetProfile(cmd.FoundingDate, cmd.StaffSize, s.now()); err != nil {
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
	// Evidence is what the registration was verified against; it is required.
	Evidence string
}

// VerifyOrganization marks a social organisation registered, recording who verified it against what.
func (s *Service) VerifyOrganization(ctx context.Context, cmd VerifyOrganization) (domain.Organization, error) {
	who := identity.From(ctx)
	if out, done, err := idempotency.Replay[domain.Organization](ctx, s.requests, cmd.Key); done || err != nil {
		return s.viewOf(ctx, who, out, err)
	}
	if err := ids.Parse("org_id", cmd.OrgID); err != nil {
		return domain.Organization{}, err
	}
	out, err := idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Organization, error) {
		o, err := s.orgs.UpdateOrganization(ctx, cmd.OrgID, func(o *domain.Organization) error { return o.Verify(s.now(), who.Subject, cmd.Evidence) })
		return o.Masked(), err
	})
	return s.viewOf(ctx, who, out, err)
}

// GetOrganization returns an organisation to its owner, staff and suite services, and masked to a panel member
// whose panels score an application it applies to or partners; to anyone else it does not exist.
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
		// A panel member reads (masked) the organisations applying to, or partnering, what its panels score.
		reads, err := s.reviewerReadsOrganization(ctx, who, id)
		if err != nil {
			return domain.Organization{}, err
		}
		if !reads {
			return domain.Organization{}, errs.ErrNotFound.With("organization %s not found", id)
		}
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

// MaxBatchOrganizations is the most organisations BatchGetOrganizations answers in one call.
const MaxBatchOrganizations = 1000

// BatchGetOrganizations returns organisations by ID to a suite service, personal numbers masked, in the order
// asked (each once); unknown IDs are left out.
func (s *Service) BatchGetOrganizations(ctx context.Context, orgIDs []string) ([]domain.Organization, error) {
	if !identity.From(ctx).Has(identity.Service) {
		return nil, errs.ErrPermissionDenied.With("only suite services read organisations in batches")
	}
	if len(orgIDs) > MaxBatchOrganizations {
		return nil, errs.Invalid("TOO_MANY_ORGANIZATIONS", "org_ids", fmt.Sprintf("at most %d IDs", MaxBatchOrganizations))
	}
	var unique []string
	seen := make(map[string]bool, len(orgIDs))
	for i, id := range orgIDs {
		if err := ids.Parse(fmt.Sprintf("org_ids[%d]", i), id); err != nil {
			return nil, err
		}
		if id = strings.ToLower(id); !seen[id] {
			seen[id] = true
			unique = append(unique, id)
		}
	}
	if len(unique) == 0 {
		return nil, nil
	}
	found, err := s.orgs.OrganizationsByID(ctx, unique)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Organization, 0, len(found))
	for _, id := range unique {
		if o, ok := found[id]; ok {
			out = append(out, o.Masked())
		}
	}
	return out, nil
}
