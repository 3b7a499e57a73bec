package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// batchInput is the votes of a group commit as rows: $1 IDs, $2 token hashes, $3 rounds, $4 applications,
// $5 days, $6 cast instants, $7 client networks (empty for none), numbered by their position (n, from 1).
const batchInput = `unnest($1::text[], $2::bytea[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[])
	WITH ORDINALITY AS i(id, token_hash, round_id, application_id, day, cast_at, net, n)`

// onPublished is the condition that the input row's application holds a place on its round's published
// shortlist (the check of OnPublishedShortlist).
const onPublished = `EXISTS (SELECT 1 FROM shortlist_entries e JOIN shortlists s USING (round_id)
	WHERE e.round_id = i.round_id::uuid AND e.application_id = i.application_id::uuid AND e.shortlisted AND s.state = $8)`

// insertVotesSQL inserts, in slot $9, each input vote whose token is known and unexpired at the vote's
// instant and whose application is on the published shortlist; a vote whose (round, application, voter, day,
// slot) is taken is skipped. The rows go in the order of that unique key (round, application, voter, day as
// stored), so two units of work inserting overlapping keys take them in the same order.
const insertVotesSQL = `INSERT INTO votes (id, round_id, application_id, voter_id, vote_day, slot, cast_at, client_network)
SELECT i.id::uuid, i.round_id::uuid, i.application_id::uuid, t.voter_id, i.day::date, $9, i.cast_at, NULLIF(i.net, '')
FROM ` + batchInput + `
JOIN voter_tokens t ON t.token_hash = i.token_hash AND t.expires_at > i.cast_at
WHERE ` + onPublished + `
ORDER BY 2, 3, 4, 5, i.n
ON CONFLICT DO NOTHING
RETURNING id::text, voter_id::text`

// checkVotesSQL tells, for each input vote, its token's voter (” when the token is unknown or expired at the
// vote's instant) and whether its application is on the published shortlist.
const checkVotesSQL = `SELECT i.n, coalesce(t.voter_id::text, ''), ` + onPublished + `
FROM ` + batchInput + `
LEFT JOIN voter_tokens t ON t.token_hash = i.token_hash AND t.expires_at > i.cast_at`

func batchArgs(votes []app.BatchVote) []any {
	n := len(votes)
	ids, hashes, rounds, apps, days, at, nets := make([]string, n), make([][]byte, n), make([]string, n), make([]string, n), make([]string, n), make([]time.Time, n), make([]string, n)
	for k, b := range votes {
		v := b.Vote
		ids[k], hashes[k], rounds[k], apps[k], days[k], at[k], nets[k] = v.ID, b.TokenHash, v.RoundID, v.ApplicationID, v.Day, v.CastAt, v.ClientNetwork
	}
	return []any{ids, hashes, rounds, apps, days, at, nets, domain.ShortlistPublished}
}

// InsertVotesInSlot inserts, in one statement of the context's unit of work, each vote in the given slot of
// its voter's daily allowance, when its token is known and unexpired at the vote's instant, its application is
// on the round's published shortlist and the slot is free. It returns the voter of each vote it inserted, by
// vote ID; CheckVotes tells why the others were not.
func (s *Store) InsertVotesInSlot(ctx context.Context, votes []app.BatchVote, slot int) (map[string]string, error) {
	rows, err := s.q(ctx).Query(ctx, insertVotesSQL, append(batchArgs(votes), slot)...)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(votes))
	var id, voter string
	_, err = pgx.ForEachRow(rows, []any{&id, &voter}, func() error {
		out[id] = voter
		return nil
	})
	return out, err
}

// CheckVotes tells, for each vote in order, its token's voter ("" when the token is unknown or expired at the
// vote's instant) and whether its application is on the round's published shortlist.
func (s *Store) CheckVotes(ctx context.Context, votes []app.BatchVote) ([]app.VoteCheck, error) {
	rows, err := s.q(ctx).Query(ctx, checkVotesSQL, batchArgs(votes)...)
	if err != nil {
		return nil, err
	}
	out := make([]app.VoteCheck, len(votes))
	var n int64
	var c app.VoteCheck
	_, err = pgx.ForEachRow(rows, []any{&n, &c.VoterID, &c.OnShortlist}, func() error {
		out[n-1] = c
		return nil
	})
	return out, err
}
