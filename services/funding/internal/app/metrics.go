package app

import (
	"context"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/commonweal/commonweal/pkg/telemetry"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

// tranchesPaid counts the tranche shares paid (share: government or donation), once the unit of work that
// marked the share paid has committed (a retry counts once).
var tranchesPaid = telemetry.Counter("commonweal.tranches.paid", "{share}", "tranche shares paid, by share (government, donation), counted after their commit",
	shareSeries(domain.ShareGovernment), shareSeries(domain.ShareDonation))

func shareSeries(share domain.Share) attribute.Set {
	return attribute.NewSet(attribute.String("share", strings.ToLower(string(share))))
}

func countTranchePaid(ctx context.Context, share domain.Share) {
	tranchesPaid.Add(ctx, 1, metric.WithAttributeSet(shareSeries(share)))
}
