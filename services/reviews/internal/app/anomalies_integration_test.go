package app_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// lowThresholds flag five votes: five voters from one network, five votes for one application in a minute,
// five votes by new voters in an hour.
func lowAnomalyThresholds(roundID string) app.VoteAnomalyQuery {
	return app.VoteAnomalyQuery{RoundID: roundID, MinNetworkVoters: 5, MinBurstVotes: 5, MinNewVoterVotes: 5}
}

func voteTallyOf(t *testing.T, f *fixture, application string) int64 {
	t.Helper()
	tallies, err := f.svc.Tallies(anyone, f.apps.round.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tl := range tallies {
		if tl.ApplicationID == application {
			return tl.Votes
		}
	}
	return 0
}

func voteTableRows(t *testing.T, f *fixture, sql string) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestVoidingABurst casts three ordinary votes for A (old voters, different networks, minutes apart) and a
// burst of six votes for B within one minute by voters verified just before, all from one /24: the burst shows
// as BURST, NETWORK_CLUSTER and NEW_VOTERS with exactly its votes. Voiding them takes them out of the
// tallies, the signals and the computed results, and keeps every vote row; voiding again counts them as
// already void; a request naming one unknown vote voids nothing; once the results are approved voiding is
// refused.
func TestVoidingABurst(t *testing.T) {
	don := &fakeDonations{confirmed: map[string]int64{}}
	fund := fakeFunding{pool: 100_000_000, share: map[int64]int64{}}
	f := setup(t, don, fund)
	roundID := f.apps.round.ID
	f.publishedShortlist(t)
	f.apps.setPhase(domain.PhasePromotion, f.clock.Now())

	// Ordinary votes for A: voters verified an hour before, from different networks (one unknown).
	var old []string
	for i := range 3 {
		old = append(old, f.voterToken(t, fmt.Sprintf("1380000010%d", i)))
	}
	f.clock.Add(time.Hour)
	var aVotes []string
	for i, network := range []string{"198.51.100.0/24", "2001:db8:1:2::/64", ""} {
		v, err := f.svc.CastVote(identity.WithClientNetwork(anyone, network), app.CastVote{VoterToken: old[i], RoundID: roundID, ApplicationID: f.A})
		if err != nil {
			t.Fatal(err)
		}
		if v.ClientNetwork != network {
			t.Fatalf("vote's network = %q, want %q", v.ClientNetwork, network)
		}
		aVotes = append(aVotes, v.ID)
		f.clock.Add(10 * time.Minute)
	}

	// The burst for B: six voters verified on the spot, from one /24, within one minute.
	now := f.clock.Now()
	f.clock.Add(now.Truncate(time.Minute).Add(time.Minute).Sub(now))
	burstStart := f.clock.Now()
	var burst []string
	for i := range 6 {
		token := f.voterToken(t, fmt.Sprintf("1390000020%d", i))
		v, err := f.svc.CastVote(identity.WithClientNetwork(anyone, "203.0.113.0/24"), app.CastVote{VoterToken: token, RoundID: roundID, ApplicationID: f.B})
		if err != nil {
			t.Fatal(err)
		}
		burst = append(burst, v.ID)
		f.clock.Add(5 * time.Second)
	}
	if a, b := voteTallyOf(t, f, f.A), voteTallyOf(t, f, f.B); a != 3 || b != 6 {
		t.Fatalf("tallies before voiding: A %d, B %d; want 3, 6", a, b)
	}

	signals, err := f.svc.ListVoteAnomalies(operator, lowAnomalyThresholds(roundID))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[domain.AnomalyKind]domain.VoteAnomaly{}
	for _, s := range signals {
		if _, dup := kinds[s.Kind]; dup {
			t.Fatalf("two %s signals: %+v", s.Kind, signals)
		}
		kinds[s.Kind] = s
	}
	if len(signals) != 3 {
		t.Fatalf("signals = %+v, want a BURST, a NETWORK_CLUSTER and a NEW_VOTERS", signals)
	}
	for kind, s := range kinds {
		got := slices.Clone(s.VoteIDs)
		if !slices.Equal(got, burst) || s.Votes != 6 || s.Voters != 6 || s.VotesTruncated || s.Description == "" {
			t.Errorf("%s: %d votes by %d voters %v (%q), want the six burst votes %v", kind, s.Votes, s.Voters, got, s.Description, burst)
		}
	}
	if b := kinds[domain.AnomalyBurst]; b.ApplicationID != f.B || !b.WindowStart.Equal(burstStart) || !b.WindowEnd.Equal(burstStart.Add(time.Minute)) {
		t.Errorf("burst = %+v, want B in [%s, +1m)", b, burstStart)
	}
	if c := kinds[domain.AnomalyNetworkCluster]; c.Network != "203.0.113.0/24" || c.ApplicationID != f.B || !c.WindowStart.Equal(burstStart) ||
		!c.WindowEnd.Equal(burstStart.Add(25*time.Second)) {
		t.Errorf("cluster = %+v, want 203.0.113.0/24 for B from the first to the last burst vote", c)
	}
	if n := kinds[domain.AnomalyNewVoters]; n.ApplicationID != f.B {
		t.Errorf("new voters = %+v, want B", n)
	}
	// At the defaults (100 votes a minute, 20 voters a network, 50 new-voter votes) nothing is flagged.
	if def, err := f.svc.ListVoteAnomalies(operator, app.VoteAnomalyQuery{RoundID: roundID}); err != nil || len(def) != 0 {
		t.Fatalf("signals at the defaults = %+v, %v; want none", def, err)
	}
	if _, err := f.svc.ListVoteAnomalies(operator, app.VoteAnomalyQuery{RoundID: roundID, BurstWindowSeconds: -1}); !errors.Is(err, domain.ErrInvalidThreshold) {
		t.Fatalf("negative window: %v, want INVALID_THRESHOLD", err)
	}
	if _, err := f.svc.ListVoteAnomalies(operator, lowAnomalyThresholds(ids.New())); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("unknown round: %v, want NOT_FOUND", err)
	}

	// A request naming one vote that is not the round's voids nothing, not even the round's vote it names.
	stranger := ids.New()
	if _, err := f.svc.VoidVotes(operator, app.VoidVotes{RoundID: roundID, VoteIDs: []string{aVotes[0], stranger}, Reason: "test"}); !errors.Is(err, domain.ErrVoteNotInRound) {
		t.Fatalf("void with an unknown vote: %v, want VOTE_NOT_FOUND", err)
	}
	if a := voteTallyOf(t, f, f.A); a != 3 {
		t.Fatalf("a refused void changed A's tally to %d", a)
	}

	key := idempotency.Key{RequestID: "void-burst", Fingerprint: []byte("burst")}
	void := app.VoidVotes{Key: key, RoundID: roundID, VoteIDs: burst, Reason: "six new voters from one /24 within a minute"}
	out, err := f.svc.VoidVotes(operator, void)
	if err != nil || out != (domain.VoidOutcome{Voided: 6}) {
		t.Fatalf("void the burst = %+v, %v; want 6 voided", out, err)
	}
	if again, err := f.svc.VoidVotes(operator, void); err != nil || again != out {
		t.Fatalf("retried void = %+v, %v; want the first answer %+v", again, err, out)
	}
	if again, err := f.svc.VoidVotes(operator, app.VoidVotes{RoundID: roundID, VoteIDs: burst[:3], Reason: "again"}); err != nil ||
		again != (domain.VoidOutcome{AlreadyVoid: 3}) {
		t.Fatalf("voiding void votes = %+v, %v; want 3 already void", again, err)
	}
	if a, b := voteTallyOf(t, f, f.A), voteTallyOf(t, f, f.B); a != 3 || b != 0 {
		t.Fatalf("tallies after voiding: A %d, B %d; want 3, 0", a, b)
	}
	if n := voteTableRows(t, f, `SELECT count(*) FROM votes`); n != 9 {
		t.Fatalf("%d vote rows, want all 9 kept", n)
	}
	if after, err := f.svc.ListVoteAnomalies(operator, lowAnomalyThresholds(roundID)); err != nil || len(after) != 0 {
		t.Fatalf("signals after voiding = %+v, %v; want none", after, err)
	}

	// The voided votes, oldest void first (one void: by vote ID), in keyset pages, with who, when and why.
	first, err := f.svc.ListVoidedVotes(operator, app.VoidedVoteFilter{RoundID: roundID, Limit: 4})
	if err != nil || len(first) != 4 {
		t.Fatalf("first page = %d, %v", len(first), err)
	}
	last := first[len(first)-1]
	rest, err := f.svc.ListVoidedVotes(operator, app.VoidedVoteFilter{RoundID: roundID, AfterTime: last.VoidedAt, AfterID: last.Vote.ID, Limit: 4})
	if err != nil || len(rest) != 2 {
		t.Fatalf("second page = %d, %v", len(rest), err)
	}
	var listed []string
	for _, w := range append(first, rest...) {
		listed = append(listed, w.Vote.ID)
		if w.Reason != void.Reason || w.VoidedBy != "operator" || w.Vote.ApplicationID != f.B || w.Vote.ClientNetwork != "203.0.113.0/24" || w.VoidedAt.IsZero() {
			t.Errorf("voided vote %+v", w)
		}
	}
	want := slices.Sorted(slices.Values(burst))
	if !slices.Equal(listed, want) {
		t.Fatalf("voided votes %v, want %v", listed, want)
	}

	// The results count A's three votes and none of B's.
	f.clock.Add(time.Hour)
	f.apps.setPhase(domain.PhaseFinalReview, f.clock.Now())
	final := f.panel(t, domain.StageFinal, finalMembers("f", 20))
	f.scoreAll(t, final, map[string]int{f.A: 75, f.B: 85, f.C: 65})
	res, err := f.svc.ComputeResults(operator, f.roundCmd())
	if err != nil {
		t.Fatal(err)
	}
	votes := map[string]int64{}
	for _, e := range res.Entries {
		votes[e.ApplicationID] = e.Inputs.Votes
	}
	if votes[f.A] != 3 || votes[f.B] != 0 {
		t.Fatalf("results count votes %v, want A 3 and B 0", votes)
	}

	// Once the results are approved, voiding is refused and records nothing.
	f.apps.setPhase(domain.PhaseApproval, f.clock.Now())
	if _, err := f.svc.ApproveResults(organizer, f.roundCmd()); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.VoidVotes(operator, app.VoidVotes{RoundID: roundID, VoteIDs: aVotes[:1], Reason: "late"})
	if !errors.Is(err, domain.ErrVoidResultsApproved) {
		t.Fatalf("void after approval: %v, want RESULTS_ALREADY_APPROVED", err)
	}
	if n := voteTableRows(t, f, `SELECT count(*) FROM vote_voids`); n != 6 {
		t.Fatalf("%d voids recorded, want the 6 of the burst", n)
	}
}

// TestAnomaliesAtTheDefaultsListTheFirstThousandVotes stores 1,001 votes for A within one second from one
// /24, by voters created five minutes before: at the default thresholds each signal counts all 1,001 and lists
// the first 1,000 by cast time, marked truncated.
func TestAnomaliesAtTheDefaultsListTheFirstThousandVotes(t *testing.T) {
	f := setup(t, nil, nil)
	roundID := f.apps.round.ID
	base := time.Date(2026, 5, 3, 10, 0, 0, 0, time.UTC) // on a minute and an hour boundary
	ctx := context.Background()
	if _, err := f.pool.Exec(ctx, `
		WITH s AS (SELECT i, gen_random_uuid() AS voter FROM generate_series(1, 1001) AS i),
		vs AS (INSERT INTO voters (id, phone_hmac, created_at)
			SELECT voter, decode(lpad(to_hex(i), 8, '0'), 'hex'), $3::timestamptz + i * interval '1 ms' - interval '5 minutes' FROM s)
		INSERT INTO votes (id, round_id, application_id, voter_id, vote_day, slot, cast_at, client_network)
		SELECT gen_random_uuid(), $1, $2, voter, date '2026-05-03', 1, $3::timestamptz + i * interval '1 ms', '203.0.113.0/24' FROM s`,
		roundID, f.A, base); err != nil {
		t.Fatal(err)
	}
	rows, err := f.pool.Query(ctx, `SELECT id::text FROM votes ORDER BY cast_at LIMIT 1000`)
	if err != nil {
		t.Fatal(err)
	}
	var first []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		first = append(first, id)
	}
	if rows.Err() != nil || len(first) != 1000 {
		t.Fatalf("read %d votes: %v", len(first), rows.Err())
	}

	signals, err := f.svc.ListVoteAnomalies(as("auditor", identity.Auditor), app.VoteAnomalyQuery{RoundID: roundID})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []domain.AnomalyKind
	for _, s := range signals {
		kinds = append(kinds, s.Kind)
		if s.Votes != 1001 || s.Voters != 1001 || !s.VotesTruncated || !slices.Equal(s.VoteIDs, first) {
			t.Errorf("%s: %d votes by %d voters, %d IDs listed (truncated %v), want 1,001 and the first 1,000", s.Kind, s.Votes, s.Voters, len(s.VoteIDs), s.VotesTruncated)
		}
	}
	// Equal sizes: the order is the kinds' own.
	if want := []domain.AnomalyKind{domain.AnomalyNetworkCluster, domain.AnomalyBurst, domain.AnomalyNewVoters}; !slices.Equal(kinds, want) {
		t.Fatalf("signals %v, want %v", kinds, want)
	}
	// A voter older than new_voter_seconds is not new: with 240 s, nobody is.
	signals, err = f.svc.ListVoteAnomalies(operator, app.VoteAnomalyQuery{RoundID: roundID, NewVoterSeconds: 240})
	if err != nil || len(signals) != 2 || slices.ContainsFunc(signals, func(s domain.VoteAnomaly) bool { return s.Kind == domain.AnomalyNewVoters }) {
		t.Fatalf("with voters new for 240 s: %+v, %v; want no NEW_VOTERS", len(signals), err)
	}
}
