package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/hashchain/pgchain"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

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

func collectPledges(rows pgx.Rows, err error) ([]domain.Pledge, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Pledge, error) { return scanPledge(row) })
}

// InsertPledge stores a new pledge.
func (s *Store) InsertPledge(ctx context.Context, p domain.Pledge) error {
	_, err := s.q(ctx).Exec(ctx, `INSERT INTO pledges (id, donor_id, application_id, round_id, amount_fen, kind, agreement_ref, description,
		state, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		p.ID, p.DonorID, p.ApplicationID, p.RoundID, p.AmountFen, p.Kind, p.AgreementRef, p.Description, p.State, p.CreatedAt, p.CreatedBy)
	return err
}

func (s *Store) getPledge(ctx context.Context, id string, forUpdate bool) (domain.Pledge, error) {
	p, err := scanPledge(s.q(ctx).QueryRow(ctx, `SELECT `+pledgeCols+` FROM pledges WHERE id = $1`+db.LockClause(forUpdate), id))
	if err != nil {
		return domain.Pledge{}, db.NotFound(err, "pledge", id)
	}
	return p, nil
}

// GetPledge reads a pledge.
func (s *Store) GetPledge(ctx context.Context, id string) (domain.Pledge, error) {
	return s.getPledge(ctx, id, false)
}

// UpdatePledge loads and locks a pledge, applies change and saves the pledge if change changed it, all in the
// context's transaction (or its own).
func (s *Store) UpdatePledge(ctx context.Context, id string, change func(p *domain.Pledge) error) (domain.Pledge, error) {
	var out domain.Pledge
	err := db.InTx(ctx, s.pool, func(ctx context.Context) error {
		p, err := s.getPledge(ctx, id, true)
		if err != nil {
			return err
		}
		before := p
		if err := change(&p); err != nil {
			return err
		}
		if p != before {
			if err := s.savePledge(ctx, p); err != nil {
				return err
			}
		}
		out = p
		return nil
	})
	if err != nil {
		return domain.Pledge{}, err
	}
	return out, nil
}

// savePledge writes a pledge's changed state. A bank reference already used by another pledge is refused
// with BANK_REFERENCE_CONFLICT (the unique index settles concurrent confirmations).
func (s *Store) savePledge(ctx context.Context, p domain.Pledge) error {
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

// PledgeByBankReference reads the pledge confirmed under a bank reference; ok is false when there is none.
func (s *Store) PledgeByBankReference(ctx context.Context, ref string) (domain.Pledge, bool, error) {
	p, err := scanPledge(s.q(ctx).QueryRow(ctx, `SELECT `+pledgeCols+` FROM pledges WHERE bank_reference = $1`, ref))
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Pledge{}, false, nil
	}
	return p, err == nil, err
}

// RecordEvent appends to a pledge's audit trail (append-only in the database), as the next entry of its hash
// chain (chains.go), inside the caller's unit of work.
func (s *Store) RecordEvent(ctx context.Context, e domain.PledgeEvent) error {
	return db.InTx(ctx, s.pool, func(ctx context.Context) error {
		return pledgeEvents.Append(ctx, s.q(ctx), pgchain.Event{Owner: e.PledgeID, Action: e.Action, At: e.At, By: e.By, RequestID: e.RequestID, Detail: e.Detail})
	})
}

// PledgesOfApplication returns every pledge to an application or redirected to it.
func (s *Store) PledgesOfApplication(ctx context.Context, applicationID string) ([]domain.Pledge, error) {
	return collectPledges(s.q(ctx).Query(ctx, `SELECT `+pledgeCols+` FROM pledges WHERE application_id = $1 OR redirect_application_id = $1
		ORDER BY created_at, id`, applicationID))
}

// PledgesOfApplications returns, in one query, every pledge to one of the applications or redirected to one.
func (s *Store) PledgesOfApplications(ctx context.Context, applicationIDs []string) ([]domain.Pledge, error) {
	return collectPledges(s.q(ctx).Query(ctx, `SELECT `+pledgeCols+` FROM pledges
		WHERE application_id = ANY($1::uuid[]) OR redirect_application_id = ANY($1::uuid[]) ORDER BY created_at, id`, applicationIDs))
}

// DonorsOfApplication lists the donors with any pledge to an application or redirected to it.
func (s *Store) DonorsOfApplication(ctx context.Context, applicationID string) ([]string, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT DISTINCT donor_id::text FROM pledges WHERE application_id = $1 OR redirect_application_id = $1
		ORDER BY 1`, applicationID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// ListPledges returns up to f.Limit pledges after the keyset position, oldest first.
func (s *Store) ListPledges(ctx context.Context, f app.PledgeFilter) ([]domain.Pledge, error) {
	afterID := f.AfterID
	if afterID == "" {
		afterID = "00000000-0000-0000-0000-000000000000"
	}
	return collectPledges(s.q(ctx).Query(ctx, `SELECT `+pledgeCols+` FROM pledges
		WHERE ($1 = '' OR application_id::text = $1) AND ($2 = '' OR donor_id::text = $2) AND ($3::uuid[] IS NULL OR donor_id = ANY($3))
		  AND (created_at, id) > ($4, $5::uuid)
		ORDER BY created_at, id LIMIT $6`, f.ApplicationID, f.DonorID, f.DonorIDs, f.AfterTime, afterID, f.Limit))
}

// NextReceipt advances the year's receipt counter and returns the new number. The counter row stays locked
// until the transaction ends, so concurrent confirmations queue and a rolled-back one leaves no gap.
func (s *Store) NextReceipt(ctx context.Context, year int) (int64, error) {
	var n int64
	err := s.q(ctx).QueryRow(ctx, `INSERT INTO receipt_counters (year, last) VALUES ($1, 1)
		ON CONFLICT (year) DO UPDATE SET last = receipt_counters.last + 1 RETURNING last`, year).Scan(&n)
	return n, err
}
