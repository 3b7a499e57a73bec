package app_test

import (
	"context"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// metricsReader is the test process's meter provider's reader: the global provider takes its first delegate
// once, so every test of the process shares it.
var metricsReader = sync.OnceValue(func() *sdkmetric.ManualReader {
	r := sdkmetric.NewManualReader()
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(r)))
	return r
})

// counted is the total of the int64 counter name.
func counted(t *testing.T, name string) int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := metricsReader().Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == name {
				for _, dp := range sum.DataPoints {
					n += dp.Value
				}
			}
		}
	}
	return n
}

// A confirmed deposit counts once in commonweal.deposits.confirmed: not its retry, not a refused one.
func TestDepositsConfirmedCounter(t *testing.T) {
	metricsReader()
	f := setup(t)
	donorCtx, d := f.donor(t, "donor-metrics")
	p := f.pledge(t, donorCtx, d.ID, domain.KindCash, 100)
	q := f.pledge(t, donorCtx, d.ID, domain.KindCash, 100)
	before := counted(t, "commonweal.deposits.confirmed")
	if _, err := f.svc.ConfirmDeposit(federation, deposit(p.ID, "BANK-M1", 100, f.clock.Now())); err != nil {
		t.Fatal(err)
	}
	if got := counted(t, "commonweal.deposits.confirmed") - before; got != 1 {
		t.Fatalf("after one confirmation: +%d, want +1", got)
	}
	if _, err := f.svc.ConfirmDeposit(federation, deposit(p.ID, "BANK-M1", 100, f.clock.Now())); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if _, err := f.svc.ConfirmDeposit(federation, deposit(q.ID, "BANK-M1", 100, f.clock.Now())); reason(err) != "BANK_REFERENCE_CONFLICT" {
		t.Fatalf("the same reference for another pledge: %v", err)
	}
	if got := counted(t, "commonweal.deposits.confirmed") - before; got != 1 {
		t.Errorf("after a retry and a refusal: +%d, want still +1", got)
	}
}
