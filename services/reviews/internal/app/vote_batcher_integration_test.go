package app_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/dbtest"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
	"github.com/commonweal/commonweal/services/reviews/internal/store"
)

// gatedApps is the applications service of the fixture whose GetRound waits while the gate is shut, so the
// votes cast meanwhile queue up and the next batch holds many of them. It counts the round reads.
type gatedApps struct {
	*fakeApps
	mu    sync.Mutex
	gate  chan struct{} // nil: open
	reads atomic.Int64
	// after, when set, runs once a read has its answer (time passing on the way back).
	after func()
}

func (g *gatedApps) GetRound(ctx context.Context, id string) (domain.Round, error) {
	g.reads.Add(1)
	g.mu.Lock()
	gate := g.gate
	g.mu.Unlock()
	if gate != nil {
		<-gate
	}
	r, err := g.fakeApps.GetRound(ctx, id)
	g.mu.Lock()
	after := g.after
	g.mu.Unlock()
	if after != nil {
		after()
	}
	return r, err
}

func (g *gatedApps) shut() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gate = make(chan struct{})
}

func (g *gatedApps) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.gate != nil {
		close(g.gate)
		g.gate = nil
	}
}

// promotion takes the fixture to a published shortlist (A, B, C) in PROMOTION with votesPerDay, and returns
// use cases whose round reads go through a gate.
func promotion(t *testing.T, votesPerDay int) (*fixture, *app.Service, *gatedApps) {
	t.Helper()
	f := setup(t, nil, nil)
	f.publishedShortlist(t)
	f.apps.mu.Lock()
	f.apps.round.Policy.VotesPerVoterPerDay = votesPerDay
	f.apps.mu.Unlock()
	f.apps.setPhase(domain.PhasePromotion, f.clock.Now())
	g := &gatedApps{fakeApps: f.apps}
	return f, f.with(func(c *app.Config) { c.Apps = g }), g
}

type voteCall struct {
	token, application string
	ctx                context.Context
	round              string // "": the fixture's round
}

type voteAnswer struct {
	call voteCall
	vote domain.Vote
	err  error
}

// castAll casts the votes concurrently while the round reads are held at the gate, then opens it, and returns
// every answer.
func castAll(t *testing.T, svc *app.Service, g *gatedApps, roundID string, calls []voteCall) []voteAnswer {
	t.Helper()
	g.shut()
	out := make([]voteAnswer, len(calls))
	var started, wg sync.WaitGroup
	for i, c := range calls {
		started.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := c.ctx
			if ctx == nil {
				ctx = anyone
			}
			round := c.round
			if round == "" {
				round = roundID
			}
			started.Done()
			v, err := svc.CastVote(ctx, app.CastVote{VoterToken: c.token, RoundID: round, ApplicationID: c.application})
			out[i] = voteAnswer{call: c, vote: v, err: err}
		}()
	}
	started.Wait()
	g.open()
	wg.Wait()
	t.Logf("%d votes, %d round reads", len(calls), g.reads.Load())
	return out
}

// storedVotes counts the votes of the round in the database, and those among ids.
func storedVotes(t *testing.T, f *fixture, ids []string) (all, among int) {
	t.Helper()
	err := f.pool.QueryRow(context.Background(), `SELECT count(*), count(*) FILTER (WHERE id::text = ANY($2)) FROM votes WHERE round_id = $1`,
		f.apps.round.ID, ids).Scan(&all, &among)
	if err != nil {
		t.Fatal(err)
	}
	return all, among
}

func reasonOf(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, domain.ErrAlreadyVoted):
		return "again"
	case errors.Is(err, domain.ErrVoterTokenInvalid):
		return "token"
	case errors.Is(err, domain.ErrNotOnShortlist):
		return "not-shortlisted"
	case errors.Is(err, domain.ErrVotingClosed):
		return "closed"
	case errors.Is(err, errs.ErrNotFound):
		return "NOT_FOUND"
	}
	return err.Error()
}

// TestGroupCommitCountsExactly casts many votes at once, from distinct voters and from voters voting again,
// with unknown tokens and a vote for an application off the shortlist among them: each voter's first vote for
// an application counts, every repeat is VOTE_ALREADY_CAST, and the tallies and the stored votes are exactly
// the votes answered OK, with the network each came from.
func TestGroupCommitCountsExactly(t *testing.T) {
	f, svc, g := promotion(t, 1)
	const voters = 12
	tokens := make([]string, voters)
	for i := range tokens {
		tokens[i] = f.voterToken(t, fmt.Sprintf("138000001%02d", i))
	}
	var calls []voteCall
	for i, tok := range tokens {
		ctx := identity.WithClientNetwork(anyone, fmt.Sprintf("198.51.100.%d/32", i))
		for _, a := range []string{f.A, f.B, f.C} {
			calls = append(calls, voteCall{token: tok, application: a, ctx: ctx})
		}
		calls = append(calls, voteCall{token: tok, application: f.A, ctx: ctx}, voteCall{token: tok, application: f.A, ctx: ctx})
	}
	// Among them: an unknown token, an application off the shortlist, and an unknown round (NOT_FOUND; with an
	// unknown token too, the token is refused first, as a vote written alone is).
	unknownRound := ids.New()
	calls = append(calls, voteCall{token: "not-a-token", application: f.A}, voteCall{token: tokens[0], application: f.I},
		voteCall{token: tokens[0], application: f.A, round: unknownRound}, voteCall{token: "not-a-token", application: f.A, round: unknownRound})
	want := map[string]int{"ok": 3 * voters, "again": 2 * voters, "token": 2, "not-shortlisted": 1, "NOT_FOUND": 1}

	answers := castAll(t, svc, g, f.apps.round.ID, calls)
	got := map[string]int{}
	var okIDs []string
	for _, a := range answers {
		got[reasonOf(a.err)]++
		if a.err == nil {
			okIDs = append(okIDs, a.vote.ID)
			if a.vote.VoterID == "" || a.vote.Day != "2026-05-01" || a.vote.CastAt.IsZero() || a.vote.ClientNetwork != identity.ClientNetwork(a.call.ctx) || a.vote.ApplicationID != a.call.application {
				t.Fatalf("answered vote %+v for %+v", a.vote, a.call)
			}
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("answers %v, want %v", got, want)
	}
	if all, among := storedVotes(t, f, okIDs); all != len(okIDs) || among != len(okIDs) {
		t.Fatalf("%d votes stored, %d of the %d answered OK", all, among, len(okIDs))
	}
	var networks int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(DISTINCT client_network) FROM votes WHERE round_id = $1`, f.apps.round.ID).Scan(&networks); err != nil || networks != voters {
		t.Fatalf("%d networks stored (%v), want %d", networks, err, voters)
	}
	tallies, err := svc.Tallies(anyone, f.apps.round.ID)
	if err != nil || len(tallies) != 3 {
		t.Fatalf("tallies = %+v %v", tallies, err)
	}
	for _, tl := range tallies {
		if tl.Votes != voters {
			t.Fatalf("tallies = %+v, want %d each", tallies, voters)
		}
	}
	// A voter whose vote counted is refused again through the per-vote path too.
	if _, err := svc.CastVote(anyone, app.CastVote{Key: idempotency.Key{RequestID: "again", Fingerprint: []byte("again")}, VoterToken: tokens[1], RoundID: f.apps.round.ID, ApplicationID: f.B}); !errors.Is(err, domain.ErrAlreadyVoted) {
		t.Fatalf("vote again with a request ID: %v", err)
	}
}

// TestGroupCommitHonoursTheAllowance checks a policy of three votes a day: of five votes cast at once by one
// voter for one application, three count and two are VOTE_ALREADY_CAST; voiding one of them gives no vote
// back; the next day brings three more.
func TestGroupCommitHonoursTheAllowance(t *testing.T) {
	f, svc, g := promotion(t, 3)
	token := f.voterToken(t, "13800000201")
	other := f.voterToken(t, "13800000202")
	calls := []voteCall{{token: other, application: f.A}}
	for range 5 {
		calls = append(calls, voteCall{token: token, application: f.A})
	}
	answers := castAll(t, svc, g, f.apps.round.ID, calls)
	got := map[string]int{}
	var okIDs []string
	for _, a := range answers[1:] {
		got[reasonOf(a.err)]++
		if a.err == nil {
			okIDs = append(okIDs, a.vote.ID)
		}
	}
	if answers[0].err != nil || got["ok"] != 3 || got["again"] != 2 {
		t.Fatalf("answers %v (other voter: %v), want 3 ok and 2 again", got, answers[0].err)
	}
	if _, err := svc.VoidVotes(operator, app.VoidVotes{RoundID: f.apps.round.ID, VoteIDs: okIDs[:1], Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CastVote(anyone, app.CastVote{VoterToken: token, RoundID: f.apps.round.ID, ApplicationID: f.A}); !errors.Is(err, domain.ErrAlreadyVoted) {
		t.Fatalf("a fourth vote after one was voided: %v", err)
	}
	var stored string
	if err := f.pool.QueryRow(context.Background(), `SELECT string_agg(slot::text, ',' ORDER BY slot) FROM votes v JOIN voter_tokens t ON t.voter_id = v.voter_id
		WHERE t.token_hash = sha256($1::bytea)`, token).Scan(&stored); err != nil || stored != "1,2,3" {
		t.Fatalf("slots stored %q %v, want 1,2,3", stored, err)
	}
	f.clock.Add(8 * time.Hour) // 01:00 the next day in Shanghai, the token still valid
	answers = castAll(t, svc, g, f.apps.round.ID, []voteCall{{token: token, application: f.A}, {token: token, application: f.A}, {token: token, application: f.A}, {token: token, application: f.A}})
	got = map[string]int{}
	for _, a := range answers {
		got[reasonOf(a.err)]++
	}
	if got["ok"] != 3 || got["again"] != 1 {
		t.Fatalf("the next day: %v, want 3 ok and 1 again", got)
	}
	tallies, err := svc.Tallies(anyone, f.apps.round.ID)
	if err != nil || len(tallies) != 1 || tallies[0].Votes != 1+3-1+3 {
		t.Fatalf("tallies = %+v %v, want %d (one voided)", tallies, err, 1+3-1+3)
	}
}

// TestGroupCommitRefusesOnceVotingCloses checks a batch reads the round: once it has left PROMOTION a vote is
// VOTING_CLOSED (an unknown token still VOTER_TOKEN_INVALID first, as before), and nothing more is stored.
func TestGroupCommitRefusesOnceVotingCloses(t *testing.T) {
	f, svc, g := promotion(t, 1)
	one, two := f.voterToken(t, "13800000301"), f.voterToken(t, "13800000302")
	// The read of the round takes a minute: the votes' instant is the one before it (a close committed during
	// the read is stamped after it, so these votes stay before the cutoff).
	g.mu.Lock()
	g.after = func() { f.clock.Add(time.Minute) }
	g.mu.Unlock()
	before := f.clock.Now()
	answers := castAll(t, svc, g, f.apps.round.ID, []voteCall{{token: one, application: f.A}, {token: two, application: f.A}})
	g.mu.Lock()
	g.after = nil
	g.mu.Unlock()
	for _, a := range answers {
		if a.err != nil {
			t.Fatal(a.err)
		}
		// Each read moved the clock a minute: a vote stamped before its batch's read is before the clock now.
		if a.vote.CastAt.Before(before) || !a.vote.CastAt.Before(f.clock.Now()) {
			t.Fatalf("vote cast at %s, want in [%s, %s): the instant before its round was read", a.vote.CastAt, before, f.clock.Now())
		}
	}
	f.clock.Add(time.Minute)
	f.apps.setPhase(domain.PhaseFinalReview, f.clock.Now())
	answers = castAll(t, svc, g, f.apps.round.ID, []voteCall{{token: one, application: f.B}, {token: two, application: f.C}, {token: "not-a-token", application: f.B}})
	got := map[string]int{}
	for _, a := range answers {
		got[reasonOf(a.err)]++
	}
	if got["closed"] != 2 || got["token"] != 1 {
		t.Fatalf("votes after the close: %v", got)
	}
	if all, _ := storedVotes(t, f, nil); all != 2 {
		t.Fatalf("%d votes stored, want 2", all)
	}
	if tallies, err := svc.Tallies(anyone, f.apps.round.ID); err != nil || len(tallies) != 1 || tallies[0].Votes != 2 {
		t.Fatalf("tallies = %+v %v", tallies, err)
	}
}

// failingVotes is the repository whose batch insert, from slot from on, writes and then fails: a statement (or
// the unit of work it is part of) that breaks half way, so what it wrote is rolled back.
type failingVotes struct {
	app.Repository
	pool *pgxpool.Pool
	from int
}

func (r failingVotes) InsertVotesInSlot(ctx context.Context, votes []app.BatchVote, slot int) (map[string]string, error) {
	if slot < r.from {
		return r.Repository.InsertVotesInSlot(ctx, votes, slot)
	}
	return nil, db.InTx(ctx, r.pool, func(ctx context.Context) error {
		if _, err := r.Repository.InsertVotesInSlot(ctx, votes, slot); err != nil {
			return err
		}
		return errors.New("disk full")
	})
}

// TestGroupCommitFailureAnswersEveryVote checks a batch whose write fails answers each of its votes with the
// error and stores none of them: the same voters' votes then count.
func TestGroupCommitFailureAnswersEveryVote(t *testing.T) {
	f, _, g := promotion(t, 1)
	failing := f.with(func(c *app.Config) { c.Apps, c.Repo = g, failingVotes{Repository: c.Repo, pool: f.pool, from: 1} })
	var calls []voteCall
	for i := range 6 {
		calls = append(calls, voteCall{token: f.voterToken(t, fmt.Sprintf("138000004%02d", i)), application: f.B})
	}
	for _, a := range castAll(t, failing, g, f.apps.round.ID, calls) {
		if a.err == nil || a.err.Error() != "disk full" || a.vote.ID != "" {
			t.Fatalf("vote in a failed batch: %+v %v", a.vote, a.err)
		}
	}
	if all, _ := storedVotes(t, f, nil); all != 0 {
		t.Fatalf("%d votes stored by a failed batch", all)
	}
	svc := f.with(func(c *app.Config) { c.Apps = g })
	for _, a := range castAll(t, svc, g, f.apps.round.ID, calls) {
		if a.err != nil {
			t.Fatalf("vote after the failed batch: %v", a.err)
		}
	}
	if all, _ := storedVotes(t, f, nil); all != len(calls) {
		t.Fatalf("%d votes stored, want %d", all, len(calls))
	}
}

// TestGroupCommitLaterSlotFailureKeepsStoredVotes checks a batch whose first votes are written (slot 1, a
// statement of its own) and whose later slots then fail: the votes stored are answered OK, each vote of the
// failed write gets the error and is not stored, and a retry of it then counts.
func TestGroupCommitLaterSlotFailureKeepsStoredVotes(t *testing.T) {
	f, _, g := promotion(t, 2)
	failing := f.with(func(c *app.Config) { c.Apps, c.Repo = g, failingVotes{Repository: c.Repo, pool: f.pool, from: 2} })
	twice, once := f.voterToken(t, "13800000451"), f.voterToken(t, "13800000452")
	answers := castAll(t, failing, g, f.apps.round.ID, []voteCall{{token: twice, application: f.A}, {token: once, application: f.B}, {token: twice, application: f.A}})
	var okIDs []string
	failed := 0
	for _, a := range answers {
		switch {
		case a.err == nil && a.vote.ID != "" && a.vote.VoterID != "":
			okIDs = append(okIDs, a.vote.ID)
		case a.err != nil && a.err.Error() == "disk full" && a.vote.ID == "" && a.call.token == twice:
			failed++
		default:
			t.Fatalf("answer %+v %v", a.vote, a.err)
		}
	}
	if len(okIDs) != 2 || failed != 1 {
		t.Fatalf("%d votes answered OK, %d failed; want 2 and 1 (the second vote of the same voter)", len(okIDs), failed)
	}
	if all, among := storedVotes(t, f, okIDs); all != 2 || among != 2 {
		t.Fatalf("%d votes stored, %d of them answered OK; want exactly the 2 answered OK", all, among)
	}
	svc := f.with(func(c *app.Config) { c.Apps = g })
	answers = castAll(t, svc, g, f.apps.round.ID, []voteCall{{token: twice, application: f.A}, {token: twice, application: f.A}})
	got := map[string]int{}
	for _, a := range answers {
		got[reasonOf(a.err)]++
	}
	if got["ok"] != 1 || got["again"] != 1 {
		t.Fatalf("the retry: %v, want 1 ok (the second slot) and 1 again", got)
	}
	if all, _ := storedVotes(t, f, nil); all != 3 {
		t.Fatalf("%d votes stored, want 3", all)
	}
}

// TestGroupCommitDrainsOnStop checks the service's stop: DrainVotes returns once every queued vote is
// written and answered; a caller that gave up while waiting got its context's error, yet its vote (like a
// lost reply) is stored; and votes after the stop still count, one unit of work each.
func TestGroupCommitDrainsOnStop(t *testing.T) {
	f, svc, g := promotion(t, 1)
	stop, stopping := context.WithCancel(context.Background())
	drained := make(chan struct{})
	go func() { svc.DrainVotes(stop); close(drained) }()

	leaving, leave := context.WithCancel(anyone)
	g.shut()
	left := make(chan error)
	token := f.voterToken(t, "13800000501")
	go func() {
		_, err := svc.CastVote(leaving, app.CastVote{VoterToken: token, RoundID: f.apps.round.ID, ApplicationID: f.A})
		left <- err
	}()
	for g.reads.Load() == 0 { // the vote's batch is reading the round
		select {
		case err := <-left:
			t.Fatalf("vote answered before its batch read the round: %v", err)
		default:
		}
		runtime.Gosched()
	}
	leave()
	if err := <-left; !errors.Is(err, context.Canceled) {
		t.Fatalf("caller who gave up: %v", err)
	}
	stopping()
	g.open()
	<-drained
	if all, _ := storedVotes(t, f, nil); all != 1 {
		t.Fatalf("%d votes stored, want the abandoned caller's one", all)
	}
	v, err := svc.CastVote(anyone, app.CastVote{VoterToken: f.voterToken(t, "13800000502"), RoundID: f.apps.round.ID, ApplicationID: f.A})
	if err != nil {
		t.Fatalf("vote after the stop: %v", err)
	}
	if _, among := storedVotes(t, f, []string{v.ID}); among != 1 {
		t.Fatal("the vote answered OK after the stop is not stored")
	}
}

// BenchmarkGroupCommit casts votes of distinct voters from 32 goroutines through the use case (no gRPC, no
// gateway: the use case and PostgreSQL only) and reports votes/s, with the group commit ("batched") and
// without ("alone"). With PGTEST_DURABLE=1 the private server commits durably, as in production.
func BenchmarkGroupCommit(b *testing.B) {
	for _, c := range []struct {
		name  string
		batch int
	}{{"batched", 0}, {"alone", -1}} {
		b.Run(c.name, func(b *testing.B) { benchCastVotes(b, c.batch) })
	}
}

func benchCastVotes(b *testing.B, batch int) {
	ctx := context.Background()
	pool := schema.Pool(b, 64)
	roundID, appID := ids.New(), ids.New()
	p := policy()
	apps := &fakeApps{round: domain.Round{ID: roundID, Phase: domain.PhasePromotion, Policy: p}}
	for _, q := range []string{
		`INSERT INTO shortlists (round_id, state, computed_at, computed_by) VALUES ($1, 'PUBLISHED', now(), 'bench')`,
		`INSERT INTO shortlist_entries (round_id, application_id, panel_score, rank, shortlisted, idea_only, first_submit_at, inputs)
			VALUES ($1, $2, 80, 1, true, false, now(), '{}')`,
		`INSERT INTO voters (id, phone_hmac, created_at) SELECT md5($1 || i)::uuid, sha256(($1 || i)::bytea), now() FROM generate_series(1, $3) i`,
		`INSERT INTO voter_tokens (token_hash, voter_id, expires_at, created_at) SELECT sha256(('token-' || $1 || i)::bytea), md5($1 || i)::uuid, now() + interval '1 day', now() FROM generate_series(1, $3) i`,
	} {
		args := []any{roundID, appID, b.N}
		if strings.Contains(q, "voters") || strings.Contains(q, "voter_tokens") {
			args = []any{roundID, b.N}
			q = strings.ReplaceAll(q, "$3", "$2")
		} else if !strings.Contains(q, "$2") {
			args = args[:1]
		} else {
			args = args[:2]
		}
		if _, err := pool.Exec(ctx, q, args...); err != nil {
			b.Fatal(err)
		}
	}
	svc := app.New(app.Config{Repo: store.New(pool, dbtest.Box(b)), Requests: idempotency.NewPG(pool), Apps: apps, PhoneKey: []byte("k"), VoteBatch: batch})
	var next, failed atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1)
			if _, err := svc.CastVote(ctx, app.CastVote{VoterToken: fmt.Sprintf("token-%s%d", roundID, i), RoundID: roundID, ApplicationID: appID}); err != nil {
				if failed.Add(1) == 1 {
					b.Error(err)
				}
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "votes/s")
	var stored int64
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM votes WHERE round_id = $1`, roundID).Scan(&stored); err != nil || stored != int64(b.N) {
		b.Fatalf("%d votes stored (%v), want %d", stored, err, b.N)
	}
}

// TestCastVotesAnswersEachVote casts one batch as the gateway sends it: each vote is answered in its place
// with its own vote or its own error, as CastVote answers it — repeats, an unknown or missing token, an
// application off the shortlist, a malformed ID — and each stored vote keeps its own client network.
func TestCastVotesAnswersEachVote(t *testing.T) {
	f, svc, _ := promotion(t, 1)
	t1, t2 := f.voterToken(t, "13800000201"), f.voterToken(t, "13800000202")
	in := []app.BatchedVote{
		{VoterToken: t1, RoundID: f.apps.round.ID, ApplicationID: f.A, ClientNetwork: "198.51.100.0/24"},
		{VoterToken: t2, RoundID: f.apps.round.ID, ApplicationID: f.A, ClientNetwork: "203.0.113.0/24"},
		{VoterToken: t1, RoundID: f.apps.round.ID, ApplicationID: f.A}, // a repeat of the first
		{VoterToken: "not-a-token", RoundID: f.apps.round.ID, ApplicationID: f.B},
		{VoterToken: t2, RoundID: f.apps.round.ID, ApplicationID: f.I}, // off the shortlist
		{VoterToken: "", RoundID: f.apps.round.ID, ApplicationID: f.B},
		{VoterToken: t2, RoundID: f.apps.round.ID, ApplicationID: "not-an-id"},
		{VoterToken: t1, RoundID: f.apps.round.ID, ApplicationID: f.C},
	}
	want := []string{"ok", "ok", "again", "token", "not-shortlisted", "token", "INVALID_ID", "ok"}
	out := svc.CastVotes(anyone, in)
	if len(out) != len(in) {
		t.Fatalf("%d answers for %d votes", len(out), len(in))
	}
	var okIDs []string
	for k, r := range out {
		got := reasonOf(r.Err)
		if e, ok := errs.As(r.Err); ok && got == r.Err.Error() {
			got = e.Reason
		}
		if got != want[k] {
			t.Errorf("vote %d: %s (%v), want %s", k, got, r.Err, want[k])
		}
		if r.Err == nil {
			okIDs = append(okIDs, r.Vote.ID)
			if r.Vote.ApplicationID != in[k].ApplicationID || r.Vote.ClientNetwork != in[k].ClientNetwork || r.Vote.VoterID == "" {
				t.Errorf("vote %d answered %+v for %+v", k, r.Vote, in[k])
			}
		}
	}
	if all, among := storedVotes(t, f, okIDs); all != len(okIDs) || among != len(okIDs) {
		t.Fatalf("%d votes stored, %d of the %d answered OK", all, among, len(okIDs))
	}
	var n int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM votes WHERE round_id = $1 AND id::text = $2 AND client_network = '203.0.113.0/24'`,
		f.apps.round.ID, out[1].Vote.ID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the second vote's network: %d rows, %v", n, err)
	}
}

// TestGroupCommitReusesARecentRoundRead: with VoteRoundReuse, votes are stamped that long before their batch
// is written, and a batch reuses an earlier round read that began at or after its stamp (so each vote is still
// stamped before the read it is checked against); past that the round is read again, and a close is seen.
func TestGroupCommitReusesARecentRoundRead(t *testing.T) {
	f, _, g := promotion(t, 1)
	const reuse = time.Hour
	svc := f.with(func(c *app.Config) { c.Apps = g; c.VoteRoundReuse = reuse })
	one, two, three := f.voterToken(t, "13800000401"), f.voterToken(t, "13800000402"), f.voterToken(t, "13800000403")
	first := f.clock.Now()
	v1, err := svc.CastVote(anyone, app.CastVote{VoterToken: one, RoundID: f.apps.round.ID, ApplicationID: f.A})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Second)
	v2, err := svc.CastVote(anyone, app.CastVote{VoterToken: two, RoundID: f.apps.round.ID, ApplicationID: f.A})
	if err != nil {
		t.Fatal(err)
	}
	if n := g.reads.Load(); n != 1 || !v1.CastAt.Equal(first.Add(-reuse)) || !v2.CastAt.Equal(first.Add(time.Second-reuse)) {
		t.Fatalf("%d reads, votes cast at %s and %s; want one read, the votes at %s and a second later", n, v1.CastAt, v2.CastAt, first.Add(-reuse))
	}
	// Past the reuse the round is read again: it has left PROMOTION.
	f.clock.Add(reuse)
	f.apps.setPhase(domain.PhaseFinalReview, f.clock.Now())
	if _, err := svc.CastVote(anyone, app.CastVote{VoterToken: three, RoundID: f.apps.round.ID, ApplicationID: f.A}); reasonOf(err) != "closed" {
		t.Fatalf("a vote after the reuse and the close: %v, want VOTING_CLOSED", err)
	}
	if n := g.reads.Load(); n != 2 {
		t.Fatalf("%d reads, want 2", n)
	}
}
