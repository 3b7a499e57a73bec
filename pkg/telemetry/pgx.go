package telemetry

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// QueryTracer is a pgx tracer that records one client span per SQL statement. It records the statement
// text but never its arguments, so no personal number reaches a span.
type QueryTracer struct {
	tracer trace.Tracer
}

// NewQueryTracer returns a tracer using the global tracer provider.
func NewQueryTracer() *QueryTracer {
	return &QueryTracer{tracer: otel.Tracer("github.com/commonweal/commonweal/pkg/telemetry/pgx")}
}

// TraceQueryStart starts the statement's span.
func (t *QueryTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	name := "SQL"
	if f := firstWord(data.SQL); f != "" {
		name = "SQL " + f
	}
	ctx, _ = t.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system", "postgresql"), attribute.String("db.statement", data.SQL)))
	return ctx
}

// TraceQueryEnd ends the statement's span, marking it failed on error.
func (t *QueryTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	span := trace.SpanFromContext(ctx)
	if data.Err != nil {
		// PostgreSQL quotes argument values in many messages: keep only the SQLSTATE.
		desc := "query failed"
		var pgErr *pgconn.PgError
		if errors.As(data.Err, &pgErr) {
			desc = "SQLSTATE " + pgErr.Code
			span.SetAttributes(attribute.String("db.response.status_code", pgErr.Code))
		}
		span.AddEvent("exception", trace.WithAttributes(attribute.String("exception.message", desc)))
		span.SetStatus(codes.Error, desc)
	} else {
		span.SetAttributes(attribute.Int64("db.rows_affected", data.CommandTag.RowsAffected()))
	}
	span.End()
}

func firstWord(sql string) string {
	start := -1
	for i, c := range sql {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if letter && start < 0 {
			start = i
		} else if !letter && start >= 0 {
			return sql[start:i]
		}
	}
	if start >= 0 {
		return sql[start:]
	}
	return ""
}
