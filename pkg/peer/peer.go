// Package peer turns the failures of a call to another suite service into this service's own errors, so a
// caller never sees another service's status as if this service had said it.
package peer

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/grpcerr"
)

// Error converts err, returned by a call to the named peer service ("applications"), into an error of
// this service:
//   - NotFound becomes notFound when given (the caller names what was missing), else <PEER>_NOT_FOUND;
//   - unreachable, timed out or overloaded becomes UNAVAILABLE <PEER>_UNAVAILABLE (retryable);
//   - FailedPrecondition keeps its kind and the peer's reason (a phase or state the caller can act on);
//   - anything else (the peer refused this service, or failed) is INTERNAL <PEER>_CALL_FAILED, logged
//     with the peer's reason.
//
// Errors that are already this service's own (*errs.Error) and context errors of the caller pass through.
func Error(ctx context.Context, name string, err error, notFound *errs.Error) error {
	if err == nil {
		return nil
	}
	if _, ok := errs.As(err); ok {
		return err
	}
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || status.Code(err) == codes.Canceled) {
		return ctx.Err()
	}
	upper := strings.ToUpper(name)
	st, _ := status.FromError(err)
	reason := grpcerr.Reason(err)
	switch st.Code() {
	case codes.NotFound:
		if notFound != nil {
			return notFound
		}
		return errs.New(errs.NotFound, upper+"_NOT_FOUND", "the "+name+" service has no such object")
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted, codes.Canceled:
		return errs.New(errs.Unavailable, upper+"_UNAVAILABLE", "the "+name+" service is unavailable; retry later")
	case codes.FailedPrecondition:
		if reason == "" {
			reason = upper + "_PRECONDITION_FAILED"
		}
		return errs.New(errs.FailedPrecondition, reason, st.Message())
	}
	slog.WarnContext(ctx, "peer call failed", "peer", name, "code", st.Code().String(), "reason", reason)
	return errs.New(errs.Internal, upper+"_CALL_FAILED", "a call to the "+name+" service failed")
}
