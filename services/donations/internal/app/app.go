// Package app holds the donations service's use cases: it authorises the caller, asks the applications
// service what it needs, loads and saves through the repository, and applies the domain rules.
package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
	"github.com/commonweal/commonweal/services/donations/internal/store"
)

// Repository is what the use cases need from storage.
type Repository interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	InsertDonor(ctx context.Context, d domain.Donor) error
	GetDonor(ctx context.Context, id string) (domain.Donor, error)
	DonorsOwnedBy(ctx context.Context, subject string) ([]string, error)
	InsertPledge(ctx context.Context, p domain.Pledge) error
	GetPledge(ctx context.Context, id string, forUpdate bool) (domain.Pledge, error)
	PledgeByBankReference(ctx context.Context, ref string) (domain.Pledge, bool, error)
	UpdatePledge(ctx context.Context, p domain.Pledge) error
	RecordEvent(ctx context.Context, pledgeID, action string, at time.Time, by, requestID, detail string) error
	PledgesOfApplication(ctx context.Context, applicationID string) ([]domain.Pledge, error)
	DonorsOfApplication(ctx context.Context, applicationID string) ([]string, error)
	ListPledges(ctx context.Context, f store.ListFilter) ([]domain.Pledge, error)
	NextReceipt(ctx context.Context, year int) (int64, error)
	CreateTransfer(ctx context.Context, t domain.Transfer, at time.Time) (store.StoredTransfer, error)
	LedgerSnapshot(ctx context.Context) (map[string]domain.Balance, []domain.Transfer, []domain.Pledge, error)
}

// ApplicationInfo is what this service needs to know of an application.
type ApplicationInfo struct {
	ID             string
	RoundID        string
	Stage          string // SHORTLISTED, SELECTED, … or "" before any outcome
	BudgetTotalFen int64
}

// RoundInfo is what this service needs to know of a round.
type RoundInfo struct {
	ID                  string
	Phase               string // PUBLICITY, PROMOTION, …
	DonationCutoff      time.Time
	NamingRightShareBps int
}

// Applications is the applications service as this service uses it. A missing application is
// domain.ErrApplicationNotFound.
type Applications interface {
	GetApplication(ctx context.Context, id string) (ApplicationInfo, error)
	GetRound(ctx context.Context, id string) (RoundInfo, error)
}

// Service is the use cases.
type Service struct {
	repo Repository
	apps Applications
	now  func() time.Time
}

// New returns the use cases over repo, asking apps about applications and rounds.
func New(repo Repository, apps Applications, now func() time.Time) *Service {
	// PostgreSQL keeps microseconds: answers built from memory then match answers read back later.
	return &Service{repo: repo, apps: apps, now: func() time.Time { return now().Truncate(time.Microsecond) }}
}

func require(id identity.Identity, roles ...identity.Role) error {
	if !id.Has(roles...) {
		return errs.ErrPermissionDenied.With("requires one of %v", roles)
	}
	return nil
}

// readsAll reports whether the caller sees every donor and pledge: staff, suite services and the federation.
func readsAll(who identity.Identity) bool {
	return who.ReadsAll() || who.Has(identity.CharityFederation)
}

// readers are the roles that may read donors and pledges (donors only their own).
var readers = append([]identity.Role{identity.Donor, identity.CharityFederation, identity.Service}, identity.StaffRoles...)

// owns reports whether the caller acts for the donor: its identity names it, or it registered it.
func owns(who identity.Identity, d domain.Donor) bool {
	return who.Has(identity.Donor) && (who.DonorID == d.ID || who.Subject != "" && who.Subject == d.OwnerSubject)
}

// --- donors ---

// CreateDonor registers a donor owned by the calling donor user (or by an operator).
func (s *Service) CreateDonor(ctx context.Context, name string, kind domain.DonorKind, uscc, idNumber, phone string) (domain.Donor, error) {
	who := identity.From(ctx)
	if err := require(who, identity.Donor, identity.Operator); err != nil {
		return domain.Donor{}, err
	}
	d, err := domain.NewDonor(name, kind, uscc, idNumber, phone)
	if err != nil {
		return domain.Donor{}, err
	}
	d.ID, d.OwnerSubject, d.CreatedAt = store.NewID(), who.Subject, s.now()
	return d, s.repo.InsertDonor(ctx, d)
}

// view masks personal numbers for everyone but the owner and the organizer.
func view(who identity.Identity, d domain.Donor) domain.Donor {
	if owns(who, d) || who.Has(identity.Organizer) {
		return d
	}
	return d.Masked()
}

// GetDonor returns a donor to its owner, staff and the federation.
func (s *Service) GetDonor(ctx context.Context, id string) (domain.Donor, error) {
	who := identity.From(ctx)
	if err := require(who, readers...); err != nil {
		return domain.Donor{}, err
	}
	if err := store.ParseID("donor_id", id); err != nil {
		return domain.Donor{}, err
	}
	d, err := s.repo.GetDonor(ctx, id)
	if err != nil {
		return d, err
	}
	if !readsAll(who) && !owns(who, d) {
		return domain.Donor{}, errs.ErrNotFound.With("donor %s not found", id)
	}
	return view(who, d), nil
}

// --- pledges ---

// CreatePledge records a pledge to a shortlisted application while its round accepts pledges.
func (s *Service) CreatePledge(ctx context.Context, p domain.Pledge, requestID string) (domain.Pledge, error) {
	who := identity.From(ctx)
	if err := require(who, identity.Donor, identity.Operator); err != nil {
		return domain.Pledge{}, err
	}
	if err := store.ParseID("donor_id", p.DonorID); err != nil {
		return domain.Pledge{}, err
	}
	if err := store.ParseID("application_id", p.ApplicationID); err != nil {
		return domain.Pledge{}, err
	}
	d, err := s.repo.GetDonor(ctx, p.DonorID)
	if errs.ErrNotFound.Is(err) || err == nil && !who.Has(identity.Operator) && !owns(who, d) {
		return domain.Pledge{}, domain.ErrDonorNotOwned.Field("donor_id", "not a donor the caller acts for")
	} else if err != nil {
		return domain.Pledge{}, err
	}
	a, err := s.apps.GetApplication(ctx, p.ApplicationID)
	if err != nil {
		return domain.Pledge{}, err
	}
	r, err := s.apps.GetRound(ctx, a.RoundID)
	if err != nil {
		return domain.Pledge{}, err
	}
	np, err := domain.NewPledge(p.DonorID, p.ApplicationID, p.AmountFen, p.Kind, p.AgreementRef, p.Description, a.Stage, r.Phase)
	if err != nil {
		return domain.Pledge{}, err
	}
	np.ID, np.RoundID, np.CreatedAt, np.CreatedBy = store.NewID(), a.RoundID, s.now(), who.Subject
	err = s.repo.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.InsertPledge(ctx, np); err != nil {
			return err
		}
		return s.repo.RecordEvent(ctx, np.ID, "PLEDGED", np.CreatedAt, who.Subject, requestID, fmt.Sprintf("amount_fen=%d kind=%s agreement=%s", np.AmountFen, np.Kind, np.AgreementRef))
	})
	return np, err
}

// visible reports whether the caller may see a pledge: staff, services, the federation, or its donor.
func (s *Service) visible(ctx context.Context, who identity.Identity, p domain.Pledge) (bool, error) {
	if readsAll(who) {
		return true, nil
	}
	d, err := s.repo.GetDonor(ctx, p.DonorID)
	if err != nil {
		return false, err
	}
	return owns(who, d), nil
}

// GetPledge returns a pledge to its donor, staff and the federation; anyone else gets NOT_FOUND.
func (s *Service) GetPledge(ctx context.Context, id string) (domain.Pledge, error) {
	who := identity.From(ctx)
	if err := require(who, readers...); err != nil {
		return domain.Pledge{}, err
	}
	if err := store.ParseID("pledge_id", id); err != nil {
		return domain.Pledge{}, err
	}
	p, err := s.repo.GetPledge(ctx, id, false)
	if err != nil {
		return p, err
	}
	ok, err := s.visible(ctx, who, p)
	if err != nil {
		return domain.Pledge{}, err
	}
	if !ok {
		return domain.Pledge{}, errs.ErrNotFound.With("pledge %s not found", id)
	}
	return p, nil
}

// ListPledges lists pledges: all for staff and the federation, its own donors' for a donor user.
func (s *Service) ListPledges(ctx context.Context, f store.ListFilter) ([]domain.Pledge, error) {
	who := identity.From(ctx)
	if err := require(who, readers...); err != nil {
		return nil, err
	}
	if f.ApplicationID != "" {
		if err := store.ParseID("application_id", f.ApplicationID); err != nil {
			return nil, err
		}
	}
	if f.DonorID != "" {
		if err := store.ParseID("donor_id", f.DonorID); err != nil {
			return nil, err
		}
	}
	if !readsAll(who) {
		owned, err := s.repo.DonorsOwnedBy(ctx, who.Subject)
		if err != nil {
			return nil, err
		}
		if who.DonorID != "" && store.ParseID("donor_id", who.DonorID) == nil {
			owned = append(owned, who.DonorID)
		}
		f.DonorIDs = append([]string{}, owned...)
	}
	return s.repo.ListPledges(ctx, f)
}

// ConfirmDeposit records the bank's receipt of a cash pledge, issues the next receipt number of the year and
// books bank → earmarked (or late) in the ledger, all in one transaction. CHARITY_FEDERATION only.
// Idempotent on the bank reference: the same reference, pledge and amount returns the pledge unchanged.
func (s *Service) ConfirmDeposit(ctx context.Context, id, bankRef string, amount int64, depositedAt time.Time, requestID string) (domain.Pledge, error) {
	who := identity.From(ctx)
	if err := require(who, identity.CharityFederation); err != nil {
		return domain.Pledge{}, err
	}
	if err := store.ParseID("pledge_id", id); err != nil {
		return domain.Pledge{}, err
	}
	// A bank reference names one bank credit: padding must not make it another one.
	bankRef = strings.TrimSpace(bankRef)
	depositedAt = depositedAt.Truncate(time.Microsecond)
	first, err := s.repo.GetPledge(ctx, id, false)
	if err != nil {
		return first, err
	}
	if first.BankReference != "" && first.DepositMatches(bankRef, amount) {
		return first, nil // a retry of a confirmation: answered without asking anyone
	}
	r, err := s.apps.GetRound(ctx, first.RoundID)
	if err != nil {
		return domain.Pledge{}, err
	}
	var p domain.Pledge
	err = s.repo.InTx(ctx, func(ctx context.Context) error {
		var err error
		if p, err = s.repo.GetPledge(ctx, id, true); err != nil {
			return err
		}
		if p.BankReference != "" && p.BankReference == bankRef {
			if p.DepositMatches(bankRef, amount) {
				return nil // a retry of the confirmation: same receipt, nothing changes
			}
			return domain.ErrBankReferenceConflict.With("bank reference %q was confirmed for %d fen, not %d", bankRef, p.DepositedAmountFen, amount)
		}
		if other, ok, err := s.repo.PledgeByBankReference(ctx, bankRef); err != nil {
			return err
		} else if ok && other.ID != p.ID {
			return domain.ErrBankReferenceConflict.With("bank reference %q was confirmed for another pledge", bankRef)
		}
		now := s.now()
		if err := p.ConfirmDeposit(bankRef, amount, depositedAt, now, r.DonationCutoff, ""); err != nil {
			return err
		}
		if err := s.repo.RecordEvent(ctx, p.ID, "DEPOSITED", now, who.Subject, requestID,
			fmt.Sprintf("bank_reference=%s amount_fen=%d pledged_fen=%d deposited_at=%s late=%t", bankRef, amount, p.AmountFen,
				depositedAt.UTC().Format(time.RFC3339Nano), p.Late)); err != nil {
			return err
		}
		// The shared rows (the bank account, the year's receipt counter) are locked last, so concurrent
		// confirmations queue on them for as few statements as possible.
		if _, err := s.repo.CreateTransfer(ctx, domain.Transfer{
			ID: "pledge:" + p.ID + ":confirm", Kind: domain.TransferPosted, Debit: domain.SourceAccount(p), Credit: domain.ConfirmedAccount(p),
			AmountFen: p.DepositedAmountFen, Reason: "cash deposit, bank reference " + bankRef, ApplicationID: p.ApplicationID, PledgeID: p.ID,
			RequestedBy: who.Subject, RequestID: requestID,
		}, now); err != nil {
			return err
		}
		year := domain.ReceiptYear(now)
		n, err := s.repo.NextReceipt(ctx, year)
		if err != nil {
			return err
		}
		p.ReceiptNumber = domain.ReceiptNumber(year, n)
		return s.repo.UpdatePledge(ctx, p)
	})
	if err != nil {
		return domain.Pledge{}, err
	}
	return p, nil
}

// AppraisePledge values an in-kind pledge. OPERATOR only.
func (s *Service) AppraisePledge(ctx context.Context, id string, value int64, notes, requestID string) (domain.Pledge, error) {
	who := identity.From(ctx)
	if err := require(who, identity.Operator); err != nil {
		return domain.Pledge{}, err
	}
	return s.change(ctx, id, func(ctx context.Context, p *domain.Pledge, now time.Time) error {
		if err := p.Appraise(value, notes, now); err != nil {
			return err
		}
		return s.repo.RecordEvent(ctx, p.ID, "APPRAISED", now, who.Subject, requestID, fmt.Sprintf("value_fen=%d notes=%s", value, notes))
	})
}

// ApproveAppraisal approves an in-kind pledge's value, issues its receipt and books it. ORGANIZER only.
func (s *Service) ApproveAppraisal(ctx context.Context, id, requestID string) (domain.Pledge, error) {
	who := identity.From(ctx)
	if err := require(who, identity.Organizer); err != nil {
		return domain.Pledge{}, err
	}
	if err := store.ParseID("pledge_id", id); err != nil {
		return domain.Pledge{}, err
	}
	first, err := s.repo.GetPledge(ctx, id, false)
	if err != nil {
		return first, err
	}
	r, err := s.apps.GetRound(ctx, first.RoundID)
	if err != nil {
		return domain.Pledge{}, err
	}
	return s.change(ctx, id, func(ctx context.Context, p *domain.Pledge, now time.Time) error {
		if err := p.Approve(now, r.DonationCutoff, ""); err != nil {
			return err
		}
		// As for deposits: the ledger accounts first, then the receipt counter, in every transaction.
		if _, err := s.repo.CreateTransfer(ctx, domain.Transfer{
			ID: "pledge:" + p.ID + ":confirm", Kind: domain.TransferPosted, Debit: domain.SourceAccount(*p), Credit: domain.ConfirmedAccount(*p),
			AmountFen: p.AppraisedValueFen, Reason: "in-kind donation approved", ApplicationID: p.ApplicationID, PledgeID: p.ID,
			RequestedBy: who.Subject, RequestID: requestID,
		}, now); err != nil {
			return err
		}
		year := domain.ReceiptYear(now)
		n, err := s.repo.NextReceipt(ctx, year)
		if err != nil {
			return err
		}
		p.ReceiptNumber = domain.ReceiptNumber(year, n)
		return s.repo.RecordEvent(ctx, p.ID, "APPROVED", now, who.Subject, requestID, fmt.Sprintf("value_fen=%d late=%t receipt=%s", p.AppraisedValueFen, p.Late, p.ReceiptNumber))
	})
}

// RefundPledge returns a late donation, or one to a project not selected, to the donor. CHARITY_FEDERATION only.
func (s *Service) RefundPledge(ctx context.Context, id, reason, requestID string) (domain.Pledge, error) {
	who := identity.From(ctx)
	if err := require(who, identity.CharityFederation); err != nil {
		return domain.Pledge{}, err
	}
	return s.giveBack(ctx, id, func(ctx context.Context, p *domain.Pledge, stage string, now time.Time) (string, error) {
		if err := p.Refund(stage, now); err != nil {
			return "", err
		}
		return domain.AccountRefunds, s.repo.RecordEvent(ctx, p.ID, "REFUNDED", now, who.Subject, requestID, returnDetail(*p, stage, reason))
	}, "refund", reason, requestID)
}

// RedirectPledge moves a late donation, or one to a project not selected, at the donor's choice, recording the
// target application if given. OPERATOR only.
func (s *Service) RedirectPledge(ctx context.Context, id, target, reason, requestID string) (domain.Pledge, error) {
	who := identity.From(ctx)
	if err := require(who, identity.Operator); err != nil {
		return domain.Pledge{}, err
	}
	if target != "" {
		if err := store.ParseID("target_application_id", target); err != nil {
			return domain.Pledge{}, err
		}
		if _, err := s.apps.GetApplication(ctx, target); err != nil {
			if domain.ErrApplicationNotFound.Is(err) {
				return domain.Pledge{}, domain.ErrApplicationNotFound.Field("target_application_id", "no application has this ID")
			}
			return domain.Pledge{}, err
		}
	}
	return s.giveBack(ctx, id, func(ctx context.Context, p *domain.Pledge, stage string, now time.Time) (string, error) {
		if err := p.Redirect(stage, target, now); err != nil {
			return "", err
		}
		return domain.AccountRedirected, s.repo.RecordEvent(ctx, p.ID, "REDIRECTED", now, who.Subject, requestID, "target="+target+" "+returnDetail(*p, stage, reason))
	}, "redirect", reason, requestID)
}

// returnDetail is the audit detail of a refund or redirection: the amount, the grounds it was allowed on (late,
// or the project's stage) and the caller's reason.
func returnDetail(p domain.Pledge, stage, reason string) string {
	return fmt.Sprintf("amount_fen=%d late=%t stage=%s reason=%s", p.ConfirmedValue(), p.Late, stage, reason)
}

// giveBack runs a refund or redirection: fn changes the pledge and names the account the money goes to.
func (s *Service) giveBack(ctx context.Context, id string, fn func(ctx context.Context, p *domain.Pledge, stage string, now time.Time) (string, error), verb, reason, requestID string) (domain.Pledge, error) {
	who := identity.From(ctx)
	if err := store.ParseID("pledge_id", id); err != nil {
		return domain.Pledge{}, err
	}
	first, err := s.repo.GetPledge(ctx, id, false)
	if err != nil {
		return first, err
	}
	a, err := s.apps.GetApplication(ctx, first.ApplicationID)
	if err != nil {
		return domain.Pledge{}, err
	}
	return s.change(ctx, id, func(ctx context.Context, p *domain.Pledge, now time.Time) error {
		from := domain.ConfirmedAccount(*p)
		to, err := fn(ctx, p, a.Stage, now)
		if err != nil {
			return err
		}
		_, err = s.repo.CreateTransfer(ctx, domain.Transfer{
			ID: "pledge:" + p.ID + ":" + verb, Kind: domain.TransferPosted, Debit: from, Credit: to, AmountFen: p.ConfirmedValue(),
			Reason: verb + ": " + reason, ApplicationID: p.ApplicationID, PledgeID: p.ID, RequestedBy: who.Subject, RequestID: requestID,
		}, now)
		return err
	})
}

// change locks a pledge, applies fn and saves it.
func (s *Service) change(ctx context.Context, id string, fn func(ctx context.Context, p *domain.Pledge, now time.Time) error) (domain.Pledge, error) {
	if err := store.ParseID("pledge_id", id); err != nil {
		return domain.Pledge{}, err
	}
	var p domain.Pledge
	err := s.repo.InTx(ctx, func(ctx context.Context) error {
		var err error
		if p, err = s.repo.GetPledge(ctx, id, true); err != nil {
			return err
		}
		if err := fn(ctx, &p, s.now()); err != nil {
			return err
		}
		return s.repo.UpdatePledge(ctx, p)
	})
	if err != nil {
		return domain.Pledge{}, err
	}
	return p, nil
}

// --- summaries ---

// summaryReaders may read an application's donation summary: staff, partners and suite services.
var summaryReaders = append([]identity.Role{identity.CharityFederation, identity.LotteryCenter, identity.Service}, identity.StaffRoles...)

// DonationSummary returns an application's confirmed donations at asOf (default now) and the naming right.
func (s *Service) DonationSummary(ctx context.Context, applicationID string, asOf time.Time) (domain.Summary, time.Time, error) {
	who := identity.From(ctx)
	if err := require(who, summaryReaders...); err != nil {
		return domain.Summary{}, asOf, err
	}
	if err := store.ParseID("application_id", applicationID); err != nil {
		return domain.Summary{}, asOf, err
	}
	if asOf.IsZero() {
		asOf = s.now()
	}
	a, err := s.apps.GetApplication(ctx, applicationID)
	if err != nil {
		if domain.ErrApplicationNotFound.Is(err) {
			return domain.Summary{}, asOf, errs.ErrNotFound.With("application %s not found", applicationID)
		}
		return domain.Summary{}, asOf, err
	}
	r, err := s.apps.GetRound(ctx, a.RoundID)
	if err != nil {
		return domain.Summary{}, asOf, err
	}
	pledges, err := s.repo.PledgesOfApplication(ctx, applicationID)
	if err != nil {
		return domain.Summary{}, asOf, err
	}
	return domain.Summarize(pledges, asOf, a.BudgetTotalFen, r.NamingRightShareBps), asOf, nil
}

// ListApplicationDonors lists the donors with any pledge to an application. The reviews service and staff.
func (s *Service) ListApplicationDonors(ctx context.Context, applicationID string) ([]string, error) {
	who := identity.From(ctx)
	if !who.IsService("reviews") && !who.IsStaff() {
		return nil, errs.ErrPermissionDenied.With("only the reviews service and staff list an application's donors")
	}
	if err := store.ParseID("application_id", applicationID); err != nil {
		return nil, err
	}
	return s.repo.DonorsOfApplication(ctx, applicationID)
}

// --- ledger ---

// VerifyLedger recomputes the ledger from its transfers and reconciles it with the pledges the summaries are
// computed from. FINANCE, AUDITOR, CHARITY_FEDERATION.
func (s *Service) VerifyLedger(ctx context.Context) (domain.Verification, error) {
	who := identity.From(ctx)
	if err := require(who, identity.Finance, identity.Auditor, identity.CharityFederation); err != nil {
		return domain.Verification{}, err
	}
	balances, transfers, pledges, err := s.repo.LedgerSnapshot(ctx)
	if err != nil {
		return domain.Verification{}, err
	}
	return domain.VerifyWithPledges(balances, transfers, pledges), nil
}

func shareCaller(who identity.Identity) error {
	if who.IsService("funding") || who.Has(identity.CharityFederation) {
		return nil
	}
	return errs.ErrPermissionDenied.With("only the funding service and the charity federation move donation shares")
}

// ReserveDonationShare reserves amount of an application's earmarked donations for a tranche: a pending
// transfer earmarked:<application> → payout_pending.
func (s *Service) ReserveDonationShare(ctx context.Context, transferID, applicationID string, amount int64, reason string) (store.StoredTransfer, error) {
	who := identity.From(ctx)
	if err := shareCaller(who); err != nil {
		return store.StoredTransfer{}, err
	}
	if err := domain.ValidClientTransferID("transfer_id", transferID); err != nil {
		return store.StoredTransfer{}, err
	}
	if err := store.ParseID("application_id", applicationID); err != nil {
		return store.StoredTransfer{}, err
	}
	if err := domain.CheckAmount("amount_fen", amount); err != nil {
		return store.StoredTransfer{}, err
	}
	return s.repo.CreateTransfer(ctx, domain.Transfer{
		ID: transferID, Kind: domain.TransferPending, Debit: domain.EarmarkedAccount(applicationID), Credit: domain.AccountPayoutPending,
		AmountFen: amount, Reason: reason, ApplicationID: applicationID, RequestedBy: who.Subject, RequestID: transferID,
	}, s.now())
}

// ResolveDonationShare posts (release) or voids (cancel) a reserved donation share, at most once.
func (s *Service) ResolveDonationShare(ctx context.Context, transferID, pendingID string, post bool) (store.StoredTransfer, error) {
	who := identity.From(ctx)
	if err := shareCaller(who); err != nil {
		return store.StoredTransfer{}, err
	}
	if err := domain.ValidClientTransferID("transfer_id", transferID); err != nil {
		return store.StoredTransfer{}, err
	}
	if pendingID == "" {
		return store.StoredTransfer{}, errs.Invalid("INVALID_TRANSFER_ID", "pending_transfer_id", "the pending transfer ID is required")
	}
	kind, reason := domain.TransferVoidPending, "donation share cancelled"
	if post {
		kind, reason = domain.TransferPostPending, "donation share released"
	}
	return s.repo.CreateTransfer(ctx, domain.Transfer{
		ID: transferID, Kind: kind, PendingID: pendingID, Reason: reason, RequestedBy: who.Subject, RequestID: transferID,
	}, s.now())
}
