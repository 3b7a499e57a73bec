package codesender_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/commonweal/commonweal/services/reviews/internal/clients/codesender"
)

const webhookSecret = "webhook-test-secret-0123456789abcdef"

// fakeWebhook is an operator's receiver: it recomputes every request's signature with its own secret, refuses
// a bad one with 401, and answers the statuses of fail (in order) before 200.
type fakeWebhook struct {
	secret string
	delay  time.Duration

	mu       sync.Mutex
	fail     []int
	got      []codesender.WebhookMessage
	attempts int
}

func (f *fakeWebhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.attempts++
	f.mu.Unlock()
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return
		}
	}
	body, _ := io.ReadAll(r.Body)
	ts := r.Header.Get("X-Commonweal-Timestamp")
	m := hmac.New(sha256.New, []byte(f.secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	want := "v1=" + hex.EncodeToString(m.Sum(nil))
	sec, err := strconv.ParseInt(ts, 10, 64)
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || err != nil ||
		time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute || !hmac.Equal([]byte(r.Header.Get("X-Commonweal-Signature")), []byte(want)) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var msg codesender.WebhookMessage
	if err := json.Unmarshal(body, &msg); err != nil || msg.RequestID != r.Header.Get("X-Commonweal-Request-Id") {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, msg)
	if len(f.fail) > 0 {
		st := f.fail[0]
		f.fail = f.fail[1:]
		http.Error(w, "try later", st)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func webhookFor(srv *httptest.Server, secret string) *codesender.Webhook {
	return &codesender.Webhook{URL: srv.URL + "/sms", Secret: []byte(secret), Template: "voter_code", Client: srv.Client(),
		Retry: codesender.Retry{Timeout: time.Second, Attempts: 3, Backoff: time.Millisecond}}
}

func sendErr(t *testing.T, err error) *codesender.SendError {
	t.Helper()
	var se *codesender.SendError
	if !errors.As(err, &se) {
		t.Fatalf("want a SendError, got %v", err)
	}
	return se
}

func TestWebhookSignsTheBody(t *testing.T) {
	fake := &fakeWebhook{secret: webhookSecret}
	srv := httptest.NewTLSServer(fake)
	defer srv.Close()
	if _, err := webhookFor(srv, webhookSecret).Send(context.Background(), "13800000001", "123456"); err != nil {
		t.Fatal(err)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.got) != 1 {
		t.Fatalf("receiver got %d messages", len(fake.got))
	}
	m := fake.got[0]
	if m.Phone != "13800000001" || m.Code != "123456" || m.Template != "voter_code" || m.RequestID == "" || m.SentAt.IsZero() {
		t.Fatalf("message %+v", m)
	}
}

func TestWebhookWrongSecretIsRefusedOnce(t *testing.T) {
	fake := &fakeWebhook{secret: webhookSecret}
	srv := httptest.NewTLSServer(fake)
	defer srv.Close()
	_, err := webhookFor(srv, "another-secret-of-enough-length-0123456").Send(context.Background(), "13800000001", "123456")
	se := sendErr(t, err)
	if se.Status != http.StatusUnauthorized || se.Retryable {
		t.Fatalf("error %+v", se)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if fake.attempts != 1 {
		t.Fatalf("a refused signature was tried %d times", fake.attempts)
	}
}

func TestWebhookRetries5xxWithOneRequestID(t *testing.T) {
	fake := &fakeWebhook{secret: webhookSecret, fail: []int{503, 502}}
	srv := httptest.NewTLSServer(fake)
	defer srv.Close()
	if _, err := webhookFor(srv, webhookSecret).Send(context.Background(), "13800000001", "123456"); err != nil {
		t.Fatal(err)
	}
	fake.mu.Lock()
	if len(fake.got) != 3 || fake.got[0].RequestID != fake.got[2].RequestID || fake.got[1].RequestID != fake.got[2].RequestID {
		t.Fatalf("want 3 tries of one request ID, got %+v", fake.got)
	}

	fake.fail = []int{500, 500, 500, 500}
	fake.got = nil
	fake.mu.Unlock()
	_, err := webhookFor(srv, webhookSecret).Send(context.Background(), "13800000001", "123456")
	if se := sendErr(t, err); se.Status != 500 || !se.Retryable {
		t.Fatalf("error %+v", se)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.got) != 3 {
		t.Fatalf("retries are bounded by Attempts: %d tries", len(fake.got))
	}
}

func TestWebhookTimesOut(t *testing.T) {
	fake := &fakeWebhook{secret: webhookSecret, delay: 500 * time.Millisecond}
	srv := httptest.NewTLSServer(fake)
	defer srv.Close()
	w := webhookFor(srv, webhookSecret)
	w.Retry = codesender.Retry{Timeout: 50 * time.Millisecond, Attempts: 2, Backoff: time.Millisecond}
	start := time.Now()
	_, err := w.Send(context.Background(), "13800000001", "123456")
	if se := sendErr(t, err); se.Reason != "timeout" || !se.Retryable {
		t.Fatalf("error %+v", se)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("two timed-out attempts took %s", d)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if fake.attempts != 2 {
		t.Fatalf("%d attempts", fake.attempts)
	}
}

func TestCheckURL(t *testing.T) {
	for _, c := range []struct {
		url       string
		allowHTTP bool
		ok        bool
	}{
		{"https://sms.example.org/hook", false, true},
		{"http://sms.example.org/hook", false, false},
		{"http://127.0.0.1:9/hook", true, true},
		{"ftp://sms.example.org", true, false},
		{"/relative", true, false},
		{"", true, false},
	} {
		if err := codesender.CheckURL("X", c.url, c.allowHTTP); (err == nil) != c.ok {
			t.Errorf("CheckURL(%q, %v) = %v", c.url, c.allowHTTP, err)
		}
	}
}
