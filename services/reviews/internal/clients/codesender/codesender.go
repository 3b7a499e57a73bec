// Package codesender delivers one-time voter codes to phones: a signed HTTPS webhook the operator runs, or
// Tencent Cloud SMS (API 3.0 SendSms, signature v3). Both implement app.CodeSender, retry a bounded number of
// times on network errors and 5xx answers, and never put the phone or the code in an error.
package codesender

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/commonweal/commonweal/services/reviews/internal/app"
)

var (
	_ app.CodeSender  = (*Webhook)(nil)
	_ app.CodeSender  = (*Tencent)(nil)
	_ app.SenderError = (*SendError)(nil)
)

// Defaults of Retry.
const (
	DefaultTimeout  = 5 * time.Second
	DefaultAttempts = 3
	DefaultBackoff  = 200 * time.Millisecond
	// maxAnswer bounds how much of an answer is read.
	maxAnswer = 64 << 10
)

// Retry is how a sender retries: Attempts tries in all, each bounded by Timeout, Backoff (doubling) between
// them. Only network errors, timeouts and retryable answers (5xx) are tried again.
type Retry struct {
	Timeout  time.Duration
	Attempts int
	Backoff  time.Duration
}

func (r Retry) withDefaults() Retry {
	if r.Timeout <= 0 {
		r.Timeout = DefaultTimeout
	}
	if r.Attempts <= 0 {
		r.Attempts = DefaultAttempts
	}
	if r.Backoff <= 0 {
		r.Backoff = DefaultBackoff
	}
	return r
}

// SendError is why a code was not sent. It names the sender and what answered, never the phone or the code.
type SendError struct {
	Sender string
	// Status is the HTTP status of the last answer (0 when none arrived).
	Status int
	// Reason is the provider's error code, or what went wrong.
	Reason string
	// Retryable says whether trying again later may succeed without a change of configuration.
	Retryable bool
}

func (e *SendError) Error() string {
	return fmt.Sprintf("%s: code not sent (status %d): %s", e.Sender, e.Status, e.Reason)
}

// NoPersonalData reports that the error's text is safe to log (app.SenderError).
func (e *SendError) NoPersonalData() bool { return true }

// do runs attempt up to r.Attempts times, each with its own timeout, while it fails with a retryable
// SendError; it stops early when ctx ends.
func (r Retry) do(ctx context.Context, attempt func(ctx context.Context) error) error {
	r = r.withDefaults()
	backoff := r.Backoff
	var err error
	for i := 0; i < r.Attempts; i++ {
		if i > 0 {
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return err
			case <-t.C:
			}
			backoff *= 2
		}
		actx, cancel := context.WithTimeout(ctx, r.Timeout)
		err = attempt(actx)
		cancel()
		var se *SendError
		if err == nil || !errors.As(err, &se) || !se.Retryable {
			return err
		}
	}
	return err
}

// transportError turns a failed round trip into a retryable SendError without the URL (which may carry
// nothing secret, but the error text of net/http repeats it).
func transportError(sender string, err error) error {
	reason := "network error"
	var ue *url.Error
	if errors.As(err, &ue) && ue.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		reason = "timeout"
	}
	return &SendError{Sender: sender, Reason: reason, Retryable: true}
}

// statusError classifies a non-2xx answer: 5xx and 429 may pass later, anything else needs a fix.
func statusError(sender string, status int, reason string) error {
	return &SendError{Sender: sender, Status: status, Reason: reason,
		Retryable: status >= 500 || status == http.StatusTooManyRequests}
}

// CheckURL validates a sender's endpoint: an absolute http(s) URL with a host, https unless insecure is
// allowed (dev mode).
func CheckURL(setting, raw string, allowHTTP bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%s must be an absolute https URL", setting)
	}
	if u.Scheme != "https" && !allowHTTP {
		return fmt.Errorf("%s must be an https URL in production mode", setting)
	}
	return nil
}
