package httpapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPlainVote: only a vote the batcher answers exactly as CastVote would — an empty or "{}" body, IDs in
// the path, a voter token, nothing for the mux's generic machinery — is taken off the generic path, and a
// request left to it still reads its whole body.
func TestPlainVote(t *testing.T) {
	const round, app = "0b9a4f1e-58a2-4c1e-9d0a-0f6d1c2b3a41", "7c2e1d3b-4a5f-4e6d-8c7b-9a8f7e6d5c43"
	path := "/v1/rounds/" + round + "/applications/" + app + "/votes"
	for _, c := range []struct {
		name, path, body string
		headers          map[string]string
		plain            bool
	}{
		{"empty object", path, `{}`, map[string]string{"X-Voter-Token": "tok"}, true},
		{"no body", path, ``, map[string]string{"X-Voter-Token": "tok"}, true},
		{"spaces", path, " { }\n", map[string]string{"X-Voter-Token": "tok"}, false},
		{"object with spaces around", path, " {}\n", map[string]string{"X-Voter-Token": "tok"}, true},
		{"request_id", path, `{"request_id":"r1"}`, map[string]string{"X-Voter-Token": "tok"}, false},
		{"long body", path, `{"roundId":"` + strings.Repeat("x", 200) + `"}`, map[string]string{"X-Voter-Token": "tok"}, false},
		{"no token", path, `{}`, nil, false},
		{"token not printable", path, `{}`, map[string]string{"X-Voter-Token": "t\u00e9"}, false},
		{"malformed round", "/v1/rounds/r1/applications/" + app + "/votes", `{}`, map[string]string{"X-Voter-Token": "tok"}, false},
		{"escaped path", "/v1/rounds/" + round + "/applications/" + app[:35] + "%33/votes", `{}`, map[string]string{"X-Voter-Token": "tok"}, false},
		{"grpc timeout", path, `{}`, map[string]string{"X-Voter-Token": "tok", "Grpc-Timeout": "1S"}, false},
		{"trailers", path, `{}`, map[string]string{"X-Voter-Token": "tok", "TE": "trailers"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc(castVotePattern, func(w http.ResponseWriter, r *http.Request) {
				v, ok := plainVote(r)
				if ok != c.plain {
					t.Errorf("plain = %v, want %v", ok, c.plain)
				}
				if ok && (v.RoundID != round || v.ApplicationID != app || v.VoterToken != c.headers["X-Voter-Token"]) {
					t.Errorf("vote %+v", v)
				}
				if body, err := io.ReadAll(r.Body); err != nil || string(body) != c.body {
					t.Errorf("the body reads %q, %v; want %q", body, err, c.body)
				}
			})
			r := httptest.NewRequest("POST", c.path, strings.NewReader(c.body))
			for k, v := range c.headers {
				r.Header.Set(k, v)
			}
			mux.ServeHTTP(httptest.NewRecorder(), r)
		})
	}
}
