package app_test

import (
	"context"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/commonweal/commonweal/services/funding/internal/app"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

// metricsReader is the test process's meter provider's reader: the global provider takes its first delegate
// once, so every test of the process shares it.
var metricsReader = sync.OnceValue(func() *sdkmetric.ManualReader {
	r := sdkmetric.NewManualReader()
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(r)))
	return r
})

// paidShares is commonweal.tranches.paid by share.
func paidShares(t *testing.T) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := metricsReader().Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == "commonweal.tranches.paid" {
				for _, dp := range sum.DataPoints {
					share, _ := dp.Attributes.Value(attribute.Key("share"))
					out[share.AsString()] += dp.Value
				}
			}
		}
	}
	return out
}

// Each share paid counts once in commonweal.tranches.paid{share}: not a retry, not a refused payment.
func TestTranchesPaidCounter(t *testing.T) {
	metricsReader()
	f, p := onePlan(t)
	p = f.activate(t, p)
	before := paidShares(t)
	cmd := app.TrancheCommand{PlanID: p.ID, Number: 1}
	if _, err := f.svc.RequestTranche(operator, cmd); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ApproveTranche(organizer, cmd); err != nil {
		t.Fatal(err)
	}
	gov := app.PayTranche{PlanID: p.ID, Number: 1, Share: domain.ShareGovernment, PaymentReference: "GOV-M1"}
	don := app.PayTranche{PlanID: p.ID, Number: 1, Share: domain.ShareDonation, PaymentReference: "DON-M1"}
	for _, pay := range []struct {
		who context.Context
		cmd app.PayTranche
	}{{finance, gov}, {finance, gov}, {federation, don}, {federation, don}} { // each twice: the second is a retry
		if _, err := f.svc.PayTranche(pay.who, pay.cmd); err != nil {
			t.Fatalf("pay %s: %v", pay.cmd.Share, err)
		}
	}
	if _, err := f.svc.PayTranche(finance, app.PayTranche{PlanID: p.ID, Number: 1, Share: domain.ShareGovernment, PaymentReference: "GOV-M2"}); reason(err) != "SHARE_ALREADY_PAID" {
		t.Fatalf("paid again under another reference: %v", err)
	}
	after := paidShares(t)
	for _, share := range []string{"government", "donation"} {
		if got := after[share] - before[share]; got != 1 {
			t.Errorf("commonweal.tranches.paid{share=%s}: +%d, want +1", share, got)
		}
	}
}
