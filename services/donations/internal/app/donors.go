package app

import (
	"context"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// Donors stores donors, sealing their personal numbers.
type Donors interface {
	InsertDonor(ctx context.Context, d domain.Donor) error
	// GetDonor is NOT_FOUND for an unknown donor.
	GetDonor(ctx context.Context, id string) (domain.Donor, error)
	// DonorsOwnedBy lists the IDs of the donors a subject registered.
	DonorsOwnedBy(ctx context.Context, subject string) ([]string, error)
}

// CreateDonor registers a donor.
type CreateDonor struct {
	Key          idempotency.Key
	Name         string
	Kind         domain.DonorKind
	USCC         string
	IDNumber     string
	ContactPhone string
}

// CreateDonor registers a donor owned by the caller (a donor user, or an operator on a donor's behalf).
func (s *Service) CreateDonor(ctx context.Context, cmd CreateDonor) (domain.Donor, error) {
	// The answer kept for a retry is the donor's ID: personal numbers are stored sealed, never in a request
	// record. A donor never changes, so reading it again answers as the first call did.
	if id, done, err := idempotency.Replay[string](ctx, s.requests, cmd.Key); done || err != nil {
		if err != nil {
			return domain.Donor{}, err
		}
		return s.donors.GetDonor(ctx, id)
	}
	d, err := domain.NewDonor(cmd.Name, cmd.Kind, cmd.USCC, cmd.IDNumber, cmd.ContactPhone)
	if err != nil {
		return domain.Donor{}, err
	}
	d.ID, d.OwnerSubject, d.CreatedAt = ids.New(), identity.From(ctx).Subject, s.now()
	id, err := idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (string, error) {
		return d.ID, s.donors.InsertDonor(ctx, d)
	})
	switch {
	case err != nil:
		return domain.Donor{}, err
	case id != d.ID: // a concurrent call with the same request_id won
		return s.donors.GetDonor(ctx, id)
	}
	return d, nil
}

// GetDonor returns a donor to its owner, staff, suite services and the federation; anyone else gets NOT_FOUND.
// Personal numbers are masked for everyone but the owner and the organizer.
func (s *Service) GetDonor(ctx context.Context, id string) (domain.Donor, error) {
	who := identity.From(ctx)
	if err := ids.Parse("donor_id", id); err != nil {
		return domain.Donor{}, err
	}
	d, err := s.donors.GetDonor(ctx, id)
	if err != nil {
		return domain.Donor{}, err
	}
	switch {
	case owns(who, d) || who.Has(identity.Organizer):
		return d, nil
	case readsAll(who):
		return d.Masked(), nil
	}
	return domain.Donor{}, errs.ErrNotFound.With("donor %s not found", id)
}
