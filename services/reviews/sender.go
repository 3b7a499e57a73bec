package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/commonweal/commonweal/pkg/config"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/clients/codesender"
)

// senderSettings are the settings of the voter code sender (README "Voter codes").
type senderSettings struct {
	dev           bool
	kind          string
	webhookURL    string
	webhookSecret string
	template      string
	retry         codesender.Retry
	tencent       codesender.Tencent
}

// readSenderSettings declares and reads the sender's settings: VOTER_CODE_SENDER defaults to dev in dev mode
// and to none (voting refused until a real sender is configured) in production.
func readSenderSettings(cfg *config.Loader) senderSettings {
	s := senderSettings{dev: cfg.IsDev()}
	def := "none"
	if s.dev {
		def = "dev"
	}
	s.kind = cfg.String("VOTER_CODE_SENDER", def, "how voter codes are sent: webhook (signed HTTPS POST to VOTER_CODE_WEBHOOK_URL), tencent (Tencent Cloud SMS), none (refused: VOTER_CODE_SENDER_UNAVAILABLE; the production default) or dev (returned in the response; dev mode only, the dev default)")
	s.webhookURL = cfg.String("VOTER_CODE_WEBHOOK_URL", "", "webhook sender: the receiver's URL (https in production)")
	s.webhookSecret = cfg.Secret("VOTER_CODE_WEBHOOK_SECRET", "", "webhook sender: HMAC-SHA256 key of the X-Commonweal-Signature header (at least 32 bytes in production)", config.MinLen(config.KeyMin))
	s.template = cfg.String("VOTER_CODE_TEMPLATE", "voter_code", "webhook sender: the template name sent with each code")
	s.retry.Timeout = cfg.Duration("VOTER_CODE_SEND_TIMEOUT", codesender.DefaultTimeout, "longest wait for the sender's answer, per attempt")
	s.retry.Attempts = cfg.Int("VOTER_CODE_SEND_ATTEMPTS", codesender.DefaultAttempts, "tries per code (network errors, timeouts and 5xx answers are tried again)")
	s.tencent.Endpoint = cfg.String("VOTER_CODE_TENCENT_ENDPOINT", codesender.TencentEndpoint, "tencent sender: the SMS API's URL (https in production)")
	s.tencent.Region = cfg.String("VOTER_CODE_TENCENT_REGION", "ap-guangzhou", "tencent sender: the X-TC-Region of SendSms")
	s.tencent.SecretID = cfg.String("VOTER_CODE_TENCENT_SECRET_ID", "", "tencent sender: the API key's SecretId")
	s.tencent.SecretKey = cfg.Secret("VOTER_CODE_TENCENT_SECRET_KEY", "", "tencent sender: the API key's SecretKey", config.MinLen(config.KeyMin))
	s.tencent.SdkAppID = cfg.String("VOTER_CODE_TENCENT_SDK_APP_ID", "", "tencent sender: the SMS application's SmsSdkAppId")
	s.tencent.SignName = cfg.String("VOTER_CODE_TENCENT_SIGN_NAME", "", "tencent sender: the approved SMS signature (签名) content")
	s.tencent.TemplateID = cfg.String("VOTER_CODE_TENCENT_TEMPLATE_ID", "", "tencent sender: the approved template's ID; its one parameter {1} is the code")
	return s
}

// build returns the configured sender (nil for none), or an error naming the setting that is missing or not
// allowed in this mode.
func (s senderSettings) build() (app.CodeSender, error) {
	client := &http.Client{}
	switch s.kind {
	case "dev":
		if !s.dev {
			return nil, fmt.Errorf("VOTER_CODE_SENDER=dev returns codes in the response and is refused in production mode: set webhook, tencent or none")
		}
		slog.Warn("voter codes use the DEV sender: codes are returned in the response; never use in production (set VOTER_CODE_SENDER)")
		return app.DevSender{}, nil
	case "none":
		slog.Warn("no voter code sender (VOTER_CODE_SENDER=none): voters cannot verify their phones, so nobody can vote")
		return nil, nil
	case "webhook":
		if err := codesender.CheckURL("VOTER_CODE_WEBHOOK_URL", s.webhookURL, s.dev); err != nil {
			return nil, err
		}
		if s.webhookSecret == "" {
			return nil, fmt.Errorf("VOTER_CODE_WEBHOOK_SECRET (or VOTER_CODE_WEBHOOK_SECRET_FILE) is required with VOTER_CODE_SENDER=webhook")
		}
		return &codesender.Webhook{URL: s.webhookURL, Secret: []byte(s.webhookSecret), Template: s.template, Retry: s.retry, Client: client}, nil
	case "tencent":
		if err := codesender.CheckURL("VOTER_CODE_TENCENT_ENDPOINT", s.tencent.Endpoint, s.dev); err != nil {
			return nil, err
		}
		t := s.tencent
		for _, v := range []struct{ name, value string }{
			{"VOTER_CODE_TENCENT_SECRET_ID", t.SecretID}, {"VOTER_CODE_TENCENT_SECRET_KEY", t.SecretKey},
			{"VOTER_CODE_TENCENT_SDK_APP_ID", t.SdkAppID}, {"VOTER_CODE_TENCENT_SIGN_NAME", t.SignName},
			{"VOTER_CODE_TENCENT_TEMPLATE_ID", t.TemplateID}, {"VOTER_CODE_TENCENT_REGION", t.Region},
		} {
			if v.value == "" {
				return nil, fmt.Errorf("%s is required with VOTER_CODE_SENDER=tencent", v.name)
			}
		}
		t.Retry, t.Client = s.retry, client
		return &t, nil
	}
	return nil, fmt.Errorf("VOTER_CODE_SENDER must be webhook, tencent, none or dev (dev mode only), not %q", s.kind)
}

// purgeInterval declares and reads how often expired voter codes and tokens are deleted.
func purgeInterval(cfg *config.Loader) time.Duration {
	return cfg.Duration("VOTER_PURGE_INTERVAL", 10*time.Minute, "how often expired voter codes (once out of the hourly limit's window) and expired voter tokens are deleted, in batches")
}
