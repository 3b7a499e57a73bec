package clients

import (
	"context"

	"google.golang.org/grpc"

	supervisionv1 "github.com/commonweal/commonweal/gen/go/commonweal/supervision/v1"
	"github.com/commonweal/commonweal/pkg/peer"
	"github.com/commonweal/commonweal/services/funding/internal/app"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

// Supervision is the client of the supervision service: the evaluations that gate tranches 2 and 3, and the
// spending it verified, for clawbacks. While it cannot answer, the caller gets SUPERVISION_UNAVAILABLE, and
// the use cases refuse (GATE_UNVERIFIABLE, SPENDING_UNVERIFIABLE) rather than assume.
type Supervision struct {
	c supervisionv1.SupervisionServiceClient
}

var _ app.Supervision = (*Supervision)(nil)

// NewSupervision returns the supervision client over conn.
func NewSupervision(conn grpc.ClientConnInterface) *Supervision {
	return &Supervision{c: supervisionv1.NewSupervisionServiceClient(conn)}
}

var evaluationKinds = map[string]supervisionv1.EvaluationKind{
	domain.EvaluationMidterm:         supervisionv1.EvaluationKind_EVALUATION_KIND_MIDTERM,
	domain.EvaluationFinalAcceptance: supervisionv1.EvaluationKind_EVALUATION_KIND_FINAL_ACCEPTANCE,
}

// EvaluationPassed reports whether the project's evaluation of kind was recorded with the result PASSED.
func (s *Supervision) EvaluationPassed(ctx context.Context, projectID, kind string) (bool, error) {
	st, err := s.c.GetEvaluationStatus(ctx, &supervisionv1.GetEvaluationStatusRequest{ProjectId: projectID, Kind: evaluationKinds[kind]})
	if err != nil {
		return false, peer.Error(ctx, "supervision", err, nil)
	}
	return st.GetExists() && st.GetResult() == supervisionv1.EvaluationResult_EVALUATION_RESULT_PASSED, nil
}

// VerifiedSpendingFen is the spending supervision verified for the project: its latest evaluation's figure,
// 0 when no evaluation verified anything yet.
func (s *Supervision) VerifiedSpendingFen(ctx context.Context, projectID string) (int64, error) {
	v, err := s.c.GetVerifiedSpending(ctx, &supervisionv1.GetVerifiedSpendingRequest{ProjectId: projectID})
	if err != nil {
		return 0, peer.Error(ctx, "supervision", err, nil)
	}
	return v.GetVerifiedSpendingFen(), nil
}
