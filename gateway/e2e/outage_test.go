package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pgsh runs deploy/local/pg.sh and returns what it prints (the server's URL for start).
func pgsh(t *testing.T, args ...string) string {
	t.Helper()
	script, err := filepath.Abs("../../deploy/local/pg.sh")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(script, args...).Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("pg.sh %v: %v\n%s", args, err, stderr)
	}
	return strings.TrimSpace(string(out))
}

// health reads /healthz: its HTTP status and each service's state.
func (s *Suite) health() (int, map[string]string) {
	s.t.Helper()
	resp, err := s.Client.Get(s.URL + "/healthz")
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	s.checkAPI(resp.Request, false, resp, raw) // openapi_validate_test.go
	var body struct {
		Services map[string]string `json:"services"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		s.t.Fatal(err)
	}
	return resp.StatusCode, body.Services
}

// waitHealth polls /healthz until want reports true for it.
func (s *Suite) waitHealth(what string, want func(code int, services map[string]string) bool) {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, services := s.health()
		if want(code, services) {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: /healthz still %d %v after 60s", what, code, services)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDatabaseOutage stops the database under a running suite: every service reports NOT_SERVING (so
// /healthz answers 503), calls that need the database answer 503 DATABASE_UNAVAILABLE, and once the
// database is back everything recovers without a restart.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	// A server of its own: stopping the shared one would take every other test down with it.
	dir, err := os.MkdirTemp("", "commonweal-outage-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // the postgres user runs the server
		t.Fatal(err)
	}
	t.Cleanup(func() { exec.Command("../../deploy/local/pg.sh", "stop", dir).Run(); os.RemoveAll(dir) })
	dbURL := pgsh(t, "start", dir)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, svc := range suiteServices {
		env = append(env, strings.ToUpper(svc)+"_DB_HEALTH_INTERVAL=100ms")
	}
	s := StartWith(t, Options{DBURL: dbURL, Env: env})
	organizer := s.Token("org-outage", []string{"ORGANIZER"}, "")
	newRound := map[string]any{"name": "停电演练", "year": 2026}
	st, round := s.Do("POST", "/v1/rounds", organizer, newRound)
	if st != http.StatusOK {
		t.Fatalf("create round: %d %v", st, round)
	}
	roundPath := "/v1/rounds/" + round["id"].(string)

	pgsh(t, "stop", dir)
	s.waitHealth("database stopped", func(code int, services map[string]string) bool {
		return code == http.StatusServiceUnavailable && allAre(services, "NOT_SERVING")
	})
	for _, call := range []struct {
		method, path string
		body         any
	}{{"GET", roundPath, nil}, {"POST", "/v1/rounds", newRound}} {
		st, body := s.Do(call.method, call.path, organizer, call.body)
		if st != http.StatusServiceUnavailable || Reason(body) != "DATABASE_UNAVAILABLE" {
			t.Errorf("%s %s with the database down: %d %s, want 503 DATABASE_UNAVAILABLE", call.method, call.path, st, Reason(body))
		}
	}

	pgsh(t, "start", dir, u.Port())
	s.waitHealth("database restarted", func(code int, services map[string]string) bool {
		return code == http.StatusOK && allAre(services, "SERVING")
	})
	if st, body := s.Do("GET", roundPath, organizer, nil); st != http.StatusOK || body["name"] != "停电演练" {
		t.Fatalf("read after recovery: %d %v", st, body)
	}
	if st, body := s.Do("POST", "/v1/rounds", organizer, newRound); st != http.StatusOK {
		t.Fatalf("write after recovery: %d %v", st, body)
	}
	if n := s.Count(`SELECT count(*) FROM applications.rounds`); n != 2 {
		t.Fatalf("%d rounds stored, want 2 (one before the outage, one after; none during)", n)
	}
}

// allAre reports whether every service of the suite is in state.
func allAre(states map[string]string, state string) bool {
	if len(states) != len(suiteServices) {
		return false
	}
	for _, s := range states {
		if s != state {
			return false
		}
	}
	return true
}
