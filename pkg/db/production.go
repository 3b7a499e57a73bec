package db

import (
	"fmt"
	"net/url"
)

// TLSMode is the sslmode production requires: encrypted, the server's certificate checked against the CA
// (sslrootcert, or the system's roots) and its host name against the certificate.
const TLSMode = "verify-full"

// TLSWaivedVar is the setting that lets production connect without TLSMode (logged at every start).
const TLSWaivedVar = "DB_TLS_WAIVED"

func (s Settings) urlSetting() string {
	if s.URLSetting == "" {
		return "DATABASE_URL"
	}
	return s.URLSetting
}

// CheckMigrate applies the production rules to the migrate job: verified TLS to the server unless waived.
func (s Settings) CheckMigrate() error {
	if !s.Production || s.TLSWaived {
		return nil
	}
	return checkTLS(s.urlSetting(), s.AdminURL)
}

// CheckServe applies the production rules to a serving process: verified TLS unless waived, and a URL that
// gives the server and database only (optionally the runtime role's name, never a password): the serving
// process connects as the runtime role with its own password and must never hold the admin's credentials.
func (s Settings) CheckServe() error {
	if !s.Production {
		return nil
	}
	if err := checkCredentials(s.urlSetting(), s.AdminURL, s.Schema); err != nil {
		return err
	}
	if s.TLSWaived {
		return nil
	}
	return checkTLS(s.urlSetting(), s.AdminURL)
}

func checkTLS(setting, rawURL string) error {
	u, err := parseURL(setting, rawURL)
	if err != nil {
		return err
	}
	modes := u.Query()["sslmode"]
	for _, m := range modes {
		if m != TLSMode {
			return fmt.Errorf("%s: sslmode=%s: production requires sslmode=%s (with sslrootcert naming the server's CA) or %s=true", setting, m, TLSMode, TLSWaivedVar)
		}
	}
	if len(modes) == 0 {
		return fmt.Errorf("%s: no sslmode: production requires sslmode=%s (with sslrootcert naming the server's CA) or %s=true", setting, TLSMode, TLSWaivedVar)
	}
	return nil
}

func checkCredentials(setting, rawURL, role string) error {
	u, err := parseURL(setting, rawURL)
	if err != nil {
		return err
	}
	q := u.Query()
	_, hasPassword := u.User.Password()
	if hasPassword || q.Has("password") {
		return fmt.Errorf("%s: carries a password: `serve` in production takes the server and database only (postgres://host:port/db?sslmode=%s) and connects as role %s with its own password; the admin's credentials belong to the `migrate` job", setting, TLSMode, role)
	}
	for _, user := range append(q["user"], u.User.Username()) {
		if user != "" && user != role {
			return fmt.Errorf("%s: names role %s: `serve` in production connects only as the service's role %s; the admin's URL belongs to the `migrate` job", setting, user, role)
		}
	}
	return nil
}

func parseURL(setting, rawURL string) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		// Not the parser's error: it would quote the URL and its password.
		return nil, fmt.Errorf("%s: not a postgres:// URL", setting)
	}
	return u, nil
}
