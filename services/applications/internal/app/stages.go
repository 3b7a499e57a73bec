package app

import (
	"context"
	"slices"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// Stages an application can be given by the reviews service (DOMAIN.md §3 "Stage").
var stages = []string{"SHORTLISTED", "NOT_SHORTLISTED", "DISQUALIFIED", "SELECTED", "IDEA_PRIZE", "NOT_SELECTED"}

// SetStage is the reviews service's publication of an application's place in the programme.
type SetStage struct {
	ApplicationID string
	Stage         string
}

// SetStage records the stage of an accepted application. Only the reviews service may call it; setting the
// stage it already has changes nothing.
func (s *Service) SetStage(ctx context.Context, cmd SetStage) (domain.Application, error) {
	if !identity.From(ctx).IsService("reviews") {
		return domain.Application{}, errs.ErrPermissionDenied.With("only the reviews service sets stages")
	}
	if !slices.Contains(stages, cmd.Stage) {
		return domain.Application{}, errs.Invalid("INVALID_STAGE", "stage", "unknown stage")
	}
	if err := ids.Parse("application_id", cmd.ApplicationID); err != nil {
		return domain.Application{}, err
	}
	// The request carries no request_id: setting a stage is idempotent by itself.
	return idempotency.Run(ctx, s.requests, idempotency.Key{}, func(ctx context.Context) (domain.Application, error) {
		return s.apps.UpdateApplication(ctx, cmd.ApplicationID, func(a *domain.Application) error {
			if a.Status != domain.StatusAccepted {
				return domain.ErrNotAccepted.With("the application is %s", a.Status)
			}
			if a.Stage != cmd.Stage {
				a.Stage = cmd.Stage
				a.UpdatedAt = s.now()
			}
			return nil
		})
	})
}
