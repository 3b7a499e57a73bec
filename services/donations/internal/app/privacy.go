package app

import (
	"context"
	"fmt"
	"strconv"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/personaldata"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// PersonalData keeps what the data subject's rights (PIPL) need: the donor under lock, its pledges, the stored
// answers that may copy its values, and the audit trail of exports and erasures. Its methods join the
// transaction carried by ctx.
type PersonalData interface {
	// LockDonor reads a donor FOR UPDATE, its numbers opened; NOT_FOUND for an unknown donor.
	LockDonor(ctx context.Context, id string) (domain.Donor, error)
	// SaveDonorErasure writes an erased donor: name, erasure time, sealed numbers deleted.
	SaveDonorErasure(ctx context.Context, d domain.Donor) error
	// PledgesOfDonor returns every pledge of a donor, oldest first.
	PledgesOfDonor(ctx context.Context, donorID string) ([]domain.Pledge, error)
	// ScrubDonorAnswers replaces each key of replace by its value in the stored answers of the requests that
	// mention the donor, and returns how many values it replaced.
	ScrubDonorAnswers(ctx context.Context, donorID string, replace map[string]string) (int, error)
	RecordPersonalDataRequest(ctx context.Context, r personaldata.Request) error
	ListPersonalDataRequests(ctx context.Context, f personaldata.Filter) ([]personaldata.Request, error)
}

// ExportDonorData names the donor whose data is exported, and why (required from an organizer: the subject's
// request reference).
type ExportDonorData struct {
	DonorID string
	Reason  string
}

// personalDataAccess lets the donor's own account, or an organizer giving the subject's request as reason, act
// on the donor's personal data; to anyone else the donor does not exist, as GetDonor answers.
func personalDataAccess(who identity.Identity, d domain.Donor, reason string) (string, error) {
	if owns(who, d) {
		return personaldata.CheckReason(reason, false)
	}
	if who.Has(identity.Organizer) {
		return personaldata.CheckReason(reason, true)
	}
	return "", errs.ErrNotFound.With("donor %s not found", d.ID)
}

// ExportDonorData returns every stored value about a donor's person, in clear: a person's name, the ID number,
// the phone, and the pledges that tie the person to amounts, applications, receipts and bank references. The
// export is recorded in the personal-data audit trail in the same transaction.
func (s *Service) ExportDonorData(ctx context.Context, cmd ExportDonorData) (personaldata.SubjectData, error) {
	who := identity.From(ctx)
	if err := ids.Parse("donor_id", cmd.DonorID); err != nil {
		return personaldata.SubjectData{}, err
	}
	return idempotency.Run(ctx, s.requests, idempotency.Key{}, func(ctx context.Context) (personaldata.SubjectData, error) {
		d, err := s.donors.GetDonor(ctx, cmd.DonorID)
		if err != nil {
			return personaldata.SubjectData{}, err
		}
		reason, err := personalDataAccess(who, d, cmd.Reason)
		if err != nil {
			return personaldata.SubjectData{}, err
		}
		items := append(d.PersonalValues(), personaldata.Item{Category: "donor", RecordID: d.ID, Field: "owner_subject", Value: d.OwnerSubject, At: d.CreatedAt})
		pledges, err := s.privacy.PledgesOfDonor(ctx, d.ID)
		if err != nil {
			return personaldata.SubjectData{}, err
		}
		for _, p := range pledges {
			items = append(items, pledgeItems(p)...)
		}
		out := personaldata.SubjectData{SubjectKind: personaldata.Donor, SubjectID: d.ID, Items: items, At: s.now(), Erased: d.Erased()}
		return out, s.privacy.RecordPersonalDataRequest(ctx, personaldata.Request{ID: ids.New(), SubjectKind: out.SubjectKind, SubjectID: d.ID,
			Action: personaldata.Export, RequestedBy: who.Subject, Reason: reason, At: out.At, Values: len(items)})
	})
}

// pledgeItems are what a pledge records of its donor's giving.
func pledgeItems(p domain.Pledge) []personaldata.Item {
	var out []personaldata.Item
	add := func(field, v string) {
		if v != "" {
			out = append(out, personaldata.Item{Category: "pledge", RecordID: p.ID, Field: field, Value: v, At: p.CreatedAt})
		}
	}
	add("application_id", p.ApplicationID)
	add("kind", string(p.Kind))
	add("amount_fen", strconv.FormatInt(p.AmountFen, 10))
	add("state", string(p.State))
	add("agreement_ref", p.AgreementRef)
	add("description", p.Description)
	add("bank_reference", p.BankReference)
	if p.DepositedAmountFen > 0 {
		add("deposited_amount_fen", strconv.FormatInt(p.DepositedAmountFen, 10))
	}
	if p.AppraisedValueFen > 0 {
		add("appraised_value_fen", strconv.FormatInt(p.AppraisedValueFen, 10))
	}
	add("receipt_number", p.ReceiptNumber)
	add("redirect_application_id", p.RedirectApplicationID)
	return out
}

// EraseDonorData names the donor whose data is erased, and why.
type EraseDonorData struct {
	Key     idempotency.Key
	DonorID string
	Reason  string
}

// EraseDonorData anonymises a donor in one transaction: the sealed ID number and phone are deleted (not sealed
// again), a person's name becomes domain.ErasedName, copies in stored request answers are removed, and the donor
// is marked erased. Its pledges, receipts and ledger entries keep their amounts, numbers and references
// (accounting records) and name the donor only by its ID. Recorded in the personal-data audit trail; erasing
// again removes nothing more.
func (s *Service) EraseDonorData(ctx context.Context, cmd EraseDonorData) (personaldata.Erasure, error) {
	if out, done, err := idempotency.Replay[personaldata.Erasure](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	who := identity.From(ctx)
	if err := ids.Parse("donor_id", cmd.DonorID); err != nil {
		return personaldata.Erasure{}, err
	}
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (personaldata.Erasure, error) {
		d, err := s.privacy.LockDonor(ctx, cmd.DonorID)
		if err != nil {
			return personaldata.Erasure{}, err
		}
		reason, err := personalDataAccess(who, d, cmd.Reason)
		if err != nil {
			return personaldata.Erasure{}, err
		}
		now := s.now()
		replace := d.ErasureReplacements()
		n := d.Erase(now)
		if err := s.privacy.SaveDonorErasure(ctx, d); err != nil {
			return personaldata.Erasure{}, err
		}
		copies, err := s.privacy.ScrubDonorAnswers(ctx, d.ID, replace)
		if err != nil {
			return personaldata.Erasure{}, err
		}
		pledges, err := s.privacy.PledgesOfDonor(ctx, d.ID)
		if err != nil {
			return personaldata.Erasure{}, err
		}
		out := personaldata.Erasure{SubjectKind: personaldata.Donor, SubjectID: d.ID, Values: n + copies, At: now, Retained: donorRetained(d, pledges)}
		return out, s.privacy.RecordPersonalDataRequest(ctx, personaldata.Request{ID: ids.New(), SubjectKind: out.SubjectKind, SubjectID: d.ID,
			Action: personaldata.Erase, RequestedBy: who.Subject, Reason: reason, At: now, Values: out.Values})
	})
}

// donorRetained says what an erasure keeps and why.
func donorRetained(d domain.Donor, pledges []domain.Pledge) []string {
	out := []string{
		"the donor record stays (kind, credit code, owner account) so its pledges keep their donor; it can no longer pledge (PERSONAL_DATA_ERASED)",
	}
	if d.Kind != domain.DonorIndividual {
		out = append(out, "the name of an enterprise or foundation is not personal data and is kept")
	}
	if len(pledges) > 0 {
		receipts := 0
		for _, p := range pledges {
			if p.ReceiptNumber != "" {
				receipts++
			}
		}
		out = append(out, fmt.Sprintf("%d pledges (%d with a receipt) keep their amounts, receipt numbers, agreement and bank references (accounting records) and name the donor only by its ID", len(pledges), receipts))
	}
	return append(out,
		"ledger transfers and pledge events are append-only and hash-chained: they keep amounts, references and the acting accounts, never a name, ID number or phone",
		"the personal-data audit trail keeps this erasure (who, when, why, how many values), never the values")
}

// ListPersonalDataRequests returns a page of the audit trail of donors' data exports and erasures, newest
// first, to the organizer and the auditor.
func (s *Service) ListPersonalDataRequests(ctx context.Context, f personaldata.Filter) ([]personaldata.Request, error) {
	who := identity.From(ctx)
	if !who.Has(identity.Organizer) && !who.Has(identity.Auditor) {
		return nil, errs.ErrPermissionDenied.With("only the organizer and auditors read the personal-data audit trail")
	}
	f, err := f.Checked()
	if err != nil {
		return nil, err
	}
	return s.privacy.ListPersonalDataRequests(ctx, f)
}
