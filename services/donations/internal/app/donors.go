package app

import (
	"context"
	"time"

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
	// ListDonors returns up to f.Limit donors after the keyset position, oldest first.
	ListDonors(ctx context.Context, f DonorFilter) ([]domain.Donor, error)
}

// DonorFilter selects a page of donors: those after (AfterTime, AfterID), at most Limit.
type DonorFilter struct {
	AfterTime time.Time
	AfterID   string
	Limit     int
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
	if v, ok := donorView(who, d); ok {
		return v, nil
	}
	return domain.Donor{}, errs.ErrNotFound.With("donor %s not found", id)
}

// ListDonors lists donors, oldest first, for staff and the federation (the authorisation table refuses
// everyone else), personal numbers masked as GetDonor masks them.
func (s *Service) ListDonors(ctx context.Context, f DonorFilter) ([]domain.Donor, error) {
	who := identity.From(ctx)
	if !who.IsStaff() && !who.Has(identity.CharityFederation) {
		return nil, errs.ErrPermissionDenied.With("only staff and the charity federation list donors")
	}
	donors, err := s.donors.ListDonors(ctx, f)
	if err != nil {
		return nil, err
	}
	for i, d := range donors {
		donors[i], _ = donorView(who, d)
	}
	return donors, nil
}

// donorView is the donor as who may see it: whole to its owner and the organizer, masked to staff, suite
// services and the federation; ok is false for anyone else.
func donorView(who identity.Identity, d domain.Donor) (domain.Donor, bool) {
	switch {
	case owns(who, d) || who.Has(identity.Organizer):
		return d, true
	case readsAll(who):
		return d.Masked(), true
	}
	return domain.Donor{}, false
}
