// Package httpapi is the gateway's HTTP surface around the grpc-gateway mux: authentication, body limits,
// CORS, error bodies with stable reasons, health, the OpenAPI document and dev tokens.
package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/commonweal/commonweal/pkg/grpcerr"
)

// HTTPStatus maps a gRPC code to the HTTP status partners see (ARCHITECTURE.md §3).
func HTTPStatus(c codes.Code) int {
	switch c {
	case codes.FailedPrecondition:
		return http.StatusPreconditionFailed
	case codes.Aborted, codes.AlreadyExists:
		return http.StatusConflict
	default:
		return runtime.HTTPStatusFromCode(c)
	}
}

// defaultReason names errors that arrive without an ErrorInfo: those raised by the gateway itself.
func defaultReason(st *status.Status) string {
	switch st.Code() {
	case codes.InvalidArgument:
		if strings.Contains(st.Message(), "request body too large") {
			return "REQUEST_BODY_TOO_LARGE"
		}
		return "MALFORMED_REQUEST"
	case codes.NotFound:
		return "ROUTE_NOT_FOUND"
	case codes.Unimplemented:
		return "METHOD_NOT_ALLOWED"
	case codes.Unavailable:
		return "SERVICE_UNAVAILABLE"
	case codes.Unauthenticated:
		return "UNAUTHENTICATED"
	case codes.DeadlineExceeded:
		return "DEADLINE_EXCEEDED"
	case codes.Canceled:
		return "CANCELED"
	default:
		return "INTERNAL"
	}
}

// withReason makes sure every error body carries an ErrorInfo with a stable reason.
func withReason(st *status.Status) *status.Status {
	if grpcerr.Reason(st.Err()) != "" {
		return st
	}
	msg := st.Message()
	if st.Code() == codes.Unavailable || st.Code() == codes.Internal || st.Code() == codes.Unknown {
		msg = "a service is unavailable; retry later" // never leak transport details
		if st.Code() != codes.Unavailable {
			msg = "internal error"
		}
	}
	out, err := status.New(st.Code(), msg).WithDetails(&errdetails.ErrorInfo{Reason: defaultReason(st), Domain: grpcerr.Domain})
	if err != nil {
		return st
	}
	return out
}

// ErrorHandler writes a gRPC error as JSON {code, message, details[ErrorInfo, ...]} with the mapped status.
func ErrorHandler(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	st := withReason(status.Convert(err))
	body, merr := m.Marshal(st.Proto())
	if merr != nil {
		http.Error(w, `{"code":13,"message":"internal error"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(HTTPStatus(st.Code()))
	w.Write(body)
}

// writeError writes an error raised by the gateway's own handlers in the same shape.
func writeError(w http.ResponseWriter, r *http.Request, code codes.Code, reason, msg string) {
	st, _ := status.New(code, msg).WithDetails(&errdetails.ErrorInfo{Reason: reason, Domain: grpcerr.Domain})
	ErrorHandler(r.Context(), nil, jsonMarshaler(), w, r, st.Err())
}
