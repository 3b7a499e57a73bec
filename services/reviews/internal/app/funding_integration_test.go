package app_test

import (
	"context"
	"testing"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// flakyFunding fails the call named by failing with err (as the funding client reports a peer failure), and
// otherwise answers like fakeFunding.
type flakyFunding struct {
	fakeFunding
	failing string // "pool" or "share"
	err     error
}

func (f flakyFunding) GovernmentShare(ctx context.Context, roundID string, budget, donations int64) (int64, error) {
	if f.failing == "share" {
		return 0, f.err
	}
	return f.fakeFunding.GovernmentShare(ctx, roundID, budget, donations)
}

func (f flakyFunding) PoolAvailable(ctx context.Context, roundID string) (int64, error) {
	if f.failing == "pool" {
		return 0, f.err
	}
	return f.fakeFunding.PoolAvailable(ctx, roundID)
}

// TestResultsRefuseWhileFundingCannotAnswer: while the funding service cannot quote a share or tell the pool,
// the computation refuses with funding's failure (retryable) and stores nothing; once it answers, it computes.
func TestResultsRefuseWhileFundingCannotAnswer(t *testing.T) {
	down := errs.New(errs.Unavailable, "FUNDING_UNAVAILABLE", "the funding service is unavailable; retry later")
	for _, failing := range []string{"pool", "share"} {
		t.Run(failing, func(t *testing.T) {
			fund := flakyFunding{fakeFunding: fakeFunding{pool: 100_000_000, share: map[int64]int64{}}, failing: failing, err: down}
			f := setup(t, &fakeDonations{confirmed: map[string]int64{}}, fund)
			f.toFinalReview(t, map[string]int{f.A: 75, f.B: 85, f.C: 65})
			_, err := f.svc.ComputeResults(operator, f.roundCmd())
			mustErr(t, "funding down", err, down)
			_, err = f.svc.GetResults(operator, f.apps.round.ID)
			mustErr(t, "results after the refusal", err, domain.ErrResultsNotComputed)

			cfg := f.cfg
			cfg.Funding = fund.fakeFunding
			res, err := app.New(cfg).ComputeResults(operator, f.roundCmd())
			if err != nil || res.State != domain.ResultsComputed || res.PoolFen != 100_000_000 {
				t.Fatalf("once funding answers: %v %+v", err, res)
			}
		})
	}
}
