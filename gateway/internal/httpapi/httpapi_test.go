package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/commonweal/commonweal/gateway/internal/auth"
	"github.com/commonweal/commonweal/gateway/internal/openapi"
	"github.com/commonweal/commonweal/pkg/grpcerr"
)

func TestHTTPStatus(t *testing.T) {
	for code, want := range map[codes.Code]int{
		codes.InvalidArgument:    400,
		codes.Unauthenticated:    401,
		codes.PermissionDenied:   403,
		codes.NotFound:           404,
		codes.Aborted:            409,
		codes.AlreadyExists:      409,
		codes.FailedPrecondition: 412,
		codes.ResourceExhausted:  429,
		codes.Internal:           500,
		codes.Unavailable:        503,
	} {
		if got := HTTPStatus(code); got != want {
			t.Errorf("%v → %d, want %d", code, got, want)
		}
	}
}

func TestErrorsWithoutReasonGetOne(t *testing.T) {
	cases := []struct {
		st     *status.Status
		reason string
		hidden string
	}{
		{status.New(codes.InvalidArgument, "unexpected EOF"), "MALFORMED_REQUEST", ""},
		{status.New(codes.InvalidArgument, "http: request body too large"), "REQUEST_BODY_TOO_LARGE", ""},
		{status.New(codes.Unavailable, "connection refused 127.0.0.1:9101"), "SERVICE_UNAVAILABLE", "127.0.0.1"},
		{status.New(codes.Internal, "pq: secret detail"), "INTERNAL", "secret"},
	}
	for _, c := range cases {
		got := withReason(c.st)
		if r := grpcerr.Reason(got.Err()); r != c.reason {
			t.Errorf("%q: reason %q, want %q", c.st.Message(), r, c.reason)
		}
		if c.hidden != "" && strings.Contains(got.Message(), c.hidden) {
			t.Errorf("%q leaks into the answer: %q", c.hidden, got.Message())
		}
	}
}

func TestWriteErrorBody(t *testing.T) {
	rec := httptest.NewRecorder()
	writeError(rec, httptest.NewRequest("GET", "/", nil), codes.InvalidArgument, "REQUEST_BODY_TOO_LARGE", "too big")
	if rec.Code != 400 {
		t.Fatalf("status %d", rec.Code)
	}
	var body struct {
		Code    int
		Message string
		Details []map[string]any
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if body.Code != 3 || len(body.Details) != 1 || body.Details[0]["reason"] != "REQUEST_BODY_TOO_LARGE" || body.Details[0]["domain"] != "commonweal" {
		t.Fatalf("body = %s", rec.Body)
	}
}

func TestCORS(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
	h := cors([]string{"https://console.example"}, ok)

	pre := httptest.NewRequest("OPTIONS", "/v1/rounds", nil)
	pre.Header.Set("Origin", "https://console.example")
	pre.Header.Set("Access-Control-Request-Method", "POST")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, pre)
	if rec.Code != 204 || rec.Header().Get("Access-Control-Allow-Origin") != "https://console.example" || !strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight from an allowed origin: %d %v", rec.Code, rec.Header())
	}
	other := httptest.NewRequest("GET", "/v1/rounds/x", nil)
	other.Header.Set("Origin", "https://evil.example")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, other)
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("an unlisted origin was allowed")
	}
}

func TestLimitBody(t *testing.T) {
	read := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 100)
		_, err := r.Body.Read(buf)
		if err != nil && strings.Contains(err.Error(), "too large") {
			w.WriteHeader(400)
			return
		}
		w.WriteHeader(200)
	})
	h := limitBody(10, read)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", 11))))
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "REQUEST_BODY_TOO_LARGE") {
		t.Fatalf("declared length over the limit: %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", strings.NewReader("small")))
	if rec.Code != 200 {
		t.Fatalf("small body refused: %d", rec.Code)
	}
}

func TestOpenAPIDocument(t *testing.T) {
	for _, dev := range []bool{true, false} {
		raw, err := openapi.Document(dev)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Swagger string
			Paths   map[string]map[string]any
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/v1/rounds", "/v1/rounds/{roundId}:advance", "/v1/applications/{applicationId}/revisions", "/v1/rounds/{roundId}/applications/{applicationId}/votes", "/v1/rounds/{roundId}/shortlist:publish", "/v1/pledges/{pledgeId}:confirmDeposit", "/v1/ledger:verify", "/healthz"} {
			if doc.Paths[p] == nil {
				t.Errorf("dev=%v: path %s missing", dev, p)
			}
		}
		if _, ok := doc.Paths["/v1/dev/tokens"]; ok != dev {
			t.Errorf("dev=%v: /v1/dev/tokens present = %v", dev, ok)
		}
	}
}

func TestRateLimitPerAddress(t *testing.T) {
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	l := newLimiter(VoteRules(3, 1), func() time.Time { return now }) // 3 votes and 1 voter code a minute
	h := rateLimit(l, Proxies{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
	const (
		vote     = "POST /v1/rounds/r1/applications/a1/votes"
		sendCode = "POST /v1/voters:sendCode"
		tallies  = "GET /v1/rounds/r1/tallies"
	)
	// Every request is checked: 200 when it passes, else 429 RATE_LIMITED with the whole seconds until the
	// address's next token (at 3 a minute one token takes 20s, at 1 a minute 60s).
	type step struct {
		what       string
		route      string
		addr       string
		later      time.Duration // the clock moves on by this much before the request
		want       int
		retryAfter string // of a 429
	}
	steps := []step{
		{"vote 1 from A", vote, "10.0.0.1:1000", 0, 200, ""},
		{"vote 2 from A", vote, "10.0.0.1:1000", 0, 200, ""},
		{"vote 3 from A", vote, "10.0.0.1:1000", 0, 200, ""},
		{"vote 4 from A, from another port", vote, "10.0.0.1:1001", 0, 429, "20"},
		{"vote 5 from A", vote, "10.0.0.1:1000", 0, 429, "20"},
		{"vote 1 from B: its own bucket", vote, "10.0.0.2:1000", 0, 200, ""},
		{"voter code 1 from A: another rule's bucket", sendCode, "10.0.0.1:1000", 0, 200, ""},
		{"voter code 2 from A", sendCode, "10.0.0.1:1000", 0, 429, "60"},
		{"vote 6 from A, 10s later: half a token", vote, "10.0.0.1:1000", 10 * time.Second, 429, "10"},
		{"vote 7 from A, 20s after the burst: one token back", vote, "10.0.0.1:1000", 10 * time.Second, 200, ""},
		{"vote 8 from A", vote, "10.0.0.1:1000", 0, 429, "20"},
		{"vote 2 from B", vote, "10.0.0.2:1000", 0, 200, ""},
		{"vote 3 from B", vote, "10.0.0.2:1000", 0, 200, ""},
		{"vote 4 from B: B's bucket is full again after 20s", vote, "10.0.0.2:1000", 0, 200, ""},
		{"vote 5 from B", vote, "10.0.0.2:1000", 0, 429, "20"},
	}
	// Ten reads of an unlimited route from A, whose vote bucket is empty: every one passes.
	for i := 1; i <= 10; i++ {
		steps = append(steps, step{fmt.Sprintf("tallies read %d from A: an unlimited route", i), tallies, "10.0.0.1:1", 0, 200, ""})
	}
	// Ten votes in a burst from C: the first three pass, the other seven are refused.
	for i := 1; i <= 10; i++ {
		want, retry := 200, ""
		if i > 3 {
			want, retry = 429, "20"
		}
		steps = append(steps, step{fmt.Sprintf("burst vote %d from C", i), vote, "10.0.0.3:4000", 0, want, retry})
	}

	for _, st := range steps {
		now = now.Add(st.later)
		method, path, _ := strings.Cut(st.route, " ")
		r := httptest.NewRequest(method, path, nil)
		r.RemoteAddr = st.addr
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != st.want {
			t.Errorf("%s: status %d, want %d", st.what, rec.Code, st.want)
			continue
		}
		if st.want != 429 {
			continue
		}
		var body struct{ Details []map[string]any }
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Details) != 1 || body.Details[0]["reason"] != "RATE_LIMITED" {
			t.Errorf("%s: body %s, want the reason RATE_LIMITED", st.what, rec.Body)
		}
		if got := rec.Header().Get("Retry-After"); got != st.retryAfter {
			t.Errorf("%s: Retry-After %q, want %q", st.what, got, st.retryAfter)
		}
	}
}

func TestDevTokensOnlyInDevMode(t *testing.T) {
	for _, dev := range []bool{true, false} {
		h, err := New(t.Context(), Options{Verifier: auth.NewDevVerifier([]byte("k")), DevMode: dev, MaxBodyBytes: 1 << 10})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/dev/tokens", strings.NewReader(`{"subject":"u","roles":["ORGANIZER"]}`)))
		if dev && (rec.Code != 200 || !strings.Contains(rec.Body.String(), `"token"`)) {
			t.Fatalf("dev mode: %d %s", rec.Code, rec.Body)
		}
		if !dev && (rec.Code != 404 || strings.Contains(rec.Body.String(), `"token"`)) {
			t.Fatalf("production mode issues dev tokens: %d %s", rec.Code, rec.Body)
		}
	}
}

func TestRequestTimeout(t *testing.T) {
	var deadline time.Time
	var ok bool
	h := timeout(5*time.Second, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { deadline, ok = r.Context().Deadline() }))
	start := time.Now()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if !ok || deadline.Before(start.Add(4*time.Second)) || deadline.After(start.Add(6*time.Second)) {
		t.Fatalf("request deadline %v (set %v), want about 5s", deadline, ok)
	}
}
