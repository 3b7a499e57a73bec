package telemetry

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// QueryTracer is a pgx tracer that records one client span per SQL statement, with the attributes of the
// OpenTelemetry database semantic conventions (v1.43: db.system.name, db.query.text, db.operation.name,
// db.namespace, server.address/port, db.response.status_code). It records the statement text but never its
// arguments, so no personal number reaches a span. (The maintained pgx instrumentations are not among the
// modules this project may use; this one is small.)
type QueryTracer struct {
	tracer trace.Tracer
}

// NewQueryTracer returns a tracer using the global tracer provider.
func NewQueryTracer() *QueryTracer {
	return &QueryTracer{tracer: otel.Tracer("github.com/commonweal/commonweal/pkg/telemetry/pgx")}
}

// TraceQueryStart starts the statement's span.
func (t *QueryTracer) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	ctx, span := t.tracer.Start(ctx, spanName(data.SQL), trace.WithSpanKind(trace.SpanKindClient))
	// An unsampled span (most of them under a ratio sampler) drops attributes: do not build them.
	if span.IsRecording() {
		attrs := []attribute.KeyValue{semconv.DBSystemNamePostgreSQL, semconv.DBQueryText(data.SQL)}
		if op := firstWord(data.SQL); op != "" {
			attrs = append(attrs, semconv.DBOperationName(strings.ToUpper(op)))
		}
		if conn != nil {
			if cfg := conn.Config(); cfg != nil {
				attrs = append(attrs, semconv.DBNamespace(cfg.Database), semconv.ServerAddress(cfg.Host), semconv.ServerPort(int(cfg.Port)))
			}
		}
		span.SetAttributes(attrs...)
	}
	return ctx
}

// commonNames are the span names of the usual statements, built once rather than per statement.
var commonNames = func() map[string]string {
	m := map[string]string{}
	for _, w := range []string{"SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "LOCK"} {
		m[w], m[strings.ToLower(w)] = "SQL "+w, "SQL "+strings.ToLower(w)
	}
	return m
}()

// spanName is "SQL " and the statement's first word, or "SQL" when it has none.
func spanName(sql string) string {
	f := firstWord(sql)
	if f == "" {
		return "SQL"
	}
	if name, ok := commonNames[f]; ok {
		return name
	}
	return "SQL " + f
}

// TraceQueryEnd ends the statement's span, marking it failed on error.
func (t *QueryTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		span.End()
		return
	}
	if data.Err != nil {
		// PostgreSQL quotes argument values in many messages: keep only the SQLSTATE.
		desc := "query failed"
		var pgErr *pgconn.PgError
		if errors.As(data.Err, &pgErr) {
			desc = "SQLSTATE " + pgErr.Code
			span.SetAttributes(semconv.DBResponseStatusCode(pgErr.Code))
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
