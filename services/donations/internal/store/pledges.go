package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/hashchain/pgchain"
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/pkg/ledger/pgledger"
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

// LockForDeposit reads and locks a pledge, and reads the pledge already confirmed under a bank reference (ok is
// false when there is none), in one round trip of the context's transaction.
func (s *Store) LockForDeposit(ctx context.Context, id, bankRef string) (p, other domain.Pledge, ok bool, err error) {
	tx, err := s.batcher(ctx)
	if err != nil {
		return p, other, false, err
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT `+pledgeCols+` FROM pledges WHERE id = $1`+db.LockClause(true), id)
	b.Queue(`SELECT `+pledgeCols+` FROM pledges WHERE bank_reference = $1`, bankRef)
	res := tx.SendBatch(ctx, b)
	defer res.Close()
	if p, err = scanPledge(res.QueryRow()); err != nil {
		return p, other, false, db.NotFound(err, "pledge", id)
	}
	other, err = scanPledge(res.QueryRow())
	if errors.Is(err, pgx.ErrNoRows) {
		return p, domain.Pledge{}, false, res.Close()
	}
	if err != nil {
		return p, other, false, err
	}
	return p, other, true, res.Close()
}

// BookDeposit ends a confirmation's unit of work: it makes t in the ledger (pgledger), then appends e to the
// pledges' audit trail (its hash chain, chains.go) and saves p with the year's next receipt number. The
// ledger's writes, the event, the receipt counter and the pledge go in one round trip (pgledger.Then), the
// event's hash computed in SQL (pgchain.Events.QueueAppend) so the chain needs no round trip of its own: the
// shared locks (the accounts, the ledger's chain, the events' chain, the counter) are held for two round trips
// and the commit, the counter for one statement and the commit. Numbers have no gap and no duplicate.
func (s *Store) BookDeposit(ctx context.Context, p domain.Pledge, t ledger.Transfer, year int, e domain.PledgeEvent) (domain.Pledge, error) {
	var n int64
	var receipt string
	var readEvent func(pgx.BatchResults) error
	then := pgledger.Then{
		Queue: func(b *pgx.Batch) {
			readEvent = pledgeEvents.QueueAppend(b, pgchain.Event{Owner: e.PledgeID, Action: e.Action, At: e.At, By: e.By, RequestID: e.RequestID, Detail: e.Detail})
			// The receipt number in domain.ReceiptNumber's format (year in 4 digits, number in at least 6), checked
			// against it below.
			b.Queue(`WITH n AS (INSERT INTO receipt_counters (year, last) VALUES ($12, 1)
					ON CONFLICT (year) DO UPDATE SET last = receipt_counters.last + 1 RETURNING last)
				UPDATE pledges SET state = $2, bank_reference = $3, deposited_amount_fen = $4, deposited_at = $5,
				confirmed_at = $6, appraised_value_fen = $7, appraisal_notes = $8, appraised_at = $9, approved_at = $10, late = $11,
				receipt_number = lpad($12::text, 4, '0') || '-' || lpad(n.last::text, greatest(6, length(n.last::text)), '0'),
				refunded_at = $13, redirected_at = $14, redirect_application_id = $15 FROM n WHERE id = $1 RETURNING n.last, receipt_number`,
				p.ID, p.State, nullString(p.BankReference), p.DepositedAmountFen, db.NullTime(p.DepositedAt), db.NullTime(p.ConfirmedAt),
				p.AppraisedValueFen, p.AppraisalNotes, db.NullTime(p.AppraisedAt), db.NullTime(p.ApprovedAt), p.Late, year,
				db.NullTime(p.RefundedAt), db.NullTime(p.RedirectedAt), nullString(p.RedirectApplicationID))
		},
		Read: func(res pgx.BatchResults) error {
			if err := readEvent(res); err != nil {
				return err
			}
			return res.QueryRow().Scan(&n, &receipt)
		},
	}
	if _, err := s.Ledger.CreateTransfersThen(ctx, then, t); err != nil {
		if uniqueViolation(err, "pledges_bank_reference_key") {
			return domain.Pledge{}, domain.ErrBankReferenceConflict.With("bank reference %q was already confirmed for another pledge", p.BankReference)
		}
		return domain.Pledge{}, db.NotFound(err, "pledge", p.ID)
	}
	p.IssueReceipt(year, n)
	if p.ReceiptNumber != receipt {
		return domain.Pledge{}, fmt.Errorf("receipt number stored as %q, not %q", receipt, p.ReceiptNumber)
	}
	return p, nil
}

// batcher is the context's transaction, which sends statements in one round trip.
func (s *Store) batcher(ctx context.Context) (interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}, error) {
	tx, ok := s.q(ctx).(pgx.Tx)
	if !ok {
		return nil, errors.New("store: a batch needs the unit of work's transaction")
	}
	return tx, nil
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
