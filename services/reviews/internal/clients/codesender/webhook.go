package codesender

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/commonweal/commonweal/pkg/ids"
)

// Headers of a webhook request. The signature is "v1=" and the lowercase hex HMAC-SHA256, keyed with the
// webhook secret, of the timestamp header's value, a ".", and the raw body.
const (
	HeaderTimestamp = "X-Commonweal-Timestamp"
	HeaderSignature = "X-Commonweal-Signature"
	HeaderRequestID = "X-Commonweal-Request-Id"
)

// WebhookMessage is the JSON body a webhook receives: send Code to Phone (11 digits, mainland) with the
// receiver's Template. RequestID is the same on every retry of one code, so the receiver sends it once.
type WebhookMessage struct {
	Phone     string    `json:"phone"`
	Code      string    `json:"code"`
	Template  string    `json:"template"`
	RequestID string    `json:"request_id"`
	SentAt    time.Time `json:"sent_at"`
}

// Webhook posts each code, signed, to an operator's HTTPS endpoint that forwards it to the phone.
type Webhook struct {
	URL      string
	Secret   []byte
	Template string
	Retry    Retry
	Client   *http.Client
	Now      func() time.Time
}

// Send posts the code; any 2xx answer means the receiver took it. It returns no dev code.
func (w *Webhook) Send(ctx context.Context, phone, code string) (string, error) {
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	msg := WebhookMessage{Phone: phone, Code: code, Template: w.Template, RequestID: ids.New(), SentAt: now().UTC().Truncate(time.Second)}
	body, err := json.Marshal(msg)
	if err != nil {
		return "", err
	}
	client := w.Client
	if client == nil {
		client = http.DefaultClient
	}
	return "", w.Retry.do(ctx, func(ctx context.Context) error {
		ts := strconv.FormatInt(now().Unix(), 10)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
		if err != nil {
			return &SendError{Sender: "webhook", Reason: "bad request URL"}
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(HeaderTimestamp, ts)
		req.Header.Set(HeaderRequestID, msg.RequestID)
		req.Header.Set(HeaderSignature, "v1="+signWebhook(w.Secret, ts, body))
		resp, err := client.Do(req)
		if err != nil {
			return transportError("webhook", err)
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
		if resp.StatusCode/100 != 2 {
			return statusError("webhook", resp.StatusCode, http.StatusText(resp.StatusCode))
		}
		return nil
	})
}

func signWebhook(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}
