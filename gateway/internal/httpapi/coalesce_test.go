package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"

	applicationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/identity/identitytest"
)

// heldBackend stands for the mux and the services: each call gets the next number, labels the request's route
// as the backend connection does, answers with its number in a header and the body, and holds until released
// (calls shows each call as it starts).
type heldBackend struct {
	n       atomic.Int64
	calls   chan int64
	release chan struct{}
}

func newHeldBackend() *heldBackend {
	return &heldBackend{calls: make(chan int64, 100), release: make(chan struct{})}
}

func (b *heldBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := b.n.Add(1)
	b.calls <- n
	<-b.release
	if err := r.Context().Err(); err != nil {
		http.Error(w, "call "+strconv.FormatInt(n, 10)+": "+err.Error(), 499)
		return
	}
	if l, ok := otelhttp.LabelerFromContext(r.Context()); ok {
		l.Add(attribute.String("http.route", "/v1/rounds/{round_id}/tallies"))
	}
	w.Header().Set("X-Call", strconv.FormatInt(n, 10))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, `{"call":%d,"path":%q,"token":%q}`, n, r.URL.RequestURI(), r.Header.Get("Authorization"))
}

type served struct {
	code   int
	body   string
	header http.Header
	route  string
}

// serveAsync serves req through h in a goroutine, with a labeler in its context as instrument gives it.
func serveAsync(h http.Handler, req *http.Request) <-chan served {
	out := make(chan served, 1)
	l := &otelhttp.Labeler{}
	req = req.WithContext(otelhttp.ContextWithLabeler(req.Context(), l))
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		s := served{code: rec.Code, body: rec.Body.String(), header: rec.Header()}
		for _, kv := range l.Get() {
			if kv.Key == "http.route" {
				s.route = kv.Value.AsString()
			}
		}
		out <- s
	}()
	return out
}

// waitJoined waits until n requests wait for the next call of key.
func waitJoined(t *testing.T, c *readCoalescer, key string, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		c.mu.Lock()
		w := c.keys[key]
		joined := 0
		if w != nil {
			joined = w.joined
		}
		c.mu.Unlock()
		if joined == n {
			return
		}
	}
	t.Fatalf("%d requests never waited for the next call", n)
}

func tallies(token string) *http.Request {
	req := httptest.NewRequest("GET", "/v1/rounds/r1/tallies?page_size=5", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

// Identical reads arriving while one is served wait for it to end, then share one call, made after all of them
// arrived: never the answer of the call already on its way when they came. Each gets the whole answer and the
// route label; the key is free again afterwards.
func TestIdenticalReadsShareTheNextCall(t *testing.T) {
	b := newHeldBackend()
	c := coalesceReads(b).(*readCoalescer)
	first := serveAsync(c, tallies("t1"))
	if n := <-b.calls; n != 1 {
		t.Fatalf("call %d", n)
	}
	var joined []<-chan served
	for range 5 {
		joined = append(joined, serveAsync(c, tallies("t1")))
	}
	key, _ := readKeyOf(tallies("t1"))
	waitJoined(t, c, key, 5)
	b.release <- struct{}{} // call 1 ends; the five's call starts
	if got := <-first; got.code != 200 || got.header.Get("X-Call") != "1" {
		t.Errorf("the first request: %d %s %v", got.code, got.body, got.header)
	}
	if n := <-b.calls; n != 2 {
		t.Fatalf("call %d", n)
	}
	close(b.release)
	for i, ch := range joined {
		got := <-ch
		want := `{"call":2,"path":"/v1/rounds/r1/tallies?page_size=5","token":"Bearer t1"}`
		if got.code != 200 || got.body != want || got.header.Get("X-Call") != "2" || got.header.Get("Content-Type") != "application/json" {
			t.Errorf("joined request %d: %d %s %v, want call 2's answer", i, got.code, got.body, got.header)
		}
		if got.route != "/v1/rounds/{round_id}/tallies" {
			t.Errorf("joined request %d: route label %q", i, got.route)
		}
	}
	if n := b.n.Load(); n != 2 {
		t.Errorf("%d calls for 6 requests in two waves, want 2", n)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.keys) != 0 {
		t.Errorf("keys left: %v", c.keys)
	}
}

// Reads that differ in anything reaching the services, and requests that are not plain API reads, are served
// each by its own call, at once.
func TestDifferentRequestsAreNotCoalesced(t *testing.T) {
	b := newHeldBackend()
	c := coalesceReads(b)
	other := func(mutate func(*http.Request)) *http.Request {
		r := tallies("t1")
		mutate(r)
		return r
	}
	reqs := []*http.Request{
		tallies("t1"),
		tallies("t2"), // another token
		tallies(""),   // anonymous
		other(func(r *http.Request) { r.URL.RawQuery = "page_size=6" }),
		other(func(r *http.Request) { r.URL.Path = "/v1/rounds/r2/tallies" }),
		other(func(r *http.Request) { r.Header.Set("X-Voter-Token", "v") }),
		other(func(r *http.Request) { r.Header.Set("X-Request-Id", "q") }),
		other(func(r *http.Request) { r.Method = "POST" }),
		other(func(r *http.Request) { r.URL.Path = "/healthz" }),
		other(func(r *http.Request) { r.Header.Set("TE", "trailers") }),
		other(func(r *http.Request) { r.Header.Set("Grpc-Timeout", "1S") }),
		other(func(r *http.Request) { r.Header.Set("X-HTTP-Method-Override", "DELETE") }),
	}
	// The last three are identical to the first but for what keeps them out: each would otherwise join.
	var answers []<-chan served
	for _, r := range reqs {
		answers = append(answers, serveAsync(c, r))
	}
	for range reqs { // every request's call starts while all the others are still held
		select {
		case <-b.calls:
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d calls started for %d different requests", b.n.Load(), len(reqs))
		}
	}
	close(b.release)
	seen := map[string]bool{}
	for i, ch := range answers {
		got := <-ch
		if got.code != 200 || seen[got.header.Get("X-Call")] {
			t.Errorf("request %d: %d, call %s (shared)", i, got.code, got.header.Get("X-Call"))
		}
		seen[got.header.Get("X-Call")] = true
	}
}

// The request making a wave's call may go away (its client disconnects) without failing the others: the call
// runs on, to that request's deadline.
func TestAWaveOutlivesTheRequestMakingItsCall(t *testing.T) {
	b := newHeldBackend()
	c := coalesceReads(b).(*readCoalescer)
	first := serveAsync(c, tallies("t1"))
	<-b.calls
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	leaving := serveAsync(c, tallies("t1").WithContext(ctx)) // the wave's first: it makes the call
	key, _ := readKeyOf(tallies("t1"))
	waitJoined(t, c, key, 1)
	staying := serveAsync(c, tallies("t1"))
	waitJoined(t, c, key, 2)
	b.release <- struct{}{}
	<-first
	<-b.calls // the wave's call has started
	cancel()  // its maker's client goes away
	close(b.release)
	if got := <-staying; got.code != 200 || got.header.Get("X-Call") != "2" {
		t.Errorf("the request staying: %d %s, want call 2's answer", got.code, got.body)
	}
	<-leaving
}

// A handler that panics in a wave's call leaves no request waiting: the others get a 500 with a reason, and the
// key takes requests again.
func TestAPanickingWaveCallAnswersTheOthers(t *testing.T) {
	var calls atomic.Int64
	hold, release := make(chan struct{}), make(chan struct{})
	c := coalesceReads(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			close(hold)
			<-release
		case 2:
			panic("backend bug")
		}
		w.WriteHeader(http.StatusOK)
	})).(*readCoalescer)
	first := serveAsync(c, tallies("t1"))
	<-hold
	var wave []<-chan served
	var panicked sync.WaitGroup
	panicked.Add(1)
	go func() { // the wave's first request: its panic reaches net/http, here this goroutine
		defer panicked.Done()
		defer func() { recover() }()
		c.ServeHTTP(httptest.NewRecorder(), tallies("t1"))
	}()
	key, _ := readKeyOf(tallies("t1"))
	waitJoined(t, c, key, 1)
	for range 3 {
		wave = append(wave, serveAsync(c, tallies("t1")))
	}
	waitJoined(t, c, key, 4)
	close(release)
	<-first
	panicked.Wait()
	for i, ch := range wave {
		if got := <-ch; got.code != 500 || !strings.Contains(got.body, `"reason":"INTERNAL"`) {
			t.Errorf("request %d of the wave: %d %s", i, got.code, got.body)
		}
	}
	if got := <-serveAsync(c, tallies("t1")); got.code != 200 {
		t.Errorf("after the panic: %d %s", got.code, got.body)
	}
}

// heldApplications answers ListCommunities with the number of its call, holding the first until released.
type heldApplications struct {
	applicationsv1.UnimplementedApplicationsServiceServer
	n       atomic.Int64
	started chan struct{}
	release chan struct{}
}

func (h *heldApplications) ListCommunities(context.Context, *applicationsv1.ListCommunitiesRequest) (*applicationsv1.ListCommunitiesResponse, error) {
	n := h.n.Add(1)
	if n == 1 {
		close(h.started)
		<-h.release
	}
	return &applicationsv1.ListCommunitiesResponse{NextPageToken: "call-" + strconv.FormatInt(n, 10)}, nil
}

// Through the gateway's whole handler chain (body limit, rate limits, authentication, the mux, a real gRPC
// backend): identical reads arriving while one is served make one more call between them; with
// CoalesceReads off each makes its own.
func TestGatewayCoalescesIdenticalReads(t *testing.T) {
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprint("CoalesceReads=", on), func(t *testing.T) {
			backend := &heldApplications{started: make(chan struct{}), release: make(chan struct{})}
			h, token := applicationsGateway(t, identitytest.New(t), backend, Options{CoalesceReads: on})
			srv := httptest.NewServer(h)
			defer srv.Close()
			get := func() (int, string) {
				req, _ := http.NewRequest("GET", srv.URL+"/v1/communities", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Error(err)
					return 0, ""
				}
				defer resp.Body.Close()
				var body struct{ NextPageToken string }
				json.NewDecoder(resp.Body).Decode(&body)
				return resp.StatusCode, body.NextPageToken
			}
			firstDone := make(chan struct{})
			go func() { defer close(firstDone); get() }()
			<-backend.started
			var wg sync.WaitGroup
			answers := make(chan string, 5)
			for range 5 {
				wg.Go(func() {
					if code, tok := get(); code == 200 {
						answers <- tok
					}
				})
			}
			time.Sleep(200 * time.Millisecond) // the five arrive while the first is held
			close(backend.release)
			wg.Wait()
			<-firstDone
			close(answers)
			got, answered := map[string]int{}, 0
			for tok := range answers {
				got[tok]++
				answered++
			}
			// (Should one of the five reach the gateway only after the release, it would make a call of its own.)
			if on && (backend.n.Load() > 5 || got["call-1"] != 0 || answered != 5) {
				t.Errorf("coalescing: %d calls for 6 reads, answers %v; want the five answered, sharing calls, none by the held one", backend.n.Load(), got)
			}
			if !on && (backend.n.Load() != 6 || len(got) != 5) {
				t.Errorf("not coalescing: %d calls for 6 reads, answers %v; want one call each", backend.n.Load(), got)
			}
		})
	}
}

// blockedWriter is a client that does not read its answer until released.
type blockedWriter struct {
	*httptest.ResponseRecorder
	writing chan struct{}
	release chan struct{}
}

func (w *blockedWriter) Write(p []byte) (int, error) {
	close(w.writing)
	<-w.release
	return w.ResponseRecorder.Write(p)
}

// A client slow to read its answer does not hold up the next reads of the same page: the call in progress
// ends when the answer is made.
func TestASlowReaderHoldsUpNobody(t *testing.T) {
	b := newHeldBackend()
	close(b.release) // every call answers at once
	c := coalesceReads(b).(*readCoalescer)
	slow := &blockedWriter{ResponseRecorder: httptest.NewRecorder(), writing: make(chan struct{}), release: make(chan struct{})}
	done := make(chan struct{})
	go func() { defer close(done); c.ServeHTTP(slow, tallies("t1")) }()
	<-slow.writing
	select {
	case got := <-serveAsync(c, tallies("t1")):
		if got.code != 200 || got.header.Get("X-Call") != "2" {
			t.Errorf("the next read: %d %s, want its own call", got.code, got.body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the next read waited for the slow reader")
	}
	close(slow.release)
	<-done
	if slow.Code != 200 || slow.Header().Get("X-Call") != "1" {
		t.Errorf("the slow reader: %d %v", slow.Code, slow.Header())
	}
}
