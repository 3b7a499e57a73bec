package app_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/clients/codesender"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// TestWebhookSenderEndToEnd runs SendVoterCode through the real webhook sender against a receiver that checks
// the signature: with the receiver's secret the code it received verifies the phone; with another secret the
// receiver refuses, the caller gets VOTER_CODE_SEND_FAILED and that code is not usable.
func TestWebhookSenderEndToEnd(t *testing.T) {
	const secret = "receiver-secret-0123456789abcdef-xyz"
	var mu sync.Mutex
	var codes []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(r.Header.Get("X-Commonweal-Timestamp") + "."))
		m.Write(body)
		if r.Header.Get("X-Commonweal-Signature") != "v1="+hex.EncodeToString(m.Sum(nil)) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var msg codesender.WebhookMessage
		_ = json.Unmarshal(body, &msg)
		mu.Lock()
		codes = append(codes, msg.Code)
		mu.Unlock()
	}))
	defer srv.Close()
	f := setup(t, nil, nil)
	hook := func(key string) *app.Service {
		return f.with(func(c *app.Config) {
			c.Sender = &codesender.Webhook{URL: srv.URL, Secret: []byte(key), Template: "voter_code", Client: srv.Client(),
				Retry: codesender.Retry{Timeout: time.Second, Attempts: 2, Backoff: time.Millisecond}}
		})
	}

	dev, _, err := hook(secret).SendVoterCode(anyone, "13800000051")
	if err != nil || dev != "" || len(codes) != 1 {
		t.Fatalf("send: dev code %q, err %v, %d received", dev, err, len(codes))
	}
	if _, _, err := f.svc.VerifyVoter(anyone, "13800000051", codes[0]); err != nil {
		t.Fatalf("verify with the received code: %v", err)
	}

	_, _, err = hook("a-wrong-secret-0123456789abcdef-xyz").SendVoterCode(anyone, "13800000052")
	mustErr(t, "refused signature", err, domain.ErrCodeSendFailed)
	if len(codes) != 1 {
		t.Fatalf("the receiver accepted a wrongly signed request")
	}
}

// TestTencentRefusalIsSendFailed checks a Tencent Cloud error answer (HTTP 200 with Response.Error, as the API
// answers a wrong signature) reaches the caller as VOTER_CODE_SEND_FAILED, tried once.
func TestTencentRefusalIsSendFailed(t *testing.T) {
	var mu sync.Mutex
	tries := 0
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tries++
		mu.Unlock()
		_, _ = io.WriteString(w, `{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"bad"},"RequestId":"x"}}`)
	}))
	defer srv.Close()
	f := setup(t, nil, nil)
	svc := f.with(func(c *app.Config) {
		c.Sender = &codesender.Tencent{Endpoint: srv.URL, Region: "ap-guangzhou", SecretID: "AKID", SecretKey: "key", SdkAppID: "1",
			SignName: "s", TemplateID: "1", Client: srv.Client(), Retry: codesender.Retry{Timeout: time.Second, Attempts: 3, Backoff: time.Millisecond}}
	})
	_, _, err := svc.SendVoterCode(anyone, "13800000053")
	mustErr(t, "refused by the provider", err, domain.ErrCodeSendFailed)
	mu.Lock()
	defer mu.Unlock()
	if tries != 1 {
		t.Fatalf("a final refusal was tried %d times", tries)
	}
}
