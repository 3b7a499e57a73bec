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
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Tencent Cloud API 3.0 constants of SendSms.
const (
	TencentEndpoint = "https://sms.tencentcloudapi.com"
	tencentService  = "sms"
	tencentAction   = "SendSms"
	tencentVersion  = "2021-01-11"
	tencentAlgo     = "TC3-HMAC-SHA256"
	tencentType     = "application/json; charset=utf-8"
	tencentSigned   = "content-type;host;x-tc-action"
)

// Tencent sends codes through Tencent Cloud SMS: a POST of SendSms (version 2021-01-11) signed with
// TC3-HMAC-SHA256 (signature v3). The template gets one parameter, the code.
type Tencent struct {
	// Endpoint is the API's base URL (TencentEndpoint unless a test or a regional domain says otherwise).
	Endpoint   string
	Region     string
	SecretID   string
	SecretKey  string
	SdkAppID   string
	SignName   string
	TemplateID string
	Retry      Retry
	Client     *http.Client
	Now        func() time.Time
}

type tencentRequest struct {
	PhoneNumberSet   []string `json:"PhoneNumberSet"`
	SmsSdkAppID      string   `json:"SmsSdkAppId"`
	SignName         string   `json:"SignName"`
	TemplateID       string   `json:"TemplateId"`
	TemplateParamSet []string `json:"TemplateParamSet"`
}

type tencentAnswer struct {
	Response struct {
		Error *struct {
			Code string `json:"Code"`
		} `json:"Error"`
		SendStatusSet []struct {
			Code string `json:"Code"`
		} `json:"SendStatusSet"`
	} `json:"Response"`
}

// Send sends the code to +86 and the phone. It returns no dev code.
func (t *Tencent) Send(ctx context.Context, phone, code string) (string, error) {
	body, err := json.Marshal(tencentRequest{PhoneNumberSet: []string{"+86" + phone}, SmsSdkAppID: t.SdkAppID,
		SignName: t.SignName, TemplateID: t.TemplateID, TemplateParamSet: []string{code}})
	if err != nil {
		return "", err
	}
	endpoint := t.Endpoint
	if endpoint == "" {
		endpoint = TencentEndpoint
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return "", &SendError{Sender: "tencent", Reason: "bad endpoint URL"}
	}
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	client := t.Client
	if client == nil {
		client = http.DefaultClient
	}
	return "", t.Retry.do(ctx, func(ctx context.Context) error {
		ts := now().Unix()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.Scheme+"://"+u.Host+"/", bytes.NewReader(body))
		if err != nil {
			return &SendError{Sender: "tencent", Reason: "bad endpoint URL"}
		}
		req.Header.Set("Content-Type", tencentType)
		req.Header.Set("X-TC-Action", tencentAction)
		req.Header.Set("X-TC-Version", tencentVersion)
		req.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts, 10))
		req.Header.Set("X-TC-Region", t.Region)
		req.Header.Set("Authorization", TencentAuthorization(t.SecretID, t.SecretKey, u.Host, tencentAction, body, ts))
		resp, err := client.Do(req)
		if err != nil {
			return transportError("tencent", err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
		if resp.StatusCode/100 != 2 {
			return statusError("tencent", resp.StatusCode, http.StatusText(resp.StatusCode))
		}
		var a tencentAnswer
		if err := json.Unmarshal(raw, &a); err != nil {
			return &SendError{Sender: "tencent", Status: resp.StatusCode, Reason: "unreadable answer", Retryable: true}
		}
		if e := a.Response.Error; e != nil {
			// InternalError*, RequestLimitExceeded* and the like may pass later; AuthFailure*, InvalidParameter*
			// and FailedOperation* need the operator.
			retry := strings.HasPrefix(e.Code, "InternalError") || strings.HasPrefix(e.Code, "RequestLimitExceeded")
			return &SendError{Sender: "tencent", Status: resp.StatusCode, Reason: e.Code, Retryable: retry}
		}
		if len(a.Response.SendStatusSet) != 1 || a.Response.SendStatusSet[0].Code != "Ok" {
			reason := "no send status"
			if len(a.Response.SendStatusSet) > 0 {
				reason = a.Response.SendStatusSet[0].Code
			}
			return &SendError{Sender: "tencent", Status: resp.StatusCode, Reason: reason}
		}
		return nil
	})
}

// TencentAuthorization is the Authorization header of a TC3-HMAC-SHA256 (signature v3) POST of a JSON body
// to the API root of host, signed at the Unix time ts:
//
//	CanonicalRequest = "POST\n/\n\n" + "content-type:application/json; charset=utf-8\nhost:<host>\nx-tc-action:<action, lowercase>\n"
//	                   + "\n" + SignedHeaders + "\n" + hex(SHA256(body))
//	StringToSign     = "TC3-HMAC-SHA256\n" + ts + "\n" + <UTC date>/sms/tc3_request + "\n" + hex(SHA256(CanonicalRequest))
//	SigningKey       = HMAC(HMAC(HMAC("TC3"+SecretKey, <UTC date>), "sms"), "tc3_request")
//	Signature        = hex(HMAC(SigningKey, StringToSign))
func TencentAuthorization(secretID, secretKey, host, action string, body []byte, ts int64) string {
	date := time.Unix(ts, 0).UTC().Format("2006-01-02")
	canonical := "POST\n/\n\n" +
		"content-type:" + tencentType + "\nhost:" + host + "\nx-tc-action:" + strings.ToLower(action) + "\n\n" +
		tencentSigned + "\n" + sha256Hex(body)
	scope := date + "/" + tencentService + "/tc3_request"
	toSign := tencentAlgo + "\n" + strconv.FormatInt(ts, 10) + "\n" + scope + "\n" + sha256Hex([]byte(canonical))
	key := hmacSHA256([]byte("TC3"+secretKey), date)
	key = hmacSHA256(key, tencentService)
	key = hmacSHA256(key, "tc3_request")
	sig := hex.EncodeToString(hmacSHA256(key, toSign))
	return tencentAlgo + " Credential=" + secretID + "/" + scope + ", SignedHeaders=" + tencentSigned + ", Signature=" + sig
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
