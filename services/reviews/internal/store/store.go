// Package store keeps panels, scores, shortlists, complaints, voters, votes and results in the reviews schema
// with hand-written SQL. Every method joins the transaction carried by its context, if any.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// Store is the reviews repository.
type Store struct {
	pool *pgxpool.Pool
	box  *sealed.Box
}

// New returns a store on pool that seals complainants' contacts with box.
func New(pool *pgxpool.Pool, box *sealed.Box) *Store { return &Store{pool: pool, box: box} }

// InTx runs fn in a transaction (joining the context's one, if any).
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return db.InTx(ctx, s.pool, fn)
}

// NewID and ParseID are the platform's ID helpers, for the use cases.
var (
	NewID   = db.NewID
	ParseID = db.ParseID
)

func (s *Store) q(ctx context.Context) db.Querier { return db.Q(ctx, s.pool) }

// LockRound serialises, until the transaction ends, the changes to one round's review state that must not
// interleave (scores against computing, computing against publishing). Votes never take it.
func (s *Store) LockRound(ctx context.Context, roundID string) error {
	_, err := s.q(ctx).Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('reviews:round:' || $1))`, roundID)
	return err
}

// --- panels ---

// InsertPanel stores a new panel and its members; a second panel for the round and stage is refused.
func (s *Store) InsertPanel(ctx context.Context, p domain.Panel, at time.Time, by string) error {
	_, err := s.q(ctx).Exec(ctx, `INSERT INTO panels (id, round_id, stage, created_at, created_by) VALUES ($1, $2, $3, $4, $5)`,
		p.ID, p.RoundID, p.Stage, at, by)
	if db.IsUniqueViolation(err) {
		return domain.ErrPanelExists.With("round %s already has a %s panel", p.RoundID, p.Stage)
	}
	if err != nil {
		return err
	}
	for i, m := range p.Members {
		if _, err := s.q(ctx).Exec(ctx, `INSERT INTO panel_members (panel_id, position, reviewer_id, name, kind, affiliation_org_id, donor_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, p.ID, i, m.ReviewerID, m.Name, m.Kind, m.AffiliationOrgID, m.DonorID); err != nil {
			return err
		}
	}
	return nil
}

// PanelMeta is a panel's creation time.
type PanelMeta struct{ CreatedAt time.Time }

func (s *Store) loadPanel(ctx context.Context, where string, args ...any) (domain.Panel, PanelMeta, error) {
	var p domain.Panel
	var meta PanelMeta
	err := s.q(ctx).QueryRow(ctx, `SELECT id::text, round_id::text, stage, created_at FROM panels WHERE `+where, args...).
		Scan(&p.ID, &p.RoundID, &p.Stage, &meta.CreatedAt)
	if err != nil {
		return p, meta, err
	}
	rows, err := s.q(ctx).Query(ctx, `SELECT reviewer_id, name, kind, affiliation_org_id, donor_id FROM panel_members WHERE panel_id = $1 ORDER BY position`, p.ID)
	if err != nil {
		return p, meta, err
	}
	p.Members, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Member, error) {
		var m domain.Member
		return m, row.Scan(&m.ReviewerID, &m.Name, &m.Kind, &m.AffiliationOrgID, &m.DonorID)
	})
	if err != nil {
		return p, meta, err
	}
	p.Recusals, err = s.recusals(ctx, `panel_id = $1`, p.ID)
	return p, meta, err
}

// GetPanel reads a panel with its members and recusals.
func (s *Store) GetPanel(ctx context.Context, id string) (domain.Panel, PanelMeta, error) {
	p, meta, err := s.loadPanel(ctx, `id = $1`, id)
	return p, meta, db.NotFound(err, "panel", id)
}

// PanelFor reads the round's panel for a stage.
func (s *Store) PanelFor(ctx context.Context, roundID string, stage domain.Stage) (domain.Panel, error) {
	p, _, err := s.loadPanel(ctx, `round_id = $1 AND stage = $2`, roundID, stage)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, domain.ErrNoPanel.With("round %s has no %s panel", roundID, stage)
	}
	return p, err
}

// RecusalRecord is a stored recusal with its time.
type RecusalRecord struct {
	domain.Recusal
	CreatedAt time.Time
}

func (s *Store) recusals(ctx context.Context, where string, args ...any) ([]domain.Recusal, error) {
	recs, err := s.recusalRecords(ctx, where, args...)
	out := make([]domain.Recusal, len(recs))
	for i, r := range recs {
		out[i] = r.Recusal
		out[i].CreatedAt = r.CreatedAt
	}
	return out, err
}

func (s *Store) recusalRecords(ctx context.Context, where string, args ...any) ([]RecusalRecord, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT panel_id::text, reviewer_id, application_id::text, source, reason, created_at FROM recusals WHERE `+where+
		` ORDER BY created_at, reviewer_id, source`, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (RecusalRecord, error) {
		var r RecusalRecord
		return r, row.Scan(&r.PanelID, &r.ReviewerID, &r.ApplicationID, &r.Source, &r.Reason, &r.CreatedAt)
	})
}

// InsertRecusal records a recusal (once per source) and removes any score the member gave the application, so
// a recused member's score never counts.
func (s *Store) InsertRecusal(ctx context.Context, r domain.Recusal, at time.Time, by string) error {
	if _, err := s.q(ctx).Exec(ctx, `INSERT INTO recusals (panel_id, reviewer_id, application_id, source, reason, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`, r.PanelID, r.ReviewerID, r.ApplicationID, r.Source, r.Reason, at, by); err != nil {
		return err
	}
	_, err := s.q(ctx).Exec(ctx, `DELETE FROM scores WHERE panel_id = $1 AND reviewer_id = $2 AND application_id = $3`, r.PanelID, r.ReviewerID, r.ApplicationID)
	return err
}

// RecusalsOf lists a member's recusals on an application.
func (s *Store) RecusalsOf(ctx context.Context, panelID, reviewerID, applicationID string) ([]domain.Recusal, error) {
	return s.recusals(ctx, `panel_id = $1 AND reviewer_id = $2 AND application_id = $3`, panelID, reviewerID, applicationID)
}

// ListRecusals lists every recusal on an application.
func (s *Store) ListRecusals(ctx context.Context, applicationID string) ([]RecusalRecord, error) {
	return s.recusalRecords(ctx, `application_id = $1`, applicationID)
}

// --- scores ---

// UpsertScore records or amends a member's score.
func (s *Store) UpsertScore(ctx context.Context, sc domain.Score, by string) error {
	criteria, err := json.Marshal(sc.Criteria)
	if err != nil {
		return err
	}
	_, err = s.q(ctx).Exec(ctx, `INSERT INTO scores (panel_id, round_id, stage, application_id, reviewer_id, criteria, total, idea_points, updated_at, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (panel_id, application_id, reviewer_id) DO UPDATE SET criteria = EXCLUDED.criteria, total = EXCLUDED.total,
			idea_points = EXCLUDED.idea_points, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
		sc.PanelID, sc.RoundID, sc.Stage, sc.ApplicationID, sc.ReviewerID, criteria, sc.Total, sc.IdeaPoints, sc.UpdatedAt, by)
	return err
}

// ScoresOfRound lists every score of a round's panels.
func (s *Store) ScoresOfRound(ctx context.Context, roundID string) ([]domain.Score, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT panel_id::text, round_id::text, stage, application_id::text, reviewer_id, criteria, total, idea_points, updated_at
		FROM scores WHERE round_id = $1 ORDER BY application_id, reviewer_id`, roundID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Score, error) {
		var sc domain.Score
		var criteria []byte
		if err := row.Scan(&sc.PanelID, &sc.RoundID, &sc.Stage, &sc.ApplicationID, &sc.ReviewerID, &criteria, &sc.Total, &sc.IdeaPoints, &sc.UpdatedAt); err != nil {
			return sc, err
		}
		return sc, json.Unmarshal(criteria, &sc.Criteria)
	})
}

// --- shortlist ---

// GetShortlist reads a round's shortlist, locking it when forUpdate; NOT_FOUND when not computed.
func (s *Store) GetShortlist(ctx context.Context, roundID string, forUpdate bool) (domain.Shortlist, error) {
	var sl domain.Shortlist
	var published *time.Time
	err := s.q(ctx).QueryRow(ctx, `SELECT round_id::text, state, computed_at, published_at FROM shortlists WHERE round_id = $1`+db.LockClause(forUpdate), roundID).
		Scan(&sl.RoundID, &sl.State, &sl.ComputedAt, &published)
	if errors.Is(err, pgx.ErrNoRows) {
		return sl, domain.ErrShortlistNotFound.With("round %s has no computed shortlist", roundID)
	}
	if err != nil {
		return sl, err
	}
	sl.PublishedAt = db.TimeOf(published)
	rows, err := s.q(ctx).Query(ctx, `SELECT application_id::text, panel_score, rank, shortlisted, idea_only, disqualified, first_submit_at, inputs
		FROM shortlist_entries WHERE round_id = $1 ORDER BY rank`, roundID)
	if err != nil {
		return sl, err
	}
	sl.Entries, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.ShortlistEntry, error) {
		var e domain.ShortlistEntry
		var inputs []byte
		if err := row.Scan(&e.ApplicationID, &e.PanelScore, &e.Rank, &e.Shortlisted, &e.IdeaOnly, &e.Disqualified, &e.FirstSubmitAt, &inputs); err != nil {
			return e, err
		}
		return e, json.Unmarshal(inputs, &e.Inputs)
	})
	return sl, err
}

// SaveShortlist replaces a round's computed shortlist.
func (s *Store) SaveShortlist(ctx context.Context, sl domain.Shortlist, by string) error {
	if _, err := s.q(ctx).Exec(ctx, `INSERT INTO shortlists (round_id, state, computed_at, computed_by) VALUES ($1, $2, $3, $4)
		ON CONFLICT (round_id) DO UPDATE SET state = EXCLUDED.state, computed_at = EXCLUDED.computed_at, computed_by = EXCLUDED.computed_by`,
		sl.RoundID, sl.State, sl.ComputedAt, by); err != nil {
		return err
	}
	if _, err := s.q(ctx).Exec(ctx, `DELETE FROM shortlist_entries WHERE round_id = $1`, sl.RoundID); err != nil {
		return err
	}
	for _, e := range sl.Entries {
		inputs, err := json.Marshal(e.Inputs)
		if err != nil {
			return err
		}
		if _, err := s.q(ctx).Exec(ctx, `INSERT INTO shortlist_entries (round_id, application_id, panel_score, rank, shortlisted, idea_only, disqualified, first_submit_at, inputs)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, sl.RoundID, e.ApplicationID, e.PanelScore, e.Rank, e.Shortlisted, e.IdeaOnly, e.Disqualified, e.FirstSubmitAt, inputs); err != nil {
			return err
		}
	}
	return nil
}

// MarkShortlistPublished records the publication.
func (s *Store) MarkShortlistPublished(ctx context.Context, roundID string, at time.Time, by string) error {
	_, err := s.q(ctx).Exec(ctx, `UPDATE shortlists SET state = $2, published_at = $3, published_by = $4 WHERE round_id = $1`,
		roundID, domain.ShortlistPublished, at, by)
	return err
}

// OnPublishedShortlist reports whether an application holds a place on its round's published shortlist (one
// indexed row, for every vote).
func (s *Store) OnPublishedShortlist(ctx context.Context, roundID, applicationID string) (bool, error) {
	var on bool
	err := s.q(ctx).QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM shortlist_entries e JOIN shortlists s USING (round_id)
		WHERE e.round_id = $1 AND e.application_id = $2 AND e.shortlisted AND s.state = $3)`, roundID, applicationID, domain.ShortlistPublished).Scan(&on)
	return on, err
}

// Disqualify takes an application off the shortlist after an upheld complaint.
func (s *Store) Disqualify(ctx context.Context, roundID, applicationID string) error {
	_, err := s.q(ctx).Exec(ctx, `UPDATE shortlist_entries SET disqualified = true, shortlisted = false WHERE round_id = $1 AND application_id = $2`,
		roundID, applicationID)
	return err
}

// --- stage outbox ---

// StagePush is a stage to confirm with the applications service.
type StagePush struct {
	ApplicationID string
	Stage         string
}

// QueueStages records the stages an outcome gives applications; a changed stage is pushed again.
func (s *Store) QueueStages(ctx context.Context, roundID string, stages []StagePush, at time.Time) error {
	for _, p := range stages {
		if _, err := s.q(ctx).Exec(ctx, `INSERT INTO stage_outbox (application_id, round_id, stage, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (application_id) DO UPDATE SET stage = EXCLUDED.stage, updated_at = EXCLUDED.updated_at,
				pushed = stage_outbox.pushed AND stage_outbox.stage = EXCLUDED.stage`, p.ApplicationID, roundID, p.Stage, at); err != nil {
			return err
		}
	}
	return nil
}

// PendingStages lists a round's stages not yet confirmed by the applications service.
func (s *Store) PendingStages(ctx context.Context, roundID string) ([]StagePush, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT application_id::text, stage FROM stage_outbox WHERE round_id = $1 AND NOT pushed ORDER BY application_id`, roundID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (StagePush, error) {
		var p StagePush
		return p, row.Scan(&p.ApplicationID, &p.Stage)
	})
}

// MarkPushed records that applications confirmed a stage (unless it changed meanwhile).
func (s *Store) MarkPushed(ctx context.Context, p StagePush, at time.Time) error {
	_, err := s.q(ctx).Exec(ctx, `UPDATE stage_outbox SET pushed = true, pushed_at = $3 WHERE application_id = $1 AND stage = $2`, p.ApplicationID, p.Stage, at)
	return err
}

// --- complaints ---

// InsertComplaint stores a new complaint, sealing the contact.
func (s *Store) InsertComplaint(ctx context.Context, c domain.Complaint, by string) error {
	var contact []byte
	if c.Contact != "" {
		var err error
		if contact, err = s.box.Seal(c.Contact); err != nil {
			return err
		}
	}
	_, err := s.q(ctx).Exec(ctx, `INSERT INTO complaints (id, round_id, application_id, content, contact_sealed, state, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, c.ID, c.RoundID, c.ApplicationID, c.Content, contact, c.State, c.CreatedAt, by)
	return err
}

const complaintCols = `id::text, round_id::text, application_id::text, content, contact_sealed, state, outcome, resolution_reason, created_at, resolved_at`

func (s *Store) scanComplaint(row pgx.Row) (domain.Complaint, error) {
	var c domain.Complaint
	var contact []byte
	var resolved *time.Time
	if err := row.Scan(&c.ID, &c.RoundID, &c.ApplicationID, &c.Content, &contact, &c.State, &c.Outcome, &c.ResolutionReason, &c.CreatedAt, &resolved); err != nil {
		return c, err
	}
	c.ResolvedAt = db.TimeOf(resolved)
	if contact != nil {
		var err error
		if c.Contact, err = s.box.Open(contact); err != nil {
			return c, err
		}
	}
	return c, nil
}

// GetComplaint reads a complaint, locking it when forUpdate.
func (s *Store) GetComplaint(ctx context.Context, id string, forUpdate bool) (domain.Complaint, error) {
	c, err := s.scanComplaint(s.q(ctx).QueryRow(ctx, `SELECT `+complaintCols+` FROM complaints WHERE id = $1`+db.LockClause(forUpdate), id))
	return c, db.NotFound(err, "complaint", id)
}

// ComplaintFilter selects a page of a round's complaints: those after the keyset position (created_at, id),
// in a state when State is set, at most Limit.
type ComplaintFilter struct {
	RoundID   string
	State     domain.ComplaintState
	AfterTime time.Time
	AfterID   string
	Limit     int
}

// ListComplaints returns a page of a round's complaints, oldest first.
func (s *Store) ListComplaints(ctx context.Context, f ComplaintFilter) ([]domain.Complaint, error) {
	afterID := f.AfterID
	if afterID == "" {
		afterID = "00000000-0000-0000-0000-000000000000"
	}
	rows, err := s.q(ctx).Query(ctx, `SELECT `+complaintCols+` FROM complaints
		WHERE round_id = $1 AND ($2 = '' OR state = $2) AND (created_at, id) > ($3, $4::uuid)
		ORDER BY created_at, id LIMIT $5`, f.RoundID, f.State, f.AfterTime, afterID, f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Complaint, error) { return s.scanComplaint(row) })
}

// ResolveComplaint records a complaint's resolution.
func (s *Store) ResolveComplaint(ctx context.Context, c domain.Complaint, by string) error {
	_, err := s.q(ctx).Exec(ctx, `UPDATE complaints SET state = $2, outcome = $3, resolution_reason = $4, resolved_at = $5, resolved_by = $6 WHERE id = $1`,
		c.ID, c.State, c.Outcome, c.ResolutionReason, c.ResolvedAt, by)
	return err
}

// --- status ---

// RoundStatus is what the round coordinator asks of reviews.
type RoundStatus struct {
	ShortlistState domain.ShortlistState
	PendingStages  int
	OpenComplaints int
	ResultsState   domain.ResultsState
}

// RoundStatus reads a round's review status in one query.
func (s *Store) RoundStatus(ctx context.Context, roundID string) (RoundStatus, error) {
	var st RoundStatus
	err := s.q(ctx).QueryRow(ctx, `SELECT
		COALESCE((SELECT state FROM shortlists WHERE round_id = $1), ''),
		(SELECT count(*) FROM stage_outbox WHERE round_id = $1 AND NOT pushed),
		(SELECT count(*) FROM complaints WHERE round_id = $1 AND state = 'OPEN'),
		COALESCE((SELECT state FROM results WHERE round_id = $1), '')`, roundID).
		Scan(&st.ShortlistState, &st.PendingStages, &st.OpenComplaints, &st.ResultsState)
	return st, err
}

// --- voters ---

// InsertCode stores a one-time code's HMAC.
func (s *Store) InsertCode(ctx context.Context, phoneHMAC, codeHMAC []byte, expires, now time.Time) error {
	_, err := s.q(ctx).Exec(ctx, `INSERT INTO voter_codes (phone_hmac, code_hmac, expires_at, created_at) VALUES ($1, $2, $3, $4)`, phoneHMAC, codeHMAC, expires, now)
	return err
}

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

// Code is the latest one-time code sent to a phone.
type Code struct {
	ID        int64
	CodeHMAC  []byte
	ExpiresAt time.Time
	Attempts  int
	Used      bool
}

// LatestCode reads (and locks) the latest code sent to a phone.
func (s *Store) LatestCode(ctx context.Context, phoneHMAC []byte) (Code, error) {
	var c Code
	err := s.q(ctx).QueryRow(ctx, `SELECT id, code_hmac, expires_at, attempts, used FROM voter_codes WHERE phone_hmac = $1 ORDER BY id DESC LIMIT 1 FOR UPDATE`, phoneHMAC).
		Scan(&c.ID, &c.CodeHMAC, &c.ExpiresAt, &c.Attempts, &c.Used)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, domain.ErrCodeInvalid.With("no code was sent to this number")
	}
	return c, err
}

// UpdateCode records an attempt on a code and whether it was used.
func (s *Store) UpdateCode(ctx context.Context, id int64, attempts int, used bool) error {
	_, err := s.q(ctx).Exec(ctx, `UPDATE voter_codes SET attempts = $2, used = $3 WHERE id = $1`, id, attempts, used)
	return err
}

// EnsureVoter returns the voter with the phone HMAC, creating it.
func (s *Store) EnsureVoter(ctx context.Context, phoneHMAC []byte, now time.Time) (string, error) {
	var id string
	err := s.q(ctx).QueryRow(ctx, `INSERT INTO voters (id, phone_hmac, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (phone_hmac) DO UPDATE SET phone_hmac = EXCLUDED.phone_hmac RETURNING id::text`, NewID(), phoneHMAC, now).Scan(&id)
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

// --- votes ---

// InsertVote stores a vote in the first free slot of the voter's daily allowance for the application, and
// refuses it with ALREADY_EXISTS when every slot is taken. Votes are only ever inserted.
func (s *Store) InsertVote(ctx context.Context, v domain.Vote, perDay int) error {
	for slot := 1; slot <= perDay; slot++ {
		tag, err := s.q(ctx).Exec(ctx, `INSERT INTO votes (id, round_id, application_id, voter_id, vote_day, slot, cast_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`, v.ID, v.RoundID, v.ApplicationID, v.VoterID, v.Day, slot, v.CastAt)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			return nil
		}
	}
	return domain.ErrAlreadyVoted.With("this voter already cast %d vote(s) for this application on %s", perDay, v.Day)
}

// Tallies counts a round's votes per application, most votes first: every vote, or with a non-zero before
// only those cast before it (the close of voting).
func (s *Store) Tallies(ctx context.Context, roundID string, before time.Time) ([]domain.Tally, error) {
	var until *time.Time
	if !before.IsZero() {
		until = &before
	}
	rows, err := s.q(ctx).Query(ctx, `SELECT application_id::text, count(*) FROM votes WHERE round_id = $1 AND ($2::timestamptz IS NULL OR cast_at < $2)
		GROUP BY application_id ORDER BY count(*) DESC, application_id`, roundID, until)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Tally, error) {
		var t domain.Tally
		return t, row.Scan(&t.ApplicationID, &t.Votes)
	})
}

// --- results ---

// GetResults reads a round's results, locking them when forUpdate.
func (s *Store) GetResults(ctx context.Context, roundID string, forUpdate bool) (domain.Results, error) {
	var r domain.Results
	var approved, signed *time.Time
	err := s.q(ctx).QueryRow(ctx, `SELECT round_id::text, state, donation_cutoff, pool_fen, computed_at, approved_at, signed_off_at FROM results WHERE round_id = $1`+db.LockClause(forUpdate), roundID).
		Scan(&r.RoundID, &r.State, &r.DonationCutoff, &r.PoolFen, &r.ComputedAt, &approved, &signed)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, domain.ErrResultsNotComputed.With("round %s has no computed results", roundID)
	}
	if err != nil {
		return r, err
	}
	r.ApprovedAt, r.SignedOffAt = db.TimeOf(approved), db.TimeOf(signed)
	rows, err := s.q(ctx).Query(ctx, `SELECT application_id::text, finalist, panel_score, donation_score, vote_score, total_score, rank, selected, skip_reason, idea_prize_tier, inputs
		FROM result_entries WHERE round_id = $1 ORDER BY position`, roundID)
	if err != nil {
		return r, err
	}
	r.Entries, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.ResultEntry, error) {
		var e domain.ResultEntry
		var inputs []byte
		if err := row.Scan(&e.ApplicationID, &e.Finalist, &e.PanelScore, &e.DonationScore, &e.VoteScore, &e.TotalScore, &e.Rank, &e.Selected,
			&e.SkipReason, &e.IdeaPrizeTier, &inputs); err != nil {
			return e, err
		}
		return e, json.Unmarshal(inputs, &e.Inputs)
	})
	return r, err
}

// SaveResults replaces a round's computed results.
func (s *Store) SaveResults(ctx context.Context, r domain.Results, by string) error {
	if _, err := s.q(ctx).Exec(ctx, `INSERT INTO results (round_id, state, donation_cutoff, pool_fen, computed_at, computed_by) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (round_id) DO UPDATE SET state = EXCLUDED.state, donation_cutoff = EXCLUDED.donation_cutoff, pool_fen = EXCLUDED.pool_fen,
			computed_at = EXCLUDED.computed_at, computed_by = EXCLUDED.computed_by`, r.RoundID, r.State, r.DonationCutoff, r.PoolFen, r.ComputedAt, by); err != nil {
		return err
	}
	if _, err := s.q(ctx).Exec(ctx, `DELETE FROM result_entries WHERE round_id = $1`, r.RoundID); err != nil {
		return err
	}
	for i, e := range r.Entries {
		inputs, err := json.Marshal(e.Inputs)
		if err != nil {
			return err
		}
		if _, err := s.q(ctx).Exec(ctx, `INSERT INTO result_entries (round_id, application_id, position, finalist, panel_score, donation_score, vote_score,
			total_score, rank, selected, skip_reason, idea_prize_tier, inputs) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			r.RoundID, e.ApplicationID, i, e.Finalist, e.PanelScore, e.DonationScore, e.VoteScore, e.TotalScore, e.Rank, e.Selected, e.SkipReason,
			e.IdeaPrizeTier, inputs); err != nil {
			return err
		}
	}
	return nil
}

// SetResultsState records an approval or a sign-off.
func (s *Store) SetResultsState(ctx context.Context, roundID string, state domain.ResultsState, at time.Time, by string) error {
	var col string
	switch state {
	case domain.ResultsApproved:
		col = "approved"
	case domain.ResultsSignedOff:
		col = "signed_off"
	default:
		return fmt.Errorf("store: cannot set results state %s", state)
	}
	_, err := s.q(ctx).Exec(ctx, `UPDATE results SET state = $2, `+col+`_at = $3, `+col+`_by = $4 WHERE round_id = $1`, roundID, state, at, by)
	return err
}
