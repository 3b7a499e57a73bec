package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/personaldata"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
)

// VoterByPhone returns the voter with the phone HMAC; NOT_FOUND when none (never verified, or erased).
func (s *Store) VoterByPhone(ctx context.Context, phoneHMAC []byte) (string, error) {
	var id string
	err := s.q(ctx).QueryRow(ctx, `SELECT id::text FROM voters WHERE phone_hmac = $1`, phoneHMAC).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", errs.ErrNotFound.With("no voter has this phone (never verified, or the voter's data was erased)")
	}
	return id, err
}

// VoterData reads everything stored about a voter, locking the voter until the transaction ends.
func (s *Store) VoterData(ctx context.Context, voterID string) (app.VoterData, error) {
	d := app.VoterData{VoterID: voterID}
	var phoneHMAC []byte
	err := s.q(ctx).QueryRow(ctx, `SELECT created_at, phone_hmac FROM voters WHERE id = $1 FOR UPDATE`, voterID).Scan(&d.CreatedAt, &phoneHMAC)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, errs.ErrNotFound.With("voter %s not found", voterID)
	}
	if err != nil {
		return d, err
	}
	d.Erased = phoneHMAC == nil
	rows, err := s.q(ctx).Query(ctx, `SELECT id::text, round_id::text, application_id::text, vote_day::text, cast_at, coalesce(client_network, '')
		FROM votes WHERE voter_id = $1 ORDER BY cast_at, id`, voterID)
	if err != nil {
		return d, err
	}
	if d.Votes, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (app.VoterVote, error) {
		var v app.VoterVote
		return v, row.Scan(&v.ID, &v.RoundID, &v.ApplicationID, &v.Day, &v.CastAt, &v.ClientNetwork)
	}); err != nil {
		return d, err
	}
	if d.Complaints, err = s.collectComplaints(s.q(ctx).Query(ctx, `SELECT `+complaintCols+` FROM complaints WHERE voter_id = $1 ORDER BY created_at, id`, voterID)); err != nil {
		return d, err
	}
	times := func(sql string, arg any) ([]app.CredentialTimes, error) {
		rows, err := s.q(ctx).Query(ctx, sql, arg)
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, func(row pgx.CollectableRow) (app.CredentialTimes, error) {
			var c app.CredentialTimes
			return c, row.Scan(&c.CreatedAt, &c.ExpiresAt)
		})
	}
	if phoneHMAC != nil {
		if d.Codes, err = times(`SELECT created_at, expires_at FROM voter_codes WHERE phone_hmac = $1 ORDER BY created_at, id`, phoneHMAC); err != nil {
			return d, err
		}
	}
	d.Tokens, err = times(`SELECT created_at, expires_at FROM voter_tokens WHERE voter_id = $1 ORDER BY created_at, token_hash`, voterID)
	return d, err
}

// EraseVoter erases a voter's personal data in the transaction: the phone's HMAC, the codes sent to the
// phone, the voter's tokens, its votes' client networks, its complaints' contacts and their link to the
// voter, and the stored answers of its votes and complaints (request IDs scoped to the voter). The votes stay,
// under the voter's ID alone.
func (s *Store) EraseVoter(ctx context.Context, voterID string) (app.VoterErasure, error) {
	var e app.VoterErasure
	var phoneHMAC []byte
	err := s.q(ctx).QueryRow(ctx, `SELECT phone_hmac FROM voters WHERE id = $1 FOR UPDATE`, voterID).Scan(&phoneHMAC)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, errs.ErrNotFound.With("voter %s not found", voterID)
	}
	if err != nil {
		return e, err
	}
	exec := func(n *int, sql string, args ...any) {
		if err != nil {
			return
		}
		var tag interface{ RowsAffected() int64 }
		tag, err = s.q(ctx).Exec(ctx, sql, args...)
		if err == nil {
			*n = int(tag.RowsAffected())
		}
	}
	exec(&e.Phone, `UPDATE voters SET phone_hmac = NULL WHERE id = $1 AND phone_hmac IS NOT NULL`, voterID)
	if phoneHMAC != nil {
		exec(&e.Codes, `DELETE FROM voter_codes WHERE phone_hmac = $1`, phoneHMAC)
	}
	exec(&e.Tokens, `DELETE FROM voter_tokens WHERE voter_id = $1`, voterID)
	exec(&e.Networks, `UPDATE votes SET client_network = NULL WHERE voter_id = $1 AND client_network IS NOT NULL`, voterID)
	exec(&e.Contacts, `UPDATE complaints SET contact_sealed = NULL WHERE voter_id = $1 AND contact_sealed IS NOT NULL`, voterID)
	exec(&e.ComplaintLinks, `UPDATE complaints SET voter_id = NULL WHERE voter_id = $1`, voterID)
	exec(&e.StoredAnswers, `DELETE FROM idempotency_keys WHERE request_id LIKE 'vote:' || $1 || ':%' OR request_id LIKE 'complaint:' || $1 || ':%'`, voterID)
	if err != nil {
		return e, err
	}
	err = s.q(ctx).QueryRow(ctx, `SELECT count(*) FROM votes WHERE voter_id = $1`, voterID).Scan(&e.Votes)
	return e, err
}

// RecordPersonalDataRequest appends an export or erasure to the audit trail, in the transaction.
func (s *Store) RecordPersonalDataRequest(ctx context.Context, r personaldata.Request) error {
	return personaldata.Record(ctx, s.q(ctx), r)
}

// ListPersonalDataRequests returns a page of the audit trail, newest first.
func (s *Store) ListPersonalDataRequests(ctx context.Context, f personaldata.Filter) ([]personaldata.Request, error) {
	return personaldata.List(ctx, s.q(ctx), f)
}
