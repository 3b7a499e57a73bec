package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// notVoided is the condition that keeps a vote (aliased v) in tallies and signals: it was never voided.
const notVoided = `NOT EXISTS (SELECT 1 FROM vote_voids x WHERE x.vote_id = v.id)`

// anomaliesSQL computes the three signals of a round from its stored, non-voided votes in one statement (one
// snapshot): $1 round, $2 min network voters, $3 min burst votes, $4 burst window (s), $5 new voter age (s),
// $6 min new voter votes, $7 the vote IDs listed per signal (one more than shown, to tell truncation). The
// groups are counted first; only a signal's own votes are then listed, through the indexes of 00005.
//
// BURST counts in fixed buckets of the window aligned on the Unix epoch (date_bin), not a sliding window: a
// burst that straddles a bucket boundary counts in two buckets and may stay under the threshold in each; a
// window half the suspected burst's length finds it whole. NEW_VOTERS counts in fixed hour buckets the same way.
const anomaliesSQL = `
WITH v AS MATERIALIZED (
    SELECT v.id, v.application_id, v.voter_id, v.client_network, v.cast_at FROM votes v
    WHERE v.round_id = $1 AND ` + notVoided + `
),
clusters AS (
    SELECT client_network, min(cast_at) AS ws, max(cast_at) AS we, count(DISTINCT voter_id) AS voters, count(*) AS votes
    FROM v WHERE client_network IS NOT NULL
    GROUP BY client_network HAVING count(DISTINCT voter_id) >= $2
),
bursts AS (
    SELECT application_id, date_bin($4::int * interval '1 second', cast_at, timestamptz '1970-01-01 00:00:00+00') AS ws,
        count(DISTINCT voter_id) AS voters, count(*) AS votes
    FROM v GROUP BY 1, 2 HAVING count(*) >= $3
),
newcomers AS (
    SELECT v.application_id, date_bin(interval '1 hour', v.cast_at, timestamptz '1970-01-01 00:00:00+00') AS ws,
        count(DISTINCT v.voter_id) AS voters, count(*) AS votes
    FROM v JOIN voters r ON r.id = v.voter_id
    WHERE v.cast_at - r.created_at <= $5::int * interval '1 second'
    GROUP BY 1, 2 HAVING count(*) >= $6
)
SELECT 'NETWORK_CLUSTER', c.client_network,
    coalesce((SELECT d.application_id::text FROM v d WHERE d.client_network = c.client_network
        GROUP BY d.application_id HAVING 2 * count(*) > c.votes), ''),
    c.ws, c.we, c.voters, c.votes,
    ARRAY(SELECT v.id::text FROM votes v WHERE v.round_id = $1 AND v.client_network = c.client_network AND ` + notVoided + `
        ORDER BY v.cast_at, v.id LIMIT $7)
FROM clusters c
UNION ALL
SELECT 'BURST', '', b.application_id::text, b.ws, b.ws + $4::int * interval '1 second', b.voters, b.votes,
    ARRAY(SELECT v.id::text FROM votes v WHERE v.round_id = $1 AND v.application_id = b.application_id
        AND v.cast_at >= b.ws AND v.cast_at < b.ws + $4::int * interval '1 second' AND ` + notVoided + `
        ORDER BY v.cast_at, v.id LIMIT $7)
FROM bursts b
UNION ALL
SELECT 'NEW_VOTERS', '', n.application_id::text, n.ws, n.ws + interval '1 hour', n.voters, n.votes,
    ARRAY(SELECT v.id::text FROM votes v JOIN voters r ON r.id = v.voter_id WHERE v.round_id = $1 AND v.application_id = n.application_id
        AND v.cast_at >= n.ws AND v.cast_at < n.ws + interval '1 hour' AND v.cast_at - r.created_at <= $5::int * interval '1 second'
        AND ` + notVoided + ` ORDER BY v.cast_at, v.id LIMIT $7)
FROM newcomers n`

// VoteAnomalies computes a round's anomaly signals in a read-only transaction. The signals carry no
// description and are in no particular order (the use case sorts and describes them).
func (s *Store) VoteAnomalies(ctx context.Context, roundID string, t domain.AnomalyThresholds) ([]domain.VoteAnomaly, error) {
	var out []domain.VoteAnomaly
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, anomaliesSQL, roundID, t.MinNetworkVoters, t.MinBurstVotes, int(t.BurstWindow/time.Second),
			int(t.NewVoterAge/time.Second), t.MinNewVoterVotes, domain.MaxAnomalyVoteIDs+1)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.VoteAnomaly, error) {
			var a domain.VoteAnomaly
			var kind string
			var voters, votes int64
			if err := row.Scan(&kind, &a.Network, &a.ApplicationID, &a.WindowStart, &a.WindowEnd, &voters, &votes, &a.VoteIDs); err != nil {
				return a, err
			}
			a.Kind, a.Voters, a.Votes = domain.AnomalyKind(kind), int(voters), int(votes)
			if len(a.VoteIDs) > domain.MaxAnomalyVoteIDs {
				a.VoteIDs, a.VotesTruncated = a.VoteIDs[:domain.MaxAnomalyVoteIDs], true
			}
			return a, nil
		})
		return err
	})
	return out, err
}

// VoteVoidStates says, for each of the IDs that is a vote of the round, whether it is already void; an ID
// missing from the answer is not a vote of the round.
func (s *Store) VoteVoidStates(ctx context.Context, roundID string, voteIDs []string) (map[string]bool, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT v.id::text, EXISTS (SELECT 1 FROM vote_voids x WHERE x.vote_id = v.id) FROM votes v
		WHERE v.round_id = $1 AND v.id = ANY($2::text[]::uuid[])`, roundID, voteIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(voteIDs))
	var id string
	var void bool
	_, err = pgx.ForEachRow(rows, []any{&id, &void}, func() error {
		out[id] = void
		return nil
	})
	return out, err
}

// InsertVoteVoids records votes of the round as void (a vote already void keeps its first record) and
// returns how many it recorded. Votes themselves are never changed nor deleted.
func (s *Store) InsertVoteVoids(ctx context.Context, roundID string, voteIDs []string, reason, by string, at time.Time) (int, error) {
	tag, err := s.q(ctx).Exec(ctx, `INSERT INTO vote_voids (vote_id, round_id, reason, voided_by, voided_at)
		SELECT id::uuid, $2, $3, $4, $5 FROM unnest($1::text[]) AS id ON CONFLICT (vote_id) DO NOTHING`, voteIDs, roundID, reason, by, at)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}

// ListVoidedVotes returns a page of a round's voided votes, oldest void first.
func (s *Store) ListVoidedVotes(ctx context.Context, f app.VoidedVoteFilter) ([]domain.VoidedVote, error) {
	afterID := f.AfterID
	if afterID == "" {
		afterID = "00000000-0000-0000-0000-000000000000"
	}
	rows, err := s.q(ctx).Query(ctx, `SELECT v.id::text, v.round_id::text, v.application_id::text, v.voter_id::text, to_char(v.vote_day, 'YYYY-MM-DD'),
			v.cast_at, coalesce(v.client_network, ''), x.reason, x.voided_by, x.voided_at
		FROM vote_voids x JOIN votes v ON v.id = x.vote_id
		WHERE x.round_id = $1 AND (x.voided_at, x.vote_id) > ($2, $3::uuid)
		ORDER BY x.voided_at, x.vote_id LIMIT $4`, f.RoundID, f.AfterTime, afterID, f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.VoidedVote, error) {
		var w domain.VoidedVote
		v := &w.Vote
		return w, row.Scan(&v.ID, &v.RoundID, &v.ApplicationID, &v.VoterID, &v.Day, &v.CastAt, &v.ClientNetwork, &w.Reason, &w.VoidedBy, &w.VoidedAt)
	})
}
