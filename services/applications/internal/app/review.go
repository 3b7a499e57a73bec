package app

import (
	"context"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// ReviewApplication is an operator's initial-review decision on a submitted application.
type ReviewApplication struct {
	Key           idempotency.Key
	ApplicationID string
	Decision      domain.Decision
	Reasons       []string
	// Etag is the etag of the application the operator read; it is required, so a revision nobody read is
	// never decided on.
	Etag string
}

// ReviewApplication records the decision and keeps it in the application's review history.
func (s *Service) ReviewApplication(ctx context.Context, cmd ReviewApplication) (domain.Application, error) {
	if out, done, err := idempotency.Replay[domain.Application](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	if cmd.Etag == "" {
		return domain.Application{}, errs.ErrEtagRequired.Field("etag", "the etag of the application as read is required")
	}
	if err := ids.Parse("application_id", cmd.ApplicationID); err != nil {
		return domain.Application{}, err
	}
	who := identity.From(ctx)
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Application, error) {
		a, err := s.apps.UpdateApplication(ctx, cmd.ApplicationID, func(a *domain.Application) error {
			if _, err := s.organizationOf(ctx, who, *a); err != nil {
				return err
			}
			if err := checkEtag(cmd.Etag, a.ID, a.Version); err != nil {
				return err
			}
			return a.ApplyReview(cmd.Decision, cmd.Reasons, who.Subject, s.now())
		})
		if err != nil {
			return domain.Application{}, err
		}
		return a, s.apps.InsertReview(ctx, a.ID, *a.LastReview)
	})
}
