package db

import (
	"strings"
	"testing"
)

func TestCheckMigrateAndServe(t *testing.T) {
	const tls = "?sslmode=verify-full&sslrootcert=/etc/commonweal/pg-ca.pem"
	tests := []struct {
		name       string
		url        string
		production bool
		waived     bool
		migrate    string // "" when accepted, else a fragment of the error
		serve      string
	}{
		{"dev takes anything", "postgres://postgres:admin@127.0.0.1:5432/x?sslmode=disable", false, false, "", ""},
		{"admin job over TLS", "postgres://admin:secret@db:5432/commonweal" + tls, true, false, "", "carries a password"},
		{"server only over TLS", "postgres://db:5432/commonweal" + tls, true, false, "", ""},
		{"the runtime role named", "postgres://donations@db:5432/commonweal" + tls, true, false, "", ""},
		{"another role named", "postgres://postgres@db:5432/commonweal" + tls, true, false, "", "names role postgres"},
		{"role in the query", "postgres://db:5432/commonweal" + tls + "&user=admin", true, false, "", "names role admin"},
		{"password in the query", "postgres://db:5432/commonweal" + tls + "&password=x", true, false, "", "carries a password"},
		{"no sslmode", "postgres://db:5432/commonweal", true, false, "no sslmode", "no sslmode"},
		{"sslmode=disable", "postgres://db:5432/commonweal?sslmode=disable", true, false, "sslmode=disable", "sslmode=disable"},
		{"sslmode=require (no verification)", "postgres://db:5432/commonweal?sslmode=require", true, false, "sslmode=require", "sslmode=require"},
		{"sslmode=verify-ca (no host name)", "postgres://db:5432/commonweal?sslmode=verify-ca", true, false, "sslmode=verify-ca", "sslmode=verify-ca"},
		{"a second sslmode", "postgres://db:5432/commonweal" + tls + "&sslmode=disable", true, false, "sslmode=disable", "sslmode=disable"},
		{"waived", "postgres://db:5432/commonweal?sslmode=disable", true, true, "", ""},
		{"waived, still no admin password for serve", "postgres://admin:pw@db:5432/commonweal?sslmode=disable", true, true, "", "carries a password"},
		{"not a URL", "host=db sslmode=verify-full", true, false, "not a postgres:// URL", "not a postgres:// URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Settings{AdminURL: tt.url, Schema: "donations", Production: tt.production, TLSWaived: tt.waived, URLSetting: "DONATIONS_DATABASE_URL"}
			for _, c := range []struct {
				cmd  string
				err  error
				want string
			}{{"migrate", s.CheckMigrate(), tt.migrate}, {"serve", s.CheckServe(), tt.serve}} {
				switch {
				case c.want == "" && c.err != nil:
					t.Errorf("%s: refused: %v", c.cmd, c.err)
				case c.want != "" && c.err == nil:
					t.Errorf("%s: accepted, want %q", c.cmd, c.want)
				case c.err != nil && (!strings.Contains(c.err.Error(), c.want) || !strings.HasPrefix(c.err.Error(), "DONATIONS_DATABASE_URL: ")):
					t.Errorf("%s: err = %v, want the setting named and %q", c.cmd, c.err, c.want)
				case c.err != nil && (strings.Contains(c.err.Error(), "secret") || strings.Contains(c.err.Error(), "pw@")):
					t.Errorf("%s: err = %v quotes the password", c.cmd, c.err)
				}
			}
		})
	}
	if err := (Settings{AdminURL: "postgres://db/x", Production: true}).CheckMigrate(); err == nil || !strings.HasPrefix(err.Error(), "DATABASE_URL: ") {
		t.Errorf("err = %v, want DATABASE_URL named by default", err)
	}
}
