package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// rawHTTP is the bench's HTTP load generator: the "equivalent Go client" to wrk that issue 13 allows. Each
// closed-loop worker owns one: one persistent TCP connection, requests written as prepared bytes, answers
// read with a bufio.Reader (status line, headers, a Content-Length or chunked body). net/http's client cost
// the bench process about half as much CPU per vote as the gateway spent serving it (46 µs: its
// per-connection read and write goroutines, header maps, the request's own allocations; this one about 20),
// and on a small machine the load generator shares the CPU with the suite, so that cost was counted against
// the suite. It reconnects after an
// error or an answer that closes the connection (Connection: close, HTTP/1.0); an answer it cannot parse is an
// error, never a guess. Nothing is retried: every request is answered once, or fails once.
type rawHTTP struct {
	addr     string
	conn     net.Conn
	br       *bufio.Reader
	deadline time.Time // of conn: refreshed when less than half of rawTimeout is left
	body     []byte    // the last answer's body, when kept
}

// rawTimeout bounds one request's round trip, as the net/http client's Timeout did.
const rawTimeout = 60 * time.Second

// rawAnswer is one answer's status and, when asked for, its body.
type rawAnswer struct {
	status int
	reason string // the status line after the version, e.g. "503 Service Unavailable" (not set for 200)
	body   []byte // valid until the next request
}

// newRawHTTP returns a client of the server at base (http://host:port); it connects on its first request.
func newRawHTTP(tb testing.TB, base string) *rawHTTP {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		tb.Fatalf("raw HTTP client: %q is not an http://host:port URL", base)
	}
	return &rawHTTP{addr: u.Host}
}

// requestBytes is an HTTP/1.1 request of method and path with the headers given as "Name: value" and body.
func requestBytes(host, method, path string, body []byte, headers ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, path, host)
	for _, h := range headers {
		b.WriteString(h)
		b.WriteString("\r\n")
	}
	if body != nil || method == "POST" {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

// Close closes the connection, if any.
func (c *rawHTTP) Close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn, c.br = nil, nil
	}
}

// do sends req (whole, as requestBytes makes it) and reads its answer, keeping its body when keep. On any
// error the connection is closed (the next request opens a new one).
func (c *rawHTTP) do(req []byte, keep bool) (rawAnswer, error) {
	a, closeAfter, err := c.roundTrip(req, keep)
	if err != nil || closeAfter {
		c.Close()
	}
	return a, err
}

func (c *rawHTTP) roundTrip(req []byte, keep bool) (a rawAnswer, closeAfter bool, err error) {
	now := time.Now()
	if c.conn == nil {
		conn, err := net.DialTimeout("tcp", c.addr, 10*time.Second)
		if err != nil {
			return a, true, err
		}
		c.conn = conn
		if c.br == nil {
			c.br = bufio.NewReaderSize(conn, 16<<10)
		}
		c.br.Reset(conn)
		c.deadline = time.Time{}
	}
	if c.deadline.Sub(now) < rawTimeout/2 {
		c.deadline = now.Add(rawTimeout)
		if err := c.conn.SetDeadline(c.deadline); err != nil {
			return a, true, err
		}
	}
	if _, err := c.conn.Write(req); err != nil {
		return a, true, err
	}
	// The status line: HTTP/1.x NNN reason.
	line, err := c.line()
	if err != nil {
		return a, true, fmt.Errorf("status line: %w", err)
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' || (len(line) > 12 && line[12] != ' ') {
		return a, true, fmt.Errorf("malformed status line %q", line)
	}
	closeAfter = line[7] == '0' // HTTP/1.0: no keep-alive unless said, and the bench never asks
	for _, d := range line[9:12] {
		if d < '0' || d > '9' {
			return a, true, fmt.Errorf("malformed status line %q", line)
		}
		a.status = a.status*10 + int(d-'0')
	}
	if a.status != 200 {
		a.reason = string(line[9:])
	}
	// Headers: only the framing ones matter.
	length, chunked := int64(-1), false
	for {
		line, err := c.line()
		if err != nil {
			return a, true, fmt.Errorf("headers: %w", err)
		}
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return a, true, fmt.Errorf("malformed header %q", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case asciiEqualFold(name, "Content-Length"):
			n, ok := decimal(value)
			if !ok || length >= 0 && n != length {
				return a, true, fmt.Errorf("bad Content-Length %q", value)
			}
			length = n
		case asciiEqualFold(name, "Transfer-Encoding"):
			if !asciiEqualFold(value, "chunked") {
				return a, true, fmt.Errorf("unsupported Transfer-Encoding %q", value)
			}
			chunked = true
		case asciiEqualFold(name, "Connection"):
			switch {
			case asciiEqualFold(value, "close"):
				closeAfter = true
			case asciiEqualFold(value, "keep-alive"):
				closeAfter = false
			}
		}
	}
	c.body = c.body[:0]
	switch {
	case a.status/100 == 1 || a.status == 204 || a.status == 304:
		// No body.
		if chunked || length > 0 {
			return a, true, fmt.Errorf("a %d answer with a body", a.status)
		}
	case chunked:
		if err := c.chunkedBody(keep); err != nil {
			return a, true, err
		}
	case length >= 0:
		if err := c.readBody(length, keep); err != nil {
			return a, true, err
		}
	default:
		return a, true, errors.New("an answer with neither Content-Length nor chunked encoding (a body to the end of the connection is not supported)")
	}
	if keep {
		a.body = c.body
	}
	return a, closeAfter, nil
}

// line reads one CRLF-terminated line without its CRLF (valid until the next read).
func (c *rawHTTP) line() ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, errors.New("line too long")
		}
		return nil, err
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("line %q does not end in CRLF", line)
	}
	return line[:len(line)-2], nil
}

// readBody reads n bytes of body, into c.body when keep.
func (c *rawHTTP) readBody(n int64, keep bool) error {
	if !keep {
		if _, err := c.br.Discard(int(n)); err != nil {
			return fmt.Errorf("body: %w", err)
		}
		return nil
	}
	start := len(c.body)
	c.body = append(c.body, make([]byte, n)...)
	if _, err := io.ReadFull(c.br, c.body[start:]); err != nil {
		return fmt.Errorf("body: %w", err)
	}
	return nil
}

// chunkedBody reads a chunked body (RFC 9112 section 7.1) and its trailers.
func (c *rawHTTP) chunkedBody(keep bool) error {
	for {
		line, err := c.line()
		if err != nil {
			return fmt.Errorf("chunk size: %w", err)
		}
		size, _, _ := bytes.Cut(line, []byte(";")) // chunk extensions are ignored
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("malformed chunk size %q", line)
		}
		if n == 0 {
			break
		}
		if err := c.readBody(n, keep); err != nil {
			return err
		}
		if line, err := c.line(); err != nil || len(line) != 0 {
			return fmt.Errorf("chunk not followed by CRLF: %q %v", line, err)
		}
	}
	for { // trailers, up to the empty line
		line, err := c.line()
		if err != nil {
			return fmt.Errorf("trailers: %w", err)
		}
		if len(line) == 0 {
			return nil
		}
	}
}

// asciiEqualFold is strings.EqualFold for ASCII header names and values, without converting b.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// decimal parses a Content-Length: digits only, at most 18 of them.
func decimal(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, d := range b {
		if d < '0' || d > '9' {
			return 0, false
		}
		n = n*10 + int64(d-'0')
	}
	return n, true
}

// errKey names an error without what varies between connections (the local port), so that failures count
// by kind: "read: connection reset by peer", "EOF".
func errKey(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Op + ": " + op.Err.Error()
	}
	return err.Error()
}

// TestRawHTTP checks the bench's load generator against net/http's server: the status and body of
// Content-Length and chunked answers, keep-alive over one connection, a new connection after
// Connection: close, and an error (never a guess) for an answer it cannot frame.
func TestRawHTTP(t *testing.T) {
	big := strings.Repeat("chunked body ", 2000) // over net/http's buffer: sent chunked
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/small":
			body, _ := io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"token":%q,"body":%q}`, r.Header.Get("X-Voter-Token"), body)
		case "/big":
			io.WriteString(w, big)
			w.(http.Flusher).Flush()
		case "/close":
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "bye")
		case "/none":
			w.WriteHeader(http.StatusNoContent)
		case "/raw":
			conn, brw, _ := w.(http.Hijacker).Hijack()
			brw.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nto the end")
			brw.Flush()
			conn.Close()
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := newRawHTTP(t, srv.URL)
	defer c.Close()
	host := c.addr
	for i := range 3 {
		a, err := c.do(requestBytes(host, "POST", "/small", []byte("{}"), "X-Voter-Token: tok-"+strconv.Itoa(i)), true)
		if want := fmt.Sprintf(`{"token":"tok-%d","body":"{}"}`, i); err != nil || a.status != 200 || string(a.body) != want {
			t.Fatalf("small #%d: %d %q %v, want 200 %s", i, a.status, a.body, err, want)
		}
	}
	a, err := c.do(requestBytes(host, "GET", "/big", nil), true)
	if err != nil || a.status != 200 || string(a.body) != big {
		t.Fatalf("chunked: %d, %d bytes, %v; want 200 and %d bytes", a.status, len(a.body), err, len(big))
	}
	if a, err := c.do(requestBytes(host, "GET", "/none", nil), true); err != nil || a.status != 204 || len(a.body) != 0 {
		t.Fatalf("no content: %d %q %v", a.status, a.body, err)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for five keep-alive requests, want 1", n)
	}
	if a, err := c.do(requestBytes(host, "GET", "/close", nil), true); err != nil || a.status != 503 || a.reason != "503 Service Unavailable" || string(a.body) != "bye" {
		t.Fatalf("close: %d %q %q %v", a.status, a.reason, a.body, err)
	}
	if a, err := c.do(requestBytes(host, "POST", "/small", nil, "X-Voter-Token: again"), false); err != nil || a.status != 200 {
		t.Fatalf("after Connection: close: %d %v", a.status, err)
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want a second one after Connection: close", n)
	}
	if a, err := c.do(requestBytes(host, "GET", "/raw", nil), true); err == nil {
		t.Errorf("an answer delimited by the end of the connection: %d %q, want an error", a.status, a.body)
	}
	if a, err := c.do(requestBytes(host, "POST", "/small", nil, "X-Voter-Token: after-error"), true); err != nil || a.status != 200 {
		t.Fatalf("after an error: %d %v", a.status, err)
	}
}
