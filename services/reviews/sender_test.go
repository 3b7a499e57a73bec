package main

import (
	"strings"
	"testing"

	"github.com/commonweal/commonweal/pkg/config"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/clients/codesender"
)

func TestSenderSettings(t *testing.T) {
	secret := "a-webhook-secret-of-32-bytes-or-more!"
	tencent := map[string]string{"VOTER_CODE_SENDER": "tencent", "VOTER_CODE_TENCENT_SECRET_ID": "AKIDexample",
		"VOTER_CODE_TENCENT_SECRET_KEY": "a-tencent-secret-key-of-32-bytes!!", "VOTER_CODE_TENCENT_SDK_APP_ID": "1400000000",
		"VOTER_CODE_TENCENT_SIGN_NAME": "公益创投", "VOTER_CODE_TENCENT_TEMPLATE_ID": "100001"}
	with := func(base map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	for _, c := range []struct {
		name    string
		env     map[string]string
		want    string // the sender's type, "nil" for none
		wantErr string // a setting the refusal names
	}{
		{name: "production default is none", env: map[string]string{}, want: "nil"},
		{name: "dev refused in production", env: map[string]string{"VOTER_CODE_SENDER": "dev"}, wantErr: "VOTER_CODE_SENDER"},
		{name: "dev mode default is dev", env: map[string]string{"COMMONWEAL_MODE": "dev"}, want: "app.DevSender"},
		{name: "unknown", env: map[string]string{"VOTER_CODE_SENDER": "sms"}, wantErr: "VOTER_CODE_SENDER"},
		{name: "webhook needs https in production", env: map[string]string{"VOTER_CODE_SENDER": "webhook",
			"VOTER_CODE_WEBHOOK_URL": "http://sms.example.org/hook", "VOTER_CODE_WEBHOOK_SECRET": secret}, wantErr: "VOTER_CODE_WEBHOOK_URL"},
		{name: "webhook over http in dev mode", env: map[string]string{"COMMONWEAL_MODE": "dev", "VOTER_CODE_SENDER": "webhook",
			"VOTER_CODE_WEBHOOK_URL": "http://127.0.0.1:9/hook", "VOTER_CODE_WEBHOOK_SECRET": "dev"}, want: "*codesender.Webhook"},
		{name: "webhook needs its secret", env: map[string]string{"VOTER_CODE_SENDER": "webhook",
			"VOTER_CODE_WEBHOOK_URL": "https://sms.example.org/hook"}, wantErr: "VOTER_CODE_WEBHOOK_SECRET"},
		{name: "webhook", env: map[string]string{"VOTER_CODE_SENDER": "webhook",
			"VOTER_CODE_WEBHOOK_URL": "https://sms.example.org/hook", "VOTER_CODE_WEBHOOK_SECRET": secret}, want: "*codesender.Webhook"},
		{name: "tencent", env: tencent, want: "*codesender.Tencent"},
		{name: "tencent needs https in production", env: with(tencent, "VOTER_CODE_TENCENT_ENDPOINT", "http://127.0.0.1:9"), wantErr: "VOTER_CODE_TENCENT_ENDPOINT"},
		{name: "tencent needs its key", env: with(tencent, "VOTER_CODE_TENCENT_SECRET_KEY", ""), wantErr: "VOTER_CODE_TENCENT_SECRET_KEY"},
		{name: "tencent needs its template", env: with(tencent, "VOTER_CODE_TENCENT_TEMPLATE_ID", ""), wantErr: "VOTER_CODE_TENCENT_TEMPLATE_ID"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := config.NewWith("reviews", func(k string) (string, bool) { v, ok := c.env[k]; return v, ok })
			s, err := readSenderSettings(cfg).build()
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := "nil"
			switch s.(type) {
			case app.DevSender:
				got = "app.DevSender"
			case *codesender.Webhook:
				got = "*codesender.Webhook"
			case *codesender.Tencent:
				got = "*codesender.Tencent"
			}
			if got != c.want {
				t.Fatalf("sender %s, want %s", got, c.want)
			}
		})
	}
}

// TestSenderSecretsAreCheckedInProduction checks the webhook secret and the Tencent key must be at least 32
// bytes in production mode.
func TestSenderSecretsAreCheckedInProduction(t *testing.T) {
	for _, name := range []string{"VOTER_CODE_WEBHOOK_SECRET", "VOTER_CODE_TENCENT_SECRET_KEY"} {
		cfg := config.NewWith("reviews", func(k string) (string, bool) {
			if k == name {
				return "too-short", true
			}
			return "", false
		})
		readSenderSettings(cfg)
		if err := cfg.Check(nil); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("Check = %v, want a refusal naming %s", err, name)
		}
	}
}
