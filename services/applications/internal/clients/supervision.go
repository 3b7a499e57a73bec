package clients

import (
	"context"
	"strings"

	"google.golang.org/grpc"

	supervisionv1 "github.com/commonweal/commonweal/gen/go/commonweal/supervision/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/peer"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

var _ app.PreconditionChecker = (*Supervision)(nil)

// Supervision asks the supervision service whether the CLOSING and CLOSED preconditions hold (it asks funding
// for the plans itself).
type Supervision struct {
	c supervisionv1.SupervisionServiceClient
}

// NewSupervision returns the checker over conn (dialled with this service's identity and the peer call timeout).
func NewSupervision(conn grpc.ClientConnInterface) *Supervision {
	return &Supervision{c: supervisionv1.NewSupervisionServiceClient(conn)}
}

// Check returns nil when the precondition holds and FAILED_PRECONDITION with the reason supervision gives when
// it does not. A supervision service that cannot answer (or whose own peers cannot) never lets the change
// pass: its failure becomes this service's own error (SUPERVISION_UNAVAILABLE, …).
func (s *Supervision) Check(ctx context.Context, roundID string, p domain.Precondition) error {
	st, err := s.c.GetRoundClosingStatus(ctx, &supervisionv1.GetRoundClosingStatusRequest{RoundId: roundID})
	if err != nil {
		unknown := domain.ErrPreconditionUnverified.With("%s must hold, and the supervision service does not know the round", p.Description)
		err = peer.Error(ctx, "supervision", err, unknown)
		if e, ok := errs.As(err); ok && e != unknown {
			return e.With("%s must hold, and the supervision service could not confirm it: %s", p.Description, e.Message)
		}
		return err
	}
	var unmet string
	switch p.Reason {
	case "PROJECTS_NOT_FINISHED":
		unmet = st.GetClosingUnmetReason()
		if unmet != "" && len(st.GetUnfinishedProjectIds()) > 0 {
			return errs.New(errs.FailedPrecondition, unmet, p.Description).With("%s: not yet %s", p.Description, strings.Join(st.GetUnfinishedProjectIds(), ", "))
		}
	case "ROUND_SUMMARY_MISSING":
		unmet = st.GetClosedUnmetReason()
	default:
		return domain.ErrPreconditionUnverified.With("the supervision service does not know the precondition %s", p.Reason)
	}
	if unmet == "" {
		return nil
	}
	return errs.New(errs.FailedPrecondition, unmet, p.Description)
}
