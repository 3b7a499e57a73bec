package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/commonweal/commonweal/gateway/internal/auth"
	"github.com/commonweal/commonweal/gateway/internal/openapi"
	"github.com/commonweal/commonweal/gateway/internal/votes"
	"github.com/commonweal/commonweal/pkg/identity"
)

// Backend is one service behind the gateway.
type Backend struct {
	Name     string
	Conn     *grpc.ClientConn
	Register func(ctx context.Context, mux *runtime.ServeMux, conn *grpc.ClientConn) error
}

// Options configure the gateway.
type Options struct {
	Verifier       *auth.Verifier
	DevMode        bool
	AllowedOrigins []string
	MaxBodyBytes   int64
	// RequestTimeout bounds how long one HTTP request may take end to end (0: no bound).
	RequestTimeout time.Duration
	RateRules      []RateRule
	// Proxies may report the client address the rate rules count by (none: the TCP peer).
	Proxies Proxies
	// Backends are the services; each connection must sign the caller's identity (identity.From of the call's
	// context) for its service: identity.Issuer.DialOptions.
	Backends []Backend
	// CoalesceReads lets identical API reads arriving while one is served share the next answer
	// (coalesce.go).
	CoalesceReads bool
	// Votes, when set, batches the plain vote requests into CastVotes calls (votes.go); nil: one CastVote
	// call per vote.
	Votes *votes.Batcher
}

// jsonMarshaler writes answers as the OpenAPI document describes them: every scalar, enum, list and map
// field is present with its zero value ("", 0, false, the …_UNSPECIFIED enum value, [], {}), and a message
// field that is not set (a timestamp not reached yet, an absent sub-object) is left out rather than sent as
// null, which the document's object and string types would not allow.
func jsonMarshaler() runtime.Marshaler {
	return &runtime.JSONPb{
		MarshalOptions:   protojson.MarshalOptions{EmitDefaultValues: true},
		UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
	}
}

// New returns the gateway's HTTP handler.
func New(ctx context.Context, o Options) (http.Handler, error) {
	mux := runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, fileMarshaler{voteMarshaler{&memoMarshaler{Marshaler: jsonMarshaler()}}}),
		runtime.WithForwardResponseOption(attachment),
		// An answer is marshalled whole before it is written: sent with its length rather than in chunks (one
		// write fewer per answer larger than net/http's 2 KiB chunking buffer, e.g. a page of applications).
		runtime.WithWriteContentLength(),
		runtime.WithErrorHandler(ErrorHandler),
		runtime.WithIncomingHeaderMatcher(func(h string) (string, bool) {
			switch strings.ToLower(h) {
			case "x-voter-token", "x-request-id":
				return strings.ToLower(h), true
			}
			return "", false
		}),
	)
	for _, b := range o.Backends {
		if err := b.Register(ctx, mux, b.Conn); err != nil {
			return nil, err
		}
	}
	doc, err := openapi.Document(o.DevMode)
	if err != nil {
		return nil, err
	}
	docV3, err := openapi.DocumentV3(o.DevMode)
	if err != nil {
		return nil, err
	}

	// Every route of root but grpc-gateway's is registered with handleRoute: metrics by route template
	// (routes.go).
	root := http.NewServeMux()
	handleRoute(root, "GET /healthz", healthz(o.Backends))
	handleRoute(root, "GET /openapi.json", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(doc)
	}))
	handleRoute(root, "GET /openapi.v3.json", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(docV3)
	}))
	handleRoute(root, "GET /docs", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, openapi.RedocPage)
	}))
	if o.DevMode {
		handleRoute(root, "POST /v1/dev/tokens", devTokens(o.Verifier))
	}
	root.Handle("/", mux)
	if o.Votes != nil {
		handleRoute(root, castVotePattern, castVote(o.Votes, mux, mux))
	}

	var h http.Handler = root
	h = authenticate(o.Verifier, h)
	h = clientNetwork(o.Proxies, h)
	if o.CoalesceReads {
		h = coalesceReads(h)
	}
	h = rateLimit(newLimiter(o.RateRules, time.Now), o.Proxies, h)
	h = limitBody(o.MaxBodyBytes, h)
	h = cors(o.AllowedOrigins, h)
	h = timeout(o.RequestTimeout, h)
	// The span is named by its method until the route is known (nameSpanByRoute): never the raw path.
	// instrument is otelhttp's server span and metrics, cheaper (instrument.go).
	return instrument(nameSpanByRoute(h)), nil
}

// timeout gives every request a deadline, which travels to the services as the gRPC deadline.
func timeout(d time.Duration, next http.Handler) http.Handler {
	if d <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// authenticate verifies a bearer token if one is sent; without one the caller is anonymous (PUBLIC).
func authenticate(v *auth.Verifier, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			writeError(w, r, codes.Unauthenticated, "UNAUTHENTICATED", "Authorization must be a Bearer token")
			return
		}
		id, err := v.Verify(strings.TrimSpace(token))
		if err != nil {
			writeError(w, r, codes.Unauthenticated, auth.Reason(err), err.Error())
			return
		}
		// The bearer token stops here: services get the identity the gateway signs for each of them (from the
		// context, by the backend connection), never the caller's token (grpc-gateway would otherwise pass
		// Authorization on as metadata).
		r = r.WithContext(identity.With(r.Context(), id))
		r.Header = r.Header.Clone()
		r.Header.Del("Authorization")
		next.ServeHTTP(w, r)
	})
}

// limitBody refuses bodies over max bytes with 400 REQUEST_BODY_TOO_LARGE.
func limitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			writeError(w, r, codes.InvalidArgument, "REQUEST_BODY_TOO_LARGE", "request body over "+strconv.FormatInt(max, 10)+" bytes")
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, max)
		}
		next.ServeHTTP(w, r)
	})
}

// cors answers preflights and allows the configured admin-console origins only.
func cors(origins []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && (slices.Contains(origins, origin) || slices.Contains(origins, "*")) {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Add("Vary", "Origin")
			w.Header().Set("Access-Control-Expose-Headers", "Traceparent")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				w.Header().Set("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE, OPTIONS")
				w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Voter-Token, X-Request-Id, Traceparent")
				w.Header().Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

type devTokenRequest struct {
	Subject  string   `json:"subject"`
	Roles    []string `json:"roles"`
	OrgID    string   `json:"org_id"`
	OrgID2   string   `json:"orgId"`
	DonorID  string   `json:"donor_id"`
	DonorID2 string   `json:"donorId"`
}

// devTokens issues a bearer token for any identity: dev mode only.
func devTokens(v *auth.Verifier) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req devTokenRequest
		body, err := io.ReadAll(r.Body)
		if err != nil {
			writeError(w, r, codes.InvalidArgument, "REQUEST_BODY_TOO_LARGE", err.Error())
			return
		}
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeError(w, r, codes.InvalidArgument, "MALFORMED_REQUEST", "body must be {subject, roles[], org_id?, donor_id?}: "+err.Error())
			return
		}
		id := identity.Identity{Subject: req.Subject, OrgID: req.OrgID + req.OrgID2, DonorID: req.DonorID + req.DonorID2}
		for _, role := range req.Roles {
			id.Roles = append(id.Roles, identity.Role(strings.ToUpper(role)))
		}
		token, err := v.IssueDev(id, time.Now())
		if err != nil {
			writeError(w, r, codes.InvalidArgument, "INVALID_TOKEN_REQUEST", err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"token": token})
	}
}

// logStart notes the mode the gateway runs in.
func LogStart(devMode bool) {
	if devMode {
		slog.Warn("gateway runs in DEV auth mode: HS256 dev key and POST /v1/dev/tokens issue tokens to anyone; never use in production")
	}
}
