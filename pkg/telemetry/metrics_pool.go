package telemetry

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// ObservePool reports the statistics of a pgx pool (pool.Stat, read at each collection) under the pool's
// name (the db.client.connection.pool.name attribute):
//
//	db.client.connection.count{db.client.connection.state=idle|used}   connections open now
//	db.client.connection.max                                            the pool's maximum
//	db.client.connection.pending_requests                               connections being established
//	pgxpool.acquires                       connections acquired (cumulative)
//	pgxpool.acquires.empty                 acquisitions that had to wait for a connection (cumulative)
//	pgxpool.acquires.canceled              acquisitions abandoned by their caller (cumulative)
//	pgxpool.acquire.duration               time spent acquiring, in seconds (cumulative)
//	pgxpool.connections.created            connections opened (cumulative)
//
// The returned function stops reporting (before the pool closes).
func ObservePool(pool *pgxpool.Pool, name string) (func() error, error) {
	m := otel.Meter(meterName)
	count, err := m.Int64ObservableUpDownCounter("db.client.connection.count", metric.WithUnit("{connection}"),
		metric.WithDescription("connections of the pool by state: idle or used"))
	if err != nil {
		return nil, err
	}
	max, err := m.Int64ObservableUpDownCounter("db.client.connection.max", metric.WithUnit("{connection}"),
		metric.WithDescription("the largest number of connections the pool opens"))
	if err != nil {
		return nil, err
	}
	pending, err := m.Int64ObservableUpDownCounter("db.client.connection.pending_requests", metric.WithUnit("{request}"),
		metric.WithDescription("connections being established"))
	if err != nil {
		return nil, err
	}
	acquires, err := m.Int64ObservableCounter("pgxpool.acquires", metric.WithUnit("{acquire}"),
		metric.WithDescription("connections acquired from the pool"))
	if err != nil {
		return nil, err
	}
	empty, err := m.Int64ObservableCounter("pgxpool.acquires.empty", metric.WithUnit("{acquire}"),
		metric.WithDescription("acquisitions that waited because no connection was idle"))
	if err != nil {
		return nil, err
	}
	canceled, err := m.Int64ObservableCounter("pgxpool.acquires.canceled", metric.WithUnit("{acquire}"),
		metric.WithDescription("acquisitions abandoned by their caller's context"))
	if err != nil {
		return nil, err
	}
	waited, err := m.Float64ObservableCounter("pgxpool.acquire.duration", metric.WithUnit("s"),
		metric.WithDescription("total time spent acquiring connections"))
	if err != nil {
		return nil, err
	}
	created, err := m.Int64ObservableCounter("pgxpool.connections.created", metric.WithUnit("{connection}"),
		metric.WithDescription("connections the pool opened"))
	if err != nil {
		return nil, err
	}
	poolAttr := attribute.String("db.client.connection.pool.name", name)
	idle := metric.WithAttributes(poolAttr, attribute.String("db.client.connection.state", "idle"))
	used := metric.WithAttributes(poolAttr, attribute.String("db.client.connection.state", "used"))
	attrs := metric.WithAttributes(poolAttr)
	reg, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		s := pool.Stat()
		o.ObserveInt64(count, int64(s.IdleConns()), idle)
		o.ObserveInt64(count, int64(s.AcquiredConns()), used)
		o.ObserveInt64(max, int64(s.MaxConns()), attrs)
		o.ObserveInt64(pending, int64(s.ConstructingConns()), attrs)
		o.ObserveInt64(acquires, s.AcquireCount(), attrs)
		o.ObserveInt64(empty, s.EmptyAcquireCount(), attrs)
		o.ObserveInt64(canceled, s.CanceledAcquireCount(), attrs)
		o.ObserveFloat64(waited, s.AcquireDuration().Seconds(), attrs)
		o.ObserveInt64(created, s.NewConnsCount(), attrs)
		return nil
	}, count, max, pending, acquires, empty, canceled, waited, created)
	if err != nil {
		return nil, err
	}
	return reg.Unregister, nil
}
