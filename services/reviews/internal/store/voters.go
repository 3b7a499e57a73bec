package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// CodesSince counts the codes sent to a phone since an instant. It first takes a lock on the phone until the
// transaction ends, so concurrent requests for one phone count each other.
func (s *Store) CodesSince(ctx context.Context, phoneHMAC []byte, since time.Time) (int, error) {
	if _, err := s.q(ctx).Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('reviews:phone:' || encode($1::bytea, 'hex')))`, phoneHMAC); err != nil {
		return 0, err
	}
	var n int
	err := s.q(ctx).QueryRow(ctx, `SELECT count(*) FROM voter_codes WHERE phone_hmac = $1 AND created_at > $2`, phoneHMAC, since).Scan(&n)
	return n, err
}

// InsertCode stores a one-time code's HMAC.
func (s *Store) InsertCode(ctx context.Context, phoneHMAC, codeHMAC []byte, expires, now time.Time) (int64, error) {
	var id int64
	err := s.q(ctx).QueryRow(ctx, `INSERT INTO voter_codes (phone_hmac, code_hmac, expires_at, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		phoneHMAC, codeHMAC, expires, now).Scan(&id)
	return id, err
}

// VoidCode makes a code unusable; it still counts against the phone's limit.
func (s *Store) VoidCode(ctx context.Context, id int64) error {
	_, err := s.q(ctx).Exec(ctx, `UPDATE voter_codes SET used = true WHERE id = $1`, id)
	return err
}

// UpdateLatestCode loads the latest code sent to a phone locked, applies change and saves its attempts.
func (s *Store) UpdateLatestCode(ctx context.Context, phoneHMAC []byte, change func(*domain.VoterCode) error) (domain.VoterCode, error) {
	load := func(ctx context.Context) (domain.VoterCode, error) {
		var c domain.VoterCode
		err := s.q(ctx).QueryRow(ctx, `SELECT id, code_hmac, expires_at, attempts, used FROM voter_codes WHERE phone_hmac = $1 ORDER BY id DESC LIMIT 1 FOR UPDATE`, phoneHMAC).
			Scan(&c.ID, &c.CodeHMAC, &c.ExpiresAt, &c.Attempts, &c.Used)
		if errors.Is(err, pgx.ErrNoRows) {
			return c, domain.ErrCodeInvalid.With("no code was sent to this number")
		}
		return c, err
	}
	save := func(ctx context.Context, c domain.VoterCode) error {
		_, err := s.q(ctx).Exec(ctx, `UPDATE voter_codes SET attempts = $2, used = $3 WHERE id = $1`, c.ID, c.Attempts, c.Used)
		return err
	}
	return update(ctx, load, save, change)
}

// EnsureVoter returns the voter with the phone HMAC, creating it.
func (s *Store) EnsureVoter(ctx context.Context, phoneHMAC []byte, now time.Time) (string, error) {
	var id string
	err := s.q(ctx).QueryRow(ctx, `INSERT INTO voters (id, phone_hmac, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (phone_hmac) DO UPDATE SET phone_hmac = EXCLUDED.phone_hmac RETURNING id::text`, ids.New(), phoneHMAC, now).Scan(&id)
	return id, err
}

// InsertToken stores a voter token's hash.
func (s *Store) InsertToken(ctx context.Context, tokenHash []byte, voterID string, expires, now time.Time) error {
	_, err := s.q(ctx).Exec(ctx, `INSERT INTO voter_tokens (token_hash, voter_id, expires_at, created_at) VALUES ($1, $2, $3, $4)`, tokenHash, voterID, expires, now)
	return err
}

// VoterByToken returns the voter holding an unexpired token.
func (s *Store) VoterByToken(ctx context.Context, tokenHash []byte, now time.Time) (string, error) {
	var id string
	err := s.q(ctx).QueryRow(ctx, `SELECT voter_id::text FROM voter_tokens WHERE token_hash = $1 AND expires_at > $2`, tokenHash, now).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", domain.ErrVoterTokenInvalid.With("the voter token is unknown or expired")
	}
	return id, err
}

// InsertVote stores a vote in the first free slot of the voter's daily allowance for the application, and
// refuses it with ALREADY_EXISTS when every slot is taken. Votes are only ever inserted. A voided vote keeps
// its slot: voiding a vote does not give its voter another vote that day.
func (s *Store) InsertVote(ctx context.Context, v domain.Vote, perDay int) error {
	for slot := 1; slot <= perDay; slot++ {
		tag, err := s.q(ctx).Exec(ctx, `INSERT INTO votes (id, round_id, application_id, voter_id, vote_day, slot, cast_at, client_network)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`, v.ID, v.RoundID, v.ApplicationID, v.VoterID, v.Day, slot, v.CastAt, db.NullText(v.ClientNetwork))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			return nil
		}
	}
	return domain.ErrAlreadyVoted.With("this voter already cast %d vote(s) for this application on %s", perDay, v.Day)
}

// Tallies counts a round's votes per application, most votes first: every vote not voided, or with a non-zero
// before only those cast before it (the close of voting).
func (s *Store) Tallies(ctx context.Context, roundID string, before time.Time) ([]domain.Tally, error) {
	var until *time.Time
	if !before.IsZero() {
		until = &before
	}
	rows, err := s.q(ctx).Query(ctx, `SELECT application_id::text, count(*) FROM votes v WHERE round_id = $1 AND ($2::timestamptz IS NULL OR cast_at < $2)
		AND `+notVoided+` GROUP BY application_id ORDER BY count(*) DESC, application_id`, roundID, until)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Tally, error) {
		var t domain.Tally
		return t, row.Scan(&t.ApplicationID, &t.Votes)
	})
}

// DeleteExpiredCodes deletes up to limit codes that expired before expiredBefore and were created before
// createdBefore, and returns how many it deleted.
func (s *Store) DeleteExpiredCodes(ctx context.Context, expiredBefore, createdBefore time.Time, limit int) (int, error) {
	tag, err := s.q(ctx).Exec(ctx, `DELETE FROM voter_codes WHERE id IN (
		SELECT id FROM voter_codes WHERE created_at < $2 AND expires_at < $1 ORDER BY created_at LIMIT $3)`, expiredBefore, createdBefore, limit)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}

// DeleteExpiredTokens deletes up to limit voter tokens that expired before an instant, and returns how many
// it deleted.
func (s *Store) DeleteExpiredTokens(ctx context.Context, before time.Time, limit int) (int, error) {
	tag, err := s.q(ctx).Exec(ctx, `DELETE FROM voter_tokens WHERE token_hash IN (
		SELECT token_hash FROM voter_tokens WHERE expires_at < $1 ORDER BY expires_at LIMIT $2)`, before, limit)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}
