package app

import (
	"context"
	"fmt"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// Pledges stores pledges and their audit trail.
type Pledges interface {
	InsertPledge(ctx context.Context, p domain.Pledge) error
	// GetPledge is NOT_FOUND for an unknown pledge.
	GetPledge(ctx context.Context, id string) (domain.Pledge, error)
	// UpdatePledge is the one way a pledge changes: inside the caller's unit of work it loads and locks the
	// pledge, lets change modify it (change may write other rows with the same ctx) and saves it when it
	// changed. It returns the pledge as saved.
	UpdatePledge(ctx context.Context, id string, change func(p *domain.Pledge) error) (domain.Pledge, error)
	// RecordEvent appends to a pledge's audit trail.
	RecordEvent(ctx context.Context, e domain.PledgeEvent) error
	// ListPledges returns up to f.Limit pledges after the keyset position, oldest first.
	ListPledges(ctx context.Context, f PledgeFilter) ([]domain.Pledge, error)
}

// PledgeFilter selects a page of pledges.
type PledgeFilter struct {
	ApplicationID string
	DonorID       string
	// DonorIDs, when not nil, keeps only these donors' pledges.
	DonorIDs  []string
	AfterTime time.Time
	AfterID   string
	Limit     int
}

// CreatePledge pledges a donation to an application.
type CreatePledge struct {
	Key           idempotency.Key
	DonorID       string
	ApplicationID string
	AmountFen     int64
	Kind          domain.PledgeKind
	AgreementRef  string
	Description   string
}

// CreatePledge records a pledge to a shortlisted application while its round accepts pledges. A donor user
// pledges only for a donor it acts for; an operator for any donor.
func (s *Service) CreatePledge(ctx context.Context, cmd CreatePledge) (domain.Pledge, error) {
	if out, done, err := idempotency.Replay[domain.Pledge](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	who := identity.From(ctx)
	if err := ids.Parse("donor_id", cmd.DonorID); err != nil {
		return domain.Pledge{}, err
	}
	if err := ids.Parse("application_id", cmd.ApplicationID); err != nil {
		return domain.Pledge{}, err
	}
	d, err := s.donors.GetDonor(ctx, cmd.DonorID)
	if errs.ErrNotFound.Is(err) || err == nil && !who.Has(identity.Operator) && !owns(who, d) {
		return domain.Pledge{}, domain.ErrDonorNotOwned.Field("donor_id", "not a donor the caller acts for")
	} else if err != nil {
		return domain.Pledge{}, err
	}
	if d.Erased() {
		return domain.Pledge{}, domain.ErrPersonalDataErased.With("donor %s was anonymised", d.ID)
	}
	a, err := s.apps.GetApplication(ctx, cmd.ApplicationID)
	if err != nil {
		return domain.Pledge{}, err
	}
	r, err := s.apps.GetRound(ctx, a.RoundID)
	if err != nil {
		return domain.Pledge{}, err
	}
	p, err := domain.NewPledge(cmd.DonorID, cmd.ApplicationID, cmd.AmountFen, cmd.Kind, cmd.AgreementRef, cmd.Description, a.Stage, r.Phase)
	if err != nil {
		return domain.Pledge{}, err
	}
	p.ID, p.RoundID, p.CreatedAt, p.CreatedBy = ids.New(), a.RoundID, s.now(), who.Subject
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Pledge, error) {
		if err := s.pledges.InsertPledge(ctx, p); err != nil {
			return domain.Pledge{}, err
		}
		return p, s.pledges.RecordEvent(ctx, domain.PledgeEvent{PledgeID: p.ID, Action: "PLEDGED", At: p.CreatedAt, By: who.Subject,
			RequestID: cmd.Key.RequestID, Detail: fmt.Sprintf("amount_fen=%d kind=%s agreement=%s", p.AmountFen, p.Kind, p.AgreementRef)})
	})
}

// GetPledge returns a pledge to its donor, staff, suite services and the federation; anyone else gets
// NOT_FOUND.
func (s *Service) GetPledge(ctx context.Context, id string) (domain.Pledge, error) {
	who := identity.From(ctx)
	if err := ids.Parse("pledge_id", id); err != nil {
		return domain.Pledge{}, err
	}
	p, err := s.pledges.GetPledge(ctx, id)
	if err != nil {
		return domain.Pledge{}, err
	}
	if readsAll(who) {
		return p, nil
	}
	d, err := s.donors.GetDonor(ctx, p.DonorID)
	if err != nil {
		return domain.Pledge{}, err
	}
	if !owns(who, d) {
		return domain.Pledge{}, errs.ErrNotFound.With("pledge %s not found", id)
	}
	return p, nil
}

// ListPledges lists pledges: all for staff, suite services and the federation, its own donors' for a donor
// user.
func (s *Service) ListPledges(ctx context.Context, f PledgeFilter) ([]domain.Pledge, error) {
	who := identity.From(ctx)
	if f.ApplicationID != "" {
		if err := ids.Parse("application_id", f.ApplicationID); err != nil {
			return nil, err
		}
	}
	if f.DonorID != "" {
		if err := ids.Parse("donor_id", f.DonorID); err != nil {
			return nil, err
		}
	}
	if !readsAll(who) {
		owned, err := s.donors.DonorsOwnedBy(ctx, who.Subject)
		if err != nil {
			return nil, err
		}
		if who.DonorID != "" && ids.Parse("donor_id", who.DonorID) == nil {
			owned = append(owned, who.DonorID)
		}
		f.DonorIDs = append([]string{}, owned...)
	}
	return s.pledges.ListPledges(ctx, f)
}
