// Package store keeps donors, pledges, receipts and the ledger in the service's PostgreSQL schema with
// hand-written SQL. Every method joins the transaction carried by its context, if any.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// Store is the donations repository.
type Store struct {
	pool *pgxpool.Pool
	box  *sealed.Box
}

// New returns a store on pool that seals personal numbers with box.
func New(pool *pgxpool.Pool, box *sealed.Box) *Store {
	return &Store{pool: pool, box: box}
}

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

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func stringOf(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// uniqueViolation reports whether err is a unique violation of the named constraint.
func uniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == constraint
}

// --- donors ---

// InsertDonor stores a new donor, sealing its personal numbers.
func (s *Store) InsertDonor(ctx context.Context, d domain.Donor) error {
	idNum, err := s.box.Seal(d.IDNumber)
	if err != nil {
		return err
	}
	phone, err := s.box.Seal(d.ContactPhone)
	if err != nil {
		return err
	}
	_, err = s.q(ctx).Exec(ctx, `INSERT INTO donors (id, name, kind, uscc, id_number_sealed, phone_sealed, owner_subject, created_at)
		VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6, $7, $8)`, d.ID, d.Name, d.Kind, d.USCC, idNum, phone, d.OwnerSubject, d.CreatedAt)
	return err
}

// GetDonor reads a donor and opens its personal numbers.
func (s *Store) GetDonor(ctx context.Context, id string) (domain.Donor, error) {
	var d domain.Donor
	var uscc *string
	var idNum, phone []byte
	err := s.q(ctx).QueryRow(ctx, `SELECT id, name, kind, uscc, id_number_sealed, phone_sealed, owner_subject, created_at FROM donors WHERE id = $1`, id).
		Scan(&d.ID, &d.Name, &d.Kind, &uscc, &idNum, &phone, &d.OwnerSubject, &d.CreatedAt)
	if err != nil {
		return d, db.NotFound(err, "donor", id)
	}
	d.USCC = stringOf(uscc)
	if d.IDNumber, err = s.box.Open(idNum); err != nil {
		return d, err
	}
	if d.ContactPhone, err = s.box.Open(phone); err != nil {
		return d, err
	}
	return d, nil
}

// DonorsOwnedBy lists the donors a subject registered.
func (s *Store) DonorsOwnedBy(ctx context.Context, subject string) ([]string, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT id::text FROM donors WHERE owner_subject = $1`, subject)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// --- pledges ---

const pledgeCols = `id, donor_id, application_id, round_id, amount_fen, kind, agreement_ref, description, state, created_at, created_by,
	bank_reference, deposited_amount_fen, deposited_at, confirmed_at, appraised_value_fen, appraisal_notes, appraised_at, approved_at,
	late, receipt_number, refunded_at, redirected_at, redirect_application_id::text`

func scanPledge(row pgx.Row) (domain.Pledge, error) {
	var p domain.Pledge
	var bankRef, receipt, redirectApp *string
	var deposited, confirmed, appraised, approved, refunded, redirected *time.Time
	if err := row.Scan(&p.ID, &p.DonorID, &p.ApplicationID, &p.RoundID, &p.AmountFen, &p.Kind, &p.AgreementRef, &p.Description, &p.State,
		&p.CreatedAt, &p.CreatedBy, &bankRef, &p.DepositedAmountFen, &deposited, &confirmed, &p.AppraisedValueFen, &p.AppraisalNotes,
		&appraised, &approved, &p.Late, &receipt, &refunded, &redirected, &redirectApp); err != nil {
		return p, err
	}
	p.BankReference, p.ReceiptNumber, p.RedirectApplicationID = stringOf(bankRef), stringOf(receipt), stringOf(redirectApp)
	p.DepositedAt, p.ConfirmedAt, p.AppraisedAt, p.ApprovedAt = db.TimeOf(deposited), db.TimeOf(confirmed), db.TimeOf(appraised), db.TimeOf(approved)
	p.RefundedAt, p.RedirectedAt = db.TimeOf(refunded), db.TimeOf(redirected)
	return p, nil
}

// InsertPledge stores a new pledge.
func (s *Store) InsertPledge(ctx context.Context, p domain.Pledge) error {
	_, err := s.q(ctx).Exec(ctx, `INSERT INTO pledges (id, donor_id, application_id, round_id, amount_fen, kind, agreement_ref, description,
		state, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		p.ID, p.DonorID, p.ApplicationID, p.RoundID, p.AmountFen, p.Kind, p.AgreementRef, p.Description, p.State, p.CreatedAt, p.CreatedBy)
	return err
}

// GetPledge reads a pledge, locking it when forUpdate.
func (s *Store) GetPledge(ctx context.Context, id string, forUpdate bool) (domain.Pledge, error) {
	p, err := scanPledge(s.q(ctx).QueryRow(ctx, `SELECT `+pledgeCols+` FROM pledges WHERE id = $1`+db.LockClause(forUpdate), id))
	return p, db.NotFound(err, "pledge", id)
}

// PledgeByBankReference reads the pledge confirmed under a bank reference; ok is false when there is none.
func (s *Store) PledgeByBankReference(ctx context.Context, ref string) (domain.Pledge, bool, error) {
	p, err := scanPledge(s.q(ctx).QueryRow(ctx, `SELECT `+pledgeCols+` FROM pledges WHERE bank_reference = $1`, ref))
	if errors.Is(err, pgx.ErrNoRows) {
		return p, false, nil
	}
	return p, err == nil, err
}

// UpdatePledge writes a pledge's changed state. A bank reference already used by another pledge is refused
// with BANK_REFERENCE_CONFLICT (the unique index settles concurrent confirmations).
func (s *Store) UpdatePledge(ctx context.Context, p domain.Pledge) error {
	_, err := s.q(ctx).Exec(ctx, `UPDATE pledges SET state = $2, bank_reference = $3, deposited_amount_fen = $4, deposited_at = $5,
		confirmed_at = $6, appraised_value_fen = $7, appraisal_notes = $8, appraised_at = $9, approved_at = $10, late = $11,
		receipt_number = $12, refunded_at = $13, redirected_at = $14, redirect_application_id = $15 WHERE id = $1`,
		p.ID, p.State, nullString(p.BankReference), p.DepositedAmountFen, db.NullTime(p.DepositedAt), db.NullTime(p.ConfirmedAt),
		p.AppraisedValueFen, p.AppraisalNotes, db.NullTime(p.AppraisedAt), db.NullTime(p.ApprovedAt), p.Late, nullString(p.ReceiptNumber),
		db.NullTime(p.RefundedAt), db.NullTime(p.RedirectedAt), nullString(p.RedirectApplicationID))
	if uniqueViolation(err, "pledges_bank_reference_key") {
		return domain.ErrBankReferenceConflict.With("bank reference %q was already confirmed for another pledge", p.BankReference)
	}
	return err
}

// RecordEvent appends to a pledge's audit trail: who asked, when, why, under which request ID.
func (s *Store) RecordEvent(ctx context.Context, pledgeID, action string, at time.Time, by, requestID, detail string) error {
	_, err := s.q(ctx).Exec(ctx, `INSERT INTO pledge_events (pledge_id, action, at, by_subject, request_id, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
		pledgeID, action, at, by, requestID, detail)
	return err
}

// PledgesOfApplication returns every pledge to an application.
func (s *Store) PledgesOfApplication(ctx context.Context, applicationID string) ([]domain.Pledge, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT `+pledgeCols+` FROM pledges WHERE application_id = $1 ORDER BY created_at, id`, applicationID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Pledge, error) { return scanPledge(row) })
}

// DonorsOfApplication lists the donors with any pledge to an application.
func (s *Store) DonorsOfApplication(ctx context.Context, applicationID string) ([]string, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT DISTINCT donor_id::text FROM pledges WHERE application_id = $1 ORDER BY 1`, applicationID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// ListFilter selects pledges.
type ListFilter struct {
	ApplicationID string
	DonorID       string
	DonorIDs      []string // when not nil, only these donors' pledges
	AfterTime     time.Time
	AfterID       string
	Limit         int
}

// ListPledges returns up to f.Limit pledges after the keyset position, oldest first.
func (s *Store) ListPledges(ctx context.Context, f ListFilter) ([]domain.Pledge, error) {
	afterID := f.AfterID
	if afterID == "" {
		afterID = "00000000-0000-0000-0000-000000000000"
	}
	rows, err := s.q(ctx).Query(ctx, `SELECT `+pledgeCols+` FROM pledges
		WHERE ($1 = '' OR application_id::text = $1) AND ($2 = '' OR donor_id::text = $2) AND ($3::uuid[] IS NULL OR donor_id = ANY($3))
		  AND (created_at, id) > ($4, $5::uuid)
		ORDER BY created_at, id LIMIT $6`, f.ApplicationID, f.DonorID, f.DonorIDs, f.AfterTime, afterID, f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Pledge, error) { return scanPledge(row) })
}

// NextReceipt advances the year's receipt counter and returns the new number. The counter row stays locked
// until the transaction ends, so concurrent confirmations queue and a rolled-back one leaves no gap.
func (s *Store) NextReceipt(ctx context.Context, year int) (int64, error) {
	var n int64
	err := s.q(ctx).QueryRow(ctx, `INSERT INTO receipt_counters (year, last) VALUES ($1, 1)
		ON CONFLICT (year) DO UPDATE SET last = receipt_counters.last + 1 RETURNING last`, year).Scan(&n)
	return n, err
}

func errInvalid(reason, field, description string) error {
	return errs.Invalid(reason, field, description)
}
