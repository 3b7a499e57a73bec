package clients

import (
	"context"

	"google.golang.org/grpc"

	fundingv1 "github.com/commonweal/commonweal/gen/go/commonweal/funding/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/peer"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
)

// Funding is the client of the funding service: the government share of a finalist (its quote under the
// round's matching terms) and the round's pool available for selection.
type Funding struct {
	c fundingv1.FundingServiceClient
}

var _ app.Funding = (*Funding)(nil)

// NewFunding returns the funding client over conn.
func NewFunding(conn grpc.ClientConnInterface) *Funding {
	return &Funding{c: fundingv1.NewFundingServiceClient(conn)}
}

func fundingError(ctx context.Context, err error, roundID string) error {
	return peer.Error(ctx, "funding", err, errs.ErrNotFound.With("round %s not found", roundID))
}

// GovernmentShare is the government share (match + top-up) funding quotes for a budget and the confirmed
// donations at the cutoff, under the round's terms.
func (f *Funding) GovernmentShare(ctx context.Context, roundID string, budgetFen, donationsFen int64) (int64, error) {
	q, err := f.c.QuoteFunding(ctx, &fundingv1.QuoteFundingRequest{RoundId: roundID, BudgetFen: budgetFen, DonationsFen: donationsFen})
	if err != nil {
		return 0, fundingError(ctx, err, roundID)
	}
	return q.GetGovernmentFen(), nil
}

// PoolAvailable is what the round's pool can still commit, in fen.
func (f *Funding) PoolAvailable(ctx context.Context, roundID string) (int64, error) {
	p, err := f.c.GetPool(ctx, &fundingv1.GetPoolRequest{RoundId: roundID})
	if err != nil {
		return 0, fundingError(ctx, err, roundID)
	}
	return p.GetAvailableFen(), nil
}
