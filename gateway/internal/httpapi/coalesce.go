package httpapi

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
)

// coalesceReads serves identical reads that arrive while one is being served with one answer: a GET of the
// API (/v1/…) whose path and query, bearer token, X-Voter-Token and X-Request-Id are the same as those of a
// request in progress waits, with every other such request arriving meanwhile, for that request's call to
// end; then one of them goes through to the services for all (a wave), and all get its answer — status,
// headers and body. During the promotion thousands of people open the same tallies, shortlist or results page
// within seconds, and each wave costs the services one call instead of one per person.
//
// No answer is older than its request: a request never joins a call that has already started, only the next
// one, which starts after it arrived and ends before it is answered, so it sees every change acknowledged
// before the request was made, as its own call would have. Each request is still rate limited, measured and
// traced as itself (a joined request's span links the one whose call answered it, and carries
// commonweal.coalesced; the one making a wave's call, commonweal.coalesced.requests); it skips only the
// services' work, and its own authentication: the token is part of the key, and the wave's call verifies it
// after every request of the wave arrived. A call in progress ends when its answer is made, not when its
// client has read it. The wave's call runs to the deadline of the request that makes it, not cancelled when
// that request's client goes away. Requests asking for the mux's generic machinery (trailers, a gRPC timeout,
// a method override) go their own way.
//
// A request alone (nothing in progress with its key) goes through at once, as if there were no coalescing:
// nothing waits for company.
type readCoalescer struct {
	next http.Handler

	mu   sync.Mutex
	keys map[string]*readWave // key → the wave waiting for the call in progress to end (nil: none waits)
}

// readWave is the requests of one key waiting for the call in progress to end, then answered by one call.
type readWave struct {
	start  chan struct{} // closed when the call in progress has ended: the wave's first request makes its call
	done   chan struct{} // closed once answer is set
	joined int           // requests in the wave (the first included)
	answer recordedAnswer
}

func coalesceReads(next http.Handler) http.Handler {
	return &readCoalescer{next: next, keys: map[string]*readWave{}}
}

func (c *readCoalescer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key, ok := readKeyOf(r)
	if !ok {
		c.next.ServeHTTP(w, r)
		return
	}
	c.mu.Lock()
	wave, inProgress := c.keys[key]
	if !inProgress {
		// Alone: its own call, as without coalescing (no one can join a call in progress, only the next one),
		// recorded so that the requests waiting meanwhile start theirs without waiting for this client to read
		// its answer: a slow reader must not hold up everybody's page.
		c.keys[key] = nil
		c.mu.Unlock()
		var a recordedAnswer
		func() {
			defer c.ended(key)
			a = c.call(r, false)
		}()
		a.writeTo(w, r, false)
		return
	}
	first := wave == nil
	if first {
		wave = &readWave{start: make(chan struct{}), done: make(chan struct{})}
		c.keys[key] = wave
	}
	wave.joined++
	c.mu.Unlock()
	if first {
		<-wave.start
		if span := trace.SpanFromContext(r.Context()); span.IsRecording() {
			span.SetAttributes(attribute.Int("commonweal.coalesced.requests", wave.joined)) // fixed once started
		}
		func() {
			// Also when the handler panics: the others get an answer (500, see writeTo) and the key goes on.
			defer c.ended(key)
			defer close(wave.done)
			wave.answer = c.call(r, true)
		}()
	} else {
		<-wave.done
	}
	wave.answer.writeTo(w, r, !first)
}

// ended is called when the call of key in progress has ended: the wave waiting for it, if any, starts its
// own (and is the call in progress from then on); otherwise key has nothing in progress any more.
func (c *readCoalescer) ended(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if wave := c.keys[key]; wave != nil {
		c.keys[key] = nil
		close(wave.start)
		return
	}
	delete(c.keys, key)
}

// call serves r into a recorded answer; for a wave (shared), with r's values and deadline but not its
// cancellation: other requests wait for the answer when r's client goes away.
func (c *readCoalescer) call(r *http.Request, shared bool) recordedAnswer {
	if shared {
		ctx := context.WithoutCancel(r.Context())
		if deadline, ok := r.Context().Deadline(); ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, deadline)
			defer cancel()
		}
		r = r.WithContext(ctx)
	}
	rec := &answerRecorder{header: http.Header{}, status: http.StatusOK}
	c.next.ServeHTTP(rec, r)
	a := recordedAnswer{status: rec.status, header: rec.header, body: rec.body.Bytes(), span: trace.SpanContextFromContext(r.Context())}
	if l, ok := otelhttp.LabelerFromContext(r.Context()); ok {
		for _, kv := range l.Get() {
			if kv.Key == "http.route" {
				a.route = kv
			}
		}
	}
	return a
}

// readKeyOf is what identifies r's answer, and whether r may share one: a GET of the API without a body and
// without a request for the mux's generic machinery.
func readKeyOf(r *http.Request) (string, bool) {
	if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/v1/") || r.ContentLength != 0 || len(r.TransferEncoding) != 0 ||
		r.Header.Get("Grpc-Timeout") != "" || r.Header.Get("X-HTTP-Method-Override") != "" || r.Header.Get("TE") != "" {
		return "", false
	}
	var b strings.Builder
	b.WriteString(r.URL.RequestURI())
	// The headers that reach the services (authenticate, New's header matcher), all values each.
	for _, h := range [...]string{"Authorization", "X-Voter-Token", "X-Request-Id"} {
		for _, v := range r.Header.Values(h) {
			b.WriteByte(0)
			b.WriteString(h)
			b.WriteByte(':')
			b.WriteString(v)
		}
	}
	return b.String(), true
}

// recordedAnswer is an answer as the handler wrote it, with the route it was labelled with and the span of
// the request that made it.
type recordedAnswer struct {
	status int
	header http.Header
	body   []byte
	route  attribute.KeyValue // http.route, when the handler labelled it
	span   trace.SpanContext
}

// writeTo writes the answer to w, the answer of r; a joined request's metrics and span get the route and a
// link to the request whose call answered it.
func (a recordedAnswer) writeTo(w http.ResponseWriter, r *http.Request, joined bool) {
	if a.status == 0 { // the wave's call panicked
		writeError(w, r, codes.Internal, "INTERNAL", "the request could not be served")
		return
	}
	if joined {
		if l, ok := otelhttp.LabelerFromContext(r.Context()); ok && a.route.Key != "" {
			l.Add(a.route)
		}
		if span := trace.SpanFromContext(r.Context()); span.IsRecording() {
			span.SetAttributes(attribute.Bool("commonweal.coalesced", true))
			span.AddLink(trace.Link{SpanContext: a.span})
		}
	}
	h := w.Header()
	for k, v := range a.header {
		h[k] = slices.Clone(v)
	}
	w.WriteHeader(a.status)
	w.Write(a.body)
}

// answerRecorder is the http.ResponseWriter a wave's call writes to.
type answerRecorder struct {
	header      http.Header
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

func (r *answerRecorder) Header() http.Header { return r.header }

func (r *answerRecorder) WriteHeader(status int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = status, true
	}
}

func (r *answerRecorder) Write(p []byte) (int, error) {
	r.wroteHeader = true
	return r.body.Write(p)
}
