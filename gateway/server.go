package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"google.golang.org/grpc"
)

// serverTimeouts bound how long one client may hold a connection of the HTTP server: a slowly trickled
// request or an idle keep-alive is cut off instead of being served as long as the client likes.
type serverTimeouts struct {
	ReadHeader time.Duration // the request line and headers
	Read       time.Duration // the whole request, body included
	Write      time.Duration // from the end of the headers to the end of the response; 0: REQUEST_TIMEOUT + writeMargin
	Idle       time.Duration // a keep-alive connection between requests
}

// writeMargin is what the write timeout adds to REQUEST_TIMEOUT when not set: a request that uses all of its
// time still gets its answer (e.g. 504) written.
const writeMargin = 30 * time.Second

// The settings of serverTimeouts.
const (
	readHeaderTimeoutVar = "HTTP_READ_HEADER_TIMEOUT"
	readTimeoutVar       = "HTTP_READ_TIMEOUT"
	writeTimeoutVar      = "HTTP_WRITE_TIMEOUT"
	idleTimeoutVar       = "HTTP_IDLE_TIMEOUT"
)

// resolve fills the write timeout from the request timeout and refuses timeouts that disable the bound or
// would cut off a request within its own deadline, naming the setting.
func (t serverTimeouts) resolve(requestTimeout time.Duration) (serverTimeouts, error) {
	if t.Write == 0 {
		t.Write = requestTimeout + writeMargin
	}
	for _, v := range []struct {
		name string
		d    time.Duration
	}{{readHeaderTimeoutVar, t.ReadHeader}, {readTimeoutVar, t.Read}, {writeTimeoutVar, t.Write}, {idleTimeoutVar, t.Idle}} {
		if v.d <= 0 {
			return t, fmt.Errorf("%s: must be positive, not %v", v.name, v.d)
		}
	}
	if t.ReadHeader > t.Read {
		return t, fmt.Errorf("%s (%v): must not be longer than %s (%v)", readHeaderTimeoutVar, t.ReadHeader, readTimeoutVar, t.Read)
	}
	if t.Write <= requestTimeout {
		return t, fmt.Errorf("%s (%v): must be longer than REQUEST_TIMEOUT (%v), or a request's answer is cut off", writeTimeoutVar, t.Write, requestTimeout)
	}
	return t, nil
}

// newServer is the gateway's HTTP server with its timeouts.
func newServer(h http.Handler, t serverTimeouts) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read, WriteTimeout: t.Write, IdleTimeout: t.Idle}
}

// labelRoute, on the backend connections, labels the HTTP request's metrics (otelhttp's
// http.server.request.duration) with its route template (http.route, e.g. /v1/rounds/{round_id}), which
// grpc-gateway puts in the call's context: never the raw path, whose IDs would make a series per resource.
// A request that reaches no backend (refused by the gateway itself) has no route.
func labelRoute(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if route, ok := runtime.HTTPPathPattern(ctx); ok {
		if l, ok := otelhttp.LabelerFromContext(ctx); ok {
			l.Add(attribute.String("http.route", route))
		}
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}
