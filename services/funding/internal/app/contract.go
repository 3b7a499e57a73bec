package app

import (
	"context"
	"fmt"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

// SetPayee records the bank account a project's tranches are paid to.
type SetPayee struct {
	Key           idempotency.Key
	PlanID        string
	Bank          string
	AccountName   string
	AccountNumber string
}

// SetPayee records the payee account for the project's own applicant, sealing the account number (it is
// kept sealed with its masked form beside it: neither the plan nor the request record holds it in clear).
// Setting it again replaces it and withdraws the operator's confirmation.
func (s *Service) SetPayee(ctx context.Context, cmd SetPayee) (domain.Plan, error) {
	payee, err := domain.NewPayee(cmd.Bank, cmd.AccountName, cmd.AccountNumber)
	if err != nil {
		return domain.Plan{}, err
	}
	number := payee.AccountNumber
	payee.AccountNumber = ""
	return s.mutatePlan(ctx, cmd.Key, cmd.PlanID, "PAYEE_SET", func(ctx context.Context, p *domain.Plan) (string, error) {
		if !owns(identity.From(ctx), p.OrgID) {
			return "", errs.ErrNotFound.With("plan %s not found", p.ID)
		}
		// Sealed bound to the plan's row as stored (p.ID, not the ID as the caller spelt it).
		var err error
		if payee.Sealed, err = s.box.Seal(number, payeeBinding(p.ID)); err != nil {
			return "", err
		}
		if p.Payee.Set() && p.Payee.Bank == payee.Bank && p.Payee.AccountName == payee.AccountName && p.Payee.Masked == payee.Masked {
			// Possibly the same account again: only the sealed value tells, and it differs at every sealing.
			if recorded, err := s.box.Open(p.Payee.Sealed, payeeBinding(p.ID)); err != nil || recorded == number {
				return "", err
			}
		}
		return fmt.Sprintf("bank=%s account_name=%s account=%s", payee.Bank, payee.AccountName, payee.Masked), p.SetPayee(payee)
	})
}

// PlanCommand names a plan.
type PlanCommand struct {
	Key    idempotency.Key
	PlanID string
}

// ConfirmPayee records the operator's confirmation of the recorded payee account; tranche 1 needs it.
func (s *Service) ConfirmPayee(ctx context.Context, cmd PlanCommand) (domain.Plan, error) {
	return s.mutatePlan(ctx, cmd.Key, cmd.PlanID, "PAYEE_CONFIRMED", func(_ context.Context, p *domain.Plan) (string, error) {
		return "account=" + p.Payee.Masked, p.ConfirmPayee()
	})
}

// SignContract records one party's signature of the project contract.
type SignContract struct {
	Key    idempotency.Key
	PlanID string
	Party  domain.Party
}

// SignContract records a signature: the ORGANIZER signs for the organizer, the OPERATOR for the operator,
// the project's own APPLICANT for the team (PARTY_NOT_CALLER otherwise). The third signature makes the plan
// ACTIVE; signing again changes nothing.
func (s *Service) SignContract(ctx context.Context, cmd SignContract) (domain.Plan, error) {
	who := identity.From(ctx)
	var role identity.Role
	switch cmd.Party {
	case domain.PartyOrganizer:
		role = identity.Organizer
	case domain.PartyOperator:
		role = identity.Operator
	case domain.PartyTeam:
		role = identity.Applicant
	default:
		return domain.Plan{}, domain.ErrInvalidParty
	}
	if !who.Has(role) {
		return domain.Plan{}, domain.ErrWrongParty.With("party %s is signed for by %s", cmd.Party, role)
	}
	return s.mutatePlan(ctx, cmd.Key, cmd.PlanID, "CONTRACT_SIGNED", func(ctx context.Context, p *domain.Plan) (string, error) {
		if cmd.Party == domain.PartyTeam && !owns(who, p.OrgID) {
			return "", errs.ErrNotFound.With("plan %s not found", p.ID)
		}
		return fmt.Sprintf("party=%s org_id=%s", cmd.Party, p.OrgID), p.Sign(cmd.Party)
	})
}
