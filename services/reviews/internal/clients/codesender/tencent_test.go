package codesender_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/commonweal/commonweal/services/reviews/internal/clients/codesender"
)

const (
	tencentID  = "AKIDtestsecretid0123456789"
	tencentKey = "tencent-test-secret-key-0123456789"
)

// fakeTencent is Tencent Cloud SMS: it recomputes the TC3-HMAC-SHA256 signature of each request from the
// headers and body it received, as the documentation describes, and answers as the API does (HTTP 200 with
// Response.Error when the signature or anything else is wrong).
type fakeTencent struct {
	key  string
	fail []int

	mu    sync.Mutex
	tries int
	sent  []map[string]any
}

func hmac256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func hexSHA(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func (f *fakeTencent) answer(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"Response": v})
}

func (f *fakeTencent) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tries++
	if len(f.fail) > 0 {
		st := f.fail[0]
		f.fail = f.fail[1:]
		http.Error(w, "unavailable", st)
		return
	}
	body, _ := io.ReadAll(r.Body)
	refuse := func(code string) {
		f.answer(w, map[string]any{"Error": map[string]string{"Code": code, "Message": code}, "RequestId": "fake"})
	}
	if r.Method != http.MethodPost || r.URL.Path != "/" || r.Header.Get("X-TC-Action") != "SendSms" ||
		r.Header.Get("X-TC-Version") != "2021-01-11" || r.Header.Get("X-TC-Region") != "ap-guangzhou" {
		refuse("InvalidParameter")
		return
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		refuse("AuthFailure.SignatureExpire")
		return
	}
	// Authorization: TC3-HMAC-SHA256 Credential=<id>/<date>/<service>/tc3_request, SignedHeaders=<h;h>, Signature=<hex>
	auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "TC3-HMAC-SHA256 ")
	if !ok {
		refuse("AuthFailure.InvalidAuthorization")
		return
	}
	parts := map[string]string{}
	for _, p := range strings.Split(auth, ", ") {
		k, v, _ := strings.Cut(p, "=")
		parts[k] = v
	}
	cred := strings.Split(parts["Credential"], "/")
	date := time.Unix(ts, 0).UTC().Format("2006-01-02")
	if len(cred) != 4 || cred[0] != tencentID || cred[1] != date || cred[2] != "sms" || cred[3] != "tc3_request" {
		refuse("AuthFailure.SecretIdNotFound")
		return
	}
	var canonHeaders strings.Builder
	for _, h := range strings.Split(parts["SignedHeaders"], ";") {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		canonHeaders.WriteString(h + ":" + strings.ToLower(strings.TrimSpace(v)) + "\n")
	}
	if !strings.Contains(parts["SignedHeaders"], "content-type") || !strings.Contains(parts["SignedHeaders"], "host") {
		refuse("AuthFailure.SignatureFailure")
		return
	}
	canonical := strings.Join([]string{"POST", "/", "", canonHeaders.String(), parts["SignedHeaders"], hexSHA(body)}, "\n")
	toSign := strings.Join([]string{"TC3-HMAC-SHA256", strconv.FormatInt(ts, 10), date + "/sms/tc3_request", hexSHA([]byte(canonical))}, "\n")
	k := hmac256(hmac256(hmac256([]byte("TC3"+f.key), date), "sms"), "tc3_request")
	if want := hex.EncodeToString(hmac256(k, toSign)); !hmac.Equal([]byte(want), []byte(parts["Signature"])) {
		refuse("AuthFailure.SignatureFailure")
		return
	}
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		refuse("InvalidParameter")
		return
	}
	f.sent = append(f.sent, req)
	f.answer(w, map[string]any{"SendStatusSet": []map[string]any{{"SerialNo": "1", "PhoneNumber": req["PhoneNumberSet"].([]any)[0],
		"Fee": 1, "Code": "Ok", "Message": "send success", "IsoCode": "CN"}}, "RequestId": "fake"})
}

func tencentFor(srv *httptest.Server, key string) *codesender.Tencent {
	return &codesender.Tencent{Endpoint: srv.URL, Region: "ap-guangzhou", SecretID: tencentID, SecretKey: key,
		SdkAppID: "1400000000", SignName: "公益创投", TemplateID: "100001", Client: srv.Client(),
		Retry: codesender.Retry{Timeout: time.Second, Attempts: 3, Backoff: time.Millisecond}}
}

func TestTencentSignsSendSms(t *testing.T) {
	fake := &fakeTencent{key: tencentKey}
	srv := httptest.NewTLSServer(fake)
	defer srv.Close()
	if _, err := tencentFor(srv, tencentKey).Send(context.Background(), "13800000001", "654321"); err != nil {
		t.Fatal(err)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.sent) != 1 {
		t.Fatalf("provider sent %d messages", len(fake.sent))
	}
	got := fmt.Sprint(fake.sent[0])
	want := fmt.Sprint(map[string]any{"PhoneNumberSet": []any{"+8613800000001"}, "SmsSdkAppId": "1400000000", "SignName": "公益创投",
		"TemplateId": "100001", "TemplateParamSet": []any{"654321"}})
	if got != want {
		t.Fatalf("request %s, want %s", got, want)
	}
}

func TestTencentWrongKeyIsRefused(t *testing.T) {
	fake := &fakeTencent{key: tencentKey}
	srv := httptest.NewTLSServer(fake)
	defer srv.Close()
	_, err := tencentFor(srv, "a-wrong-secret-key-0123456789abcdef").Send(context.Background(), "13800000001", "654321")
	if se := sendErr(t, err); se.Reason != "AuthFailure.SignatureFailure" || se.Retryable {
		t.Fatalf("error %+v", se)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if fake.tries != 1 || len(fake.sent) != 0 {
		t.Fatalf("%d tries, %d sent", fake.tries, len(fake.sent))
	}
}

func TestTencentRetries5xx(t *testing.T) {
	fake := &fakeTencent{key: tencentKey, fail: []int{502}}
	srv := httptest.NewTLSServer(fake)
	defer srv.Close()
	if _, err := tencentFor(srv, tencentKey).Send(context.Background(), "13800000001", "654321"); err != nil {
		t.Fatal(err)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if fake.tries != 2 || len(fake.sent) != 1 {
		t.Fatalf("%d tries, %d sent", fake.tries, len(fake.sent))
	}
}

// TestTencentAuthorizationShape pins the header's layout and that the signature changes with the key, the
// body and the day.
func TestTencentAuthorizationShape(t *testing.T) {
	body := []byte(`{"a":1}`)
	ts := int64(1551113065) // 2019-02-25 16:44:25 UTC
	a := codesender.TencentAuthorization("AKID", "key", "sms.tencentcloudapi.com", "SendSms", body, ts)
	prefix := "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/sms/tc3_request, SignedHeaders=content-type;host;x-tc-action, Signature="
	if !strings.HasPrefix(a, prefix) || len(a) != len(prefix)+64 {
		t.Fatalf("authorization %q", a)
	}
	for name, other := range map[string]string{
		"key":  codesender.TencentAuthorization("AKID", "key2", "sms.tencentcloudapi.com", "SendSms", body, ts),
		"body": codesender.TencentAuthorization("AKID", "key", "sms.tencentcloudapi.com", "SendSms", []byte(`{"a":2}`), ts),
		"day":  codesender.TencentAuthorization("AKID", "key", "sms.tencentcloudapi.com", "SendSms", body, ts+86400),
		"host": codesender.TencentAuthorization("AKID", "key", "sms.ap-guangzhou.tencentcloudapi.com", "SendSms", body, ts),
	} {
		if other[len(prefix):] == a[len(prefix):] {
			t.Errorf("the signature does not depend on the %s", name)
		}
	}
}
