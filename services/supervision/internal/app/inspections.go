package app

import (
	"context"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// Inspections stores site inspections.
type Inspections interface {
	InsertInspection(ctx context.Context, in domain.Inspection) error
	// ListInspections returns up to f.Limit of a project's inspections after the keyset position, oldest
	// record first.
	ListInspections(ctx context.Context, f Page) ([]domain.Inspection, error)
}

// CreateInspection records a site inspection.
type CreateInspection struct {
	Key       idempotency.Key
	ProjectID string
	VisitedOn string
	Findings  string
	Rating    domain.Rating
}

// CreateInspection records an inspection of a project under supervision.
func (s *Service) CreateInspection(ctx context.Context, cmd CreateInspection) (domain.Inspection, error) {
	if out, done, err := idempotency.Replay[domain.Inspection](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	p, cal, err := s.supervised(ctx, cmd.ProjectID)
	if err != nil {
		return domain.Inspection{}, err
	}
	now := s.now()
	in, err := domain.NewInspection(p, cmd.VisitedOn, cmd.Findings, cmd.Rating, cal, now)
	if err != nil {
		return domain.Inspection{}, err
	}
	in.ID, in.CreatedAt, in.RecordedBy = ids.New(), now, identity.From(ctx).Subject
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Inspection, error) {
		return in, s.inspections.InsertInspection(ctx, in)
	})
}

// ListInspections lists a project's inspections to staff, suite services and the project's own team.
func (s *Service) ListInspections(ctx context.Context, f Page) ([]domain.Inspection, error) {
	if err := s.readable(ctx, f.ProjectID); err != nil {
		return nil, err
	}
	return s.inspections.ListInspections(ctx, f)
}
