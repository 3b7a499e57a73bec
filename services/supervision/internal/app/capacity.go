package app

import (
	"context"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// CapacityRecords stores capacity-building records.
type CapacityRecords interface {
	InsertCapacityRecord(ctx context.Context, r domain.CapacityRecord) error
	// ListCapacityRecords returns up to f.Limit of a project's records after the keyset position, oldest
	// record first.
	ListCapacityRecords(ctx context.Context, f Page) ([]domain.CapacityRecord, error)
}

// CreateCapacityRecord records a training or consultation given to a project's team.
type CreateCapacityRecord struct {
	Key       idempotency.Key
	ProjectID string
	domain.CapacityInput
}

// CreateCapacityRecord records a training or consultation for a project under supervision.
func (s *Service) CreateCapacityRecord(ctx context.Context, cmd CreateCapacityRecord) (domain.CapacityRecord, error) {
	if out, done, err := idempotency.Replay[domain.CapacityRecord](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	p, cal, err := s.supervised(ctx, cmd.ProjectID)
	if err != nil {
		return domain.CapacityRecord{}, err
	}
	now := s.now()
	r, err := domain.NewCapacityRecord(p, cmd.CapacityInput, cal, now)
	if err != nil {
		return domain.CapacityRecord{}, err
	}
	r.ID, r.CreatedAt, r.RecordedBy = ids.New(), now, identity.From(ctx).Subject
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.CapacityRecord, error) {
		return r, s.capacity.InsertCapacityRecord(ctx, r)
	})
}

// ListCapacityRecords lists a project's capacity-building records to staff, suite services and the project's
// own team.
func (s *Service) ListCapacityRecords(ctx context.Context, f Page) ([]domain.CapacityRecord, error) {
	if err := s.readable(ctx, f.ProjectID); err != nil {
		return nil, err
	}
	return s.capacity.ListCapacityRecords(ctx, f)
}
