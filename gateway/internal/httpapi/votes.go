package httpapi

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"

	"github.com/commonweal/commonweal/gateway/internal/votes"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
)

// castVotePattern is the route of ReviewsService.CastVote (its google.api.http binding); castVoteRoute its
// template, as grpc-gateway names it.
const (
	castVotePattern = "POST " + castVoteRoute
	castVoteRoute   = "/v1/rounds/{round_id}/applications/{application_id}/votes"
)

// voteBodyPeek is how much of a vote's body castVote reads to tell whether it is the plain vote it batches
// (a vote's body is "{}" or empty; anything longer goes the generic way).
const voteBodyPeek = 64

// maxVoterToken is CastVotes' documented maximum of a voter token (longer ones go the generic way, which
// answers them as before).
const maxVoterToken = 1024

// castVote serves the plain votes — an empty body or "{}", well-formed IDs in the path, a voter token, no
// request_id — through the batcher, and hands every other request to next (the grpc-gateway mux, which serves
// them one CastVote call each, with the same answers as ever). A batched vote's answer is written as the mux
// writes CastVote's: the same marshaler, forward-response options and error handler. Authentication, client
// network, rate limits, body limits and deadlines are the middleware's around both.
func castVote(b *votes.Batcher, mux *runtime.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := plainVote(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		vote, err := b.Cast(r.Context(), v)
		if errors.Is(err, votes.ErrClosed) {
			next.ServeHTTP(w, r) // shutting down: the body was "{}" or empty, and next reads it again
			return
		}
		// No server metadata in the context: a batched vote has no headers or trailers of its own to forward
		// (the generic path's CastVote call would have had none either).
		ctx := r.Context()
		_, out := runtime.MarshalerForRequest(mux, r)
		if err != nil {
			runtime.HTTPError(ctx, mux, out, w, r, err)
			return
		}
		runtime.ForwardResponseMessage(ctx, mux, out, w, r, vote, mux.GetForwardResponseOptions()...)
	})
}

// plainVote tells whether r is a plain vote and returns it. It reads at most voteBodyPeek bytes of the body
// and leaves r.Body reading the whole body again from its start (and failing as it would have).
func plainVote(r *http.Request) (votes.Vote, bool) {
	var peek []byte
	if r.Body != nil && r.Body != http.NoBody {
		buf := make([]byte, voteBodyPeek+1)
		n, err := io.ReadFull(r.Body, buf)
		peek = buf[:n]
		rest := r.Body
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(peek), rest), rest}
		if n > voteBodyPeek || err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return votes.Vote{}, false
		}
	}
	if body := bytes.TrimSpace(peek); len(body) != 0 && string(body) != "{}" {
		return votes.Vote{}, false
	}
	// Requests whose path is escaped, or that ask for something of the mux's generic machinery (trailers, a
	// gRPC timeout, a method override), go the generic way.
	if r.URL.RawPath != "" || r.Header.Get("Grpc-Timeout") != "" || r.Header.Get("X-HTTP-Method-Override") != "" ||
		strings.Contains(strings.ToLower(r.Header.Get("TE")), "trailers") {
		return votes.Vote{}, false
	}
	token := r.Header.Get("X-Voter-Token")
	if token == "" || len(token) > maxVoterToken || !printableASCII(token) {
		return votes.Vote{}, false
	}
	round, app := r.PathValue("round_id"), r.PathValue("application_id")
	if ids.Parse("round_id", round) != nil || ids.Parse("application_id", app) != nil {
		return votes.Vote{}, false
	}
	return votes.Vote{VoterToken: token, RoundID: round, ApplicationID: app, ClientNetwork: identity.ClientNetwork(r.Context())}, true
}

// printableASCII reports whether s is what gRPC metadata carries unchanged.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
