package rpc

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/grpcerr"
)

// TimeRange is the half-open interval [From, To) of a list's time filter; a zero bound is open.
type TimeRange struct{ From, To time.Time }

// Key is the range as it enters a page token's filter (pagetoken.Fingerprint parts).
func (r TimeRange) Key() string {
	return r.From.UTC().Format(time.RFC3339Nano) + "/" + r.To.UTC().Format(time.RFC3339Nano)
}

// Range reads a list's from (inclusive) and to (exclusive) bounds, either of which may be absent; a range
// whose to is not after its from is INVALID_ARGUMENT INVALID_TIME_RANGE, as a status.
func Range(ctx context.Context, from, to *timestamppb.Timestamp) (TimeRange, error) {
	var r TimeRange
	if from != nil {
		r.From = from.AsTime()
	}
	if to != nil {
		r.To = to.AsTime()
	}
	if !r.From.IsZero() && !r.To.IsZero() && !r.From.Before(r.To) {
		return TimeRange{}, grpcerr.Status(ctx, errs.Invalid("INVALID_TIME_RANGE", "to", "must be after from"))
	}
	return r, nil
}
