package auth

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/commonweal/commonweal/pkg/config"
)

// The settings of production tokens.
const (
	IssuerVar      = "JWT_ISSUER"
	AudienceVar    = "JWT_AUDIENCE"
	MaxLifetimeVar = "JWT_MAX_LIFETIME"
	JWKSFileVar    = "JWT_JWKS_FILE"
	JWKSURLVar     = "JWT_JWKS_URL"
	JWKSRefreshVar = "JWT_JWKS_REFRESH"
	JWKSTimeoutVar = "JWT_JWKS_TIMEOUT"
)

// Settings say which production tokens the gateway accepts.
type Settings struct {
	Issuer      string
	Audience    string
	MaxLifetime time.Duration
	JWKSFile    string
	JWKSURL     string
	JWKSRefresh time.Duration
	JWKSTimeout time.Duration
	// Client fetches JWKSURL (tests: a client trusting an httptest TLS server); nil: the system's roots.
	Client *http.Client
}

// ReadSettings declares the production token settings on cfg and returns what they say.
func ReadSettings(cfg *config.Loader) Settings {
	return Settings{
		Issuer:      cfg.String(IssuerVar, "", "production: the iss every bearer token must name (required)"),
		Audience:    cfg.String(AudienceVar, "", "production: the aud every bearer token must include (required)"),
		MaxLifetime: cfg.Duration(MaxLifetimeVar, time.Hour, "production: longest exp − iat of a bearer token (iat required)"),
		JWKSFile:    cfg.String(JWKSFileVar, "", "production: JWKS file of the token signing keys (RSA, EC, Ed25519; selected by kid), re-read when it changes; or JWT_JWKS_URL"),
		JWKSURL:     cfg.String(JWKSURLVar, "", "production: https URL of the JWKS, fetched at start, every Cache-Control max-age (1m..1h) or JWT_JWKS_REFRESH, and for an unknown kid"),
		JWKSRefresh: cfg.Duration(JWKSRefreshVar, 10*time.Minute, "production: how often JWT_JWKS_URL is fetched when its answer has no max-age (1m..1h)"),
		JWKSTimeout: cfg.Duration(JWKSTimeoutVar, 5*time.Second, "production: time limit of one fetch of JWT_JWKS_URL"),
	}
}

// check refuses settings production cannot run with, naming the setting.
func (s Settings) check() error {
	var errs []error
	if s.Issuer == "" {
		errs = append(errs, fmt.Errorf("%s: required in production (the iss of the identity provider's tokens)", IssuerVar))
	}
	if s.Audience == "" {
		errs = append(errs, fmt.Errorf("%s: required in production (the aud the identity provider gives tokens for this API)", AudienceVar))
	}
	if s.MaxLifetime <= 0 {
		errs = append(errs, fmt.Errorf("%s: must be positive", MaxLifetimeVar))
	}
	switch {
	case s.JWKSFile == "" && s.JWKSURL == "":
		errs = append(errs, fmt.Errorf("%s or %s: one is required in production", JWKSFileVar, JWKSURLVar))
	case s.JWKSFile != "" && s.JWKSURL != "":
		errs = append(errs, fmt.Errorf("%s and %s: set only one", JWKSFileVar, JWKSURLVar))
	case s.JWKSURL != "":
		if u, err := url.Parse(s.JWKSURL); err != nil || u.Scheme != "https" || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s: must be an https URL, not %q", JWKSURLVar, s.JWKSURL))
		}
		if s.JWKSTimeout <= 0 {
			errs = append(errs, fmt.Errorf("%s: must be positive", JWKSTimeoutVar))
		}
	}
	return errors.Join(errs...)
}

// client is the HTTP client fetching the JWKS: with the fetch time limit, TLS 1.2 or later, https redirects only.
func (s Settings) client() *http.Client {
	var c http.Client
	if s.Client != nil {
		c = *s.Client
	} else {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		c.Transport = t
	}
	c.Timeout = s.JWKSTimeout
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "https" {
			return errNotHTTPS
		}
		if len(via) >= 5 {
			return errors.New("JWKS: too many redirects")
		}
		return nil
	}
	return &c
}
