// Package grpcerr converts errs errors into gRPC statuses carrying google.rpc.ErrorInfo and BadRequest
// details (AIP-193), and back.
package grpcerr

import (
	"context"
	"errors"
	"log/slog"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/pgerr"
)

// Domain is the ErrorInfo domain of every error the suite returns.
const Domain = "commonweal"

var codeOf = map[errs.Kind]codes.Code{
	errs.Internal:           codes.Internal,
	errs.InvalidArgument:    codes.InvalidArgument,
	errs.FailedPrecondition: codes.FailedPrecondition,
	errs.NotFound:           codes.NotFound,
	errs.AlreadyExists:      codes.AlreadyExists,
	errs.Aborted:            codes.Aborted,
	errs.PermissionDenied:   codes.PermissionDenied,
	errs.Unauthenticated:    codes.Unauthenticated,
	errs.ResourceExhausted:  codes.ResourceExhausted,
	errs.Unavailable:        codes.Unavailable,
}

// Status turns any error into a gRPC status error. An *errs.Error keeps its kind, reason and violations;
// a status error passes through; a context error keeps its code; a database that cannot be reached is
// UNAVAILABLE (DATABASE_UNAVAILABLE, retryable); anything else is logged and hidden
// behind INTERNAL so no detail of a failure leaks to the caller.
func Status(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if e, ok := errs.As(err); ok {
		return FromError(e).Err()
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "request canceled")
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "deadline exceeded")
	}
	if pgerr.Unreachable(err) {
		slog.WarnContext(ctx, "database unreachable", "error", err.Error())
		return FromError(errs.ErrDatabaseUnavailable).Err()
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// PostgreSQL messages can quote argument values (personal numbers): log the code and constraint only.
		slog.ErrorContext(ctx, "internal error", "sqlstate", pgErr.Code, "constraint", pgErr.ConstraintName, "table", pgErr.TableName)
	} else {
		slog.ErrorContext(ctx, "internal error", "error", err.Error())
	}
	return FromError(errs.New(errs.Internal, "INTERNAL", "internal error")).Err()
}

// FromError builds the status of an *errs.Error.
func FromError(e *errs.Error) *status.Status {
	code, ok := codeOf[e.Kind]
	if !ok {
		code = codes.Internal
	}
	st := status.New(code, e.Error())
	info := &errdetails.ErrorInfo{Reason: e.Reason, Domain: Domain, Metadata: e.Metadata}
	details := []protoadapt.MessageV1{info}
	if len(e.Violations) > 0 {
		br := &errdetails.BadRequest{}
		for _, v := range e.Violations {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: v.Field, Description: v.Description, Reason: v.Reason})
		}
		details = append(details, br)
	}
	withDetails, err := st.WithDetails(details...)
	if err != nil {
		return st
	}
	return withDetails
}

// Reason returns the ErrorInfo reason of a status error, or "" when it has none.
func Reason(err error) string {
	st, ok := status.FromError(err)
	if !ok {
		return ""
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}
