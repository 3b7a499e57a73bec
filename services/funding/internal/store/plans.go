package store

import (
	"context"
	"errors"
	"reflect"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/hashchain/pgchain"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

const planCols = `id, round_id, application_id, org_id, rank, state, budget_fen, donation_fen, in_kind_fen, government_fen, match_fen,
	topup_fen, shortfall_fen, signatures, payee_bank, payee_account_name, payee_account_sealed, payee_account_masked, payee_confirmed,
	clawback, reason, termination_requested, termination_approvals, coalesce(transfer_to_org_id::text, ''), transfer_approvals,
	created_at, version`

func scanPlan(row pgx.Row) (domain.Plan, error) {
	var p domain.Plan
	var signatures []string
	err := row.Scan(&p.ID, &p.RoundID, &p.ApplicationID, &p.OrgID, &p.Rank, &p.State, &p.BudgetFen, &p.DonationFen, &p.InKindFen, &p.GovernmentFen,
		&p.MatchFen, &p.TopupFen, &p.ShortfallFen, &signatures, &p.Payee.Bank, &p.Payee.AccountName, &p.Payee.Sealed, &p.Payee.Masked,
		&p.Payee.Confirmed, &p.Clawback, &p.Reason, &p.TerminationRequested, &p.TerminationApprovals, &p.TransferToOrgID, &p.TransferApprovals,
		&p.CreatedAt, &p.Version)
	for _, s := range signatures {
		p.Signatures = append(p.Signatures, domain.Party(s))
	}
	return p, err
}

const trancheCols = `plan_id, number, percent, gate, government_fen, donation_fen, state, government_paid, coalesce(government_ref, ''),
	government_paid_at, donation_paid, coalesce(donation_ref, ''), donation_paid_at, requested_at, requested_by, approved_at, approved_by, paid_at`

// listPlans reads the plans matching where (with args), in selection order, with their tranches.
func listPlans(ctx context.Context, q db.Querier, where string, args ...any) ([]domain.Plan, error) {
	rows, err := q.Query(ctx, `SELECT `+planCols+` FROM plans WHERE `+where+` ORDER BY round_id, rank`, args...)
	if err != nil {
		return nil, err
	}
	plans, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Plan, error) { return scanPlan(row) })
	if err != nil || len(plans) == 0 {
		return plans, err
	}
	byID := map[string]*domain.Plan{}
	ids := make([]string, len(plans))
	for i := range plans {
		byID[plans[i].ID], ids[i] = &plans[i], plans[i].ID
	}
	rows, err = q.Query(ctx, `SELECT `+trancheCols+` FROM tranches WHERE plan_id = ANY($1::uuid[]) ORDER BY plan_id, number`, ids)
	if err != nil {
		return nil, err
	}
	var planID string
	var t domain.Tranche
	var govAt, donAt, reqAt, apprAt, paidAt *time.Time
	_, err = pgx.ForEachRow(rows, []any{&planID, &t.Number, &t.Percent, &t.Gate, &t.GovernmentFen, &t.DonationFen, &t.State, &t.GovernmentPaid,
		&t.GovernmentRef, &govAt, &t.DonationPaid, &t.DonationRef, &donAt, &reqAt, &t.RequestedBy, &apprAt, &t.ApprovedBy, &paidAt}, func() error {
		t.GovernmentPaidAt, t.DonationPaidAt, t.RequestedAt, t.ApprovedAt, t.PaidAt = db.TimeOf(govAt), db.TimeOf(donAt), db.TimeOf(reqAt), db.TimeOf(apprAt), db.TimeOf(paidAt)
		byID[planID].Tranches = append(byID[planID].Tranches, t)
		return nil
	})
	return plans, err
}

func (s *Store) onePlan(ctx context.Context, what, id, where string, forUpdate bool) (domain.Plan, error) {
	if forUpdate {
		// Lock the plan row first: its tranches are only changed under it.
		if _, err := s.q(ctx).Exec(ctx, `SELECT 1 FROM plans WHERE `+where+` FOR UPDATE`, id); err != nil {
			return domain.Plan{}, err
		}
	}
	plans, err := listPlans(ctx, s.q(ctx), where, id)
	if err != nil {
		return domain.Plan{}, err
	}
	if len(plans) == 0 {
		return domain.Plan{}, errs.ErrNotFound.With("%s %s not found", what, id)
	}
	return plans[0], nil
}

// GetPlan reads a plan; NOT_FOUND when there is none.
func (s *Store) GetPlan(ctx context.Context, id string) (domain.Plan, error) {
	return s.onePlan(ctx, "plan", id, `id = $1`, false)
}

// PlanOfApplication reads a project's plan; NOT_FOUND when there is none.
func (s *Store) PlanOfApplication(ctx context.Context, applicationID string) (domain.Plan, error) {
	return s.onePlan(ctx, "plan of application", applicationID, `application_id = $1`, false)
}

// PlansOfRound lists a round's plans in selection order.
func (s *Store) PlansOfRound(ctx context.Context, roundID string) ([]domain.Plan, error) {
	return listPlans(ctx, s.q(ctx), `round_id = $1`, roundID)
}

// InsertPlans stores new plans and their tranches.
func (s *Store) InsertPlans(ctx context.Context, plans []domain.Plan) error {
	return db.InTx(ctx, s.pool, func(ctx context.Context) error {
		for _, p := range plans {
			if _, err := s.q(ctx).Exec(ctx, `INSERT INTO plans (id, round_id, application_id, org_id, rank, state, budget_fen, donation_fen, in_kind_fen,
				government_fen, match_fen, topup_fen, shortfall_fen, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
				p.ID, p.RoundID, p.ApplicationID, p.OrgID, p.Rank, p.State, p.BudgetFen, p.DonationFen, p.InKindFen, p.GovernmentFen, p.MatchFen, p.TopupFen,
				p.ShortfallFen, p.CreatedAt); err != nil {
				return err
			}
			for _, t := range p.Tranches {
				if _, err := s.q(ctx).Exec(ctx, `INSERT INTO tranches (plan_id, number, percent, gate, government_fen, donation_fen, state)
					VALUES ($1, $2, $3, $4, $5, $6, $7)`, p.ID, t.Number, t.Percent, t.Gate, t.GovernmentFen, t.DonationFen, t.State); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// UpdatePlan loads and locks a plan, applies change and saves what changed (the plan's version goes up), all
// in the context's transaction (or its own).
func (s *Store) UpdatePlan(ctx context.Context, id string, change func(p *domain.Plan) error) (domain.Plan, error) {
	var out domain.Plan
	err := db.InTx(ctx, s.pool, func(ctx context.Context) error {
		p, err := s.onePlan(ctx, "plan", id, `id = $1`, true)
		if err != nil {
			return err
		}
		before := p.Clone()
		if err := change(&p); err != nil {
			return err
		}
		if !reflect.DeepEqual(before, p) {
			p.Version++
			if err := s.savePlan(ctx, before, p); err != nil {
				return err
			}
		}
		out = p
		return nil
	})
	return out, err
}

func (s *Store) savePlan(ctx context.Context, before, p domain.Plan) error {
	signatures := make([]string, 0, len(p.Signatures))
	for _, party := range p.Signatures {
		signatures = append(signatures, string(party))
	}
	if _, err := s.q(ctx).Exec(ctx, `UPDATE plans SET org_id = $2, state = $3, signatures = $4, payee_bank = $5, payee_account_name = $6,
		payee_account_sealed = $7, payee_account_masked = $8, payee_confirmed = $9, clawback = $10, reason = $11, termination_requested = $12,
		termination_approvals = $13, transfer_to_org_id = NULLIF($14, '')::uuid, transfer_approvals = $15, version = $16 WHERE id = $1`,
		p.ID, p.OrgID, p.State, signatures, p.Payee.Bank, p.Payee.AccountName, p.Payee.Sealed, p.Payee.Masked, p.Payee.Confirmed, p.Clawback,
		p.Reason, p.TerminationRequested, orEmpty(p.TerminationApprovals), p.TransferToOrgID, orEmpty(p.TransferApprovals), p.Version); err != nil {
		return err
	}
	for i, t := range p.Tranches {
		if i < len(before.Tranches) && before.Tranches[i] == t {
			continue
		}
		_, err := s.q(ctx).Exec(ctx, `UPDATE tranches SET state = $3, government_paid = $4, government_ref = NULLIF($5, ''), government_paid_at = $6,
			donation_paid = $7, donation_ref = NULLIF($8, ''), donation_paid_at = $9, requested_at = $10, requested_by = $11, approved_at = $12,
			approved_by = $13, paid_at = $14 WHERE plan_id = $1 AND number = $2`,
			p.ID, t.Number, t.State, t.GovernmentPaid, t.GovernmentRef, db.NullTime(t.GovernmentPaidAt), t.DonationPaid, t.DonationRef,
			db.NullTime(t.DonationPaidAt), db.NullTime(t.RequestedAt), t.RequestedBy, db.NullTime(t.ApprovedAt), t.ApprovedBy, db.NullTime(t.PaidAt))
		switch {
		case uniqueViolation(err, "tranches_government_ref"):
			return domain.ErrPaymentReferenceUsed.With("payment reference %q already paid another tranche's government share", t.GovernmentRef)
		case uniqueViolation(err, "tranches_donation_ref"):
			return domain.ErrPaymentReferenceUsed.With("payment reference %q already paid another tranche's donation share", t.DonationRef)
		case err != nil:
			return err
		}
	}
	return nil
}

// orEmpty stores a nil list as an empty JSON array.
func orEmpty(a []domain.Approval) []domain.Approval {
	if a == nil {
		return []domain.Approval{}
	}
	return a
}

// RecordEvent appends to a plan's audit trail (append-only in the database), as the next entry of its hash
// chain (chains.go), inside the caller's unit of work.
func (s *Store) RecordEvent(ctx context.Context, e domain.PlanEvent) error {
	return db.InTx(ctx, s.pool, func(ctx context.Context) error {
		return planEvents.Append(ctx, s.q(ctx), pgchain.Event{Owner: e.PlanID, Action: e.Action, At: e.At, By: e.By, RequestID: e.RequestID, Detail: e.Detail})
	})
}

const returnCols = `payment_reference, plan_id, share, amount_fen, returned_by, request_id, returned_at`

func scanReturn(row pgx.Row) (domain.ClawbackReturn, error) {
	var r domain.ClawbackReturn
	err := row.Scan(&r.PaymentReference, &r.PlanID, &r.Share, &r.AmountFen, &r.ReturnedBy, &r.RequestID, &r.ReturnedAt)
	return r, err
}

// InsertReturn records a clawback return unless its payment reference is known, and returns the return
// stored under it.
func (s *Store) InsertReturn(ctx context.Context, r domain.ClawbackReturn) (domain.ClawbackReturn, bool, error) {
	tag, err := s.q(ctx).Exec(ctx, `INSERT INTO clawback_returns (`+returnCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
		r.PaymentReference, r.PlanID, r.Share, r.AmountFen, r.ReturnedBy, r.RequestID, r.ReturnedAt)
	if err != nil {
		return domain.ClawbackReturn{}, false, err
	}
	if tag.RowsAffected() == 1 {
		return r, true, nil
	}
	stored, err := scanReturn(s.q(ctx).QueryRow(ctx, `SELECT `+returnCols+` FROM clawback_returns WHERE payment_reference = $1`, r.PaymentReference))
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.ClawbackReturn{}, false, errors.New("clawback return vanished")
	}
	return stored, false, err
}

// GetReturn reads the clawback return recorded under a payment reference; ok is false when there is none.
func (s *Store) GetReturn(ctx context.Context, paymentReference string) (domain.ClawbackReturn, bool, error) {
	r, err := scanReturn(s.q(ctx).QueryRow(ctx, `SELECT `+returnCols+` FROM clawback_returns WHERE payment_reference = $1`, paymentReference))
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.ClawbackReturn{}, false, nil
	}
	return r, err == nil, err
}

func listReturns(ctx context.Context, q db.Querier) ([]domain.ClawbackReturn, error) {
	rows, err := q.Query(ctx, `SELECT `+returnCols+` FROM clawback_returns ORDER BY returned_at, payment_reference`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.ClawbackReturn, error) { return scanReturn(row) })
}
