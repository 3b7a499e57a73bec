package app

import (
	"context"
	"fmt"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/personaldata"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// PersonalDataStore keeps what the data subject's rights (PIPL) need: the organisation under lock, the copies of
// its person's values elsewhere in the schema, and the audit trail of exports and erasures. Its methods join the
// transaction carried by ctx.
type PersonalDataStore interface {
	// LockOrganization reads an organisation FOR UPDATE, its numbers opened.
	LockOrganization(ctx context.Context, id string) (domain.Organization, error)
	// SaveOrganizationErasure writes an erased organisation: name, erasure time, sealed numbers deleted.
	SaveOrganizationErasure(ctx context.Context, o domain.Organization) error
	// FindInApplications lists where the organisation's applications, revisions and reviews hold any of the
	// values (value → its field on the organisation).
	FindInApplications(ctx context.Context, orgID string, values map[string]string) ([]personaldata.Item, error)
	// ScrubOrganizationCopies replaces each key of replace by its value in the organisation's applications,
	// revisions, reviews and in the stored answers of requests that mention the organisation.
	ScrubOrganizationCopies(ctx context.Context, orgID string, replace map[string]string) (Scrubbed, error)
	RecordPersonalDataRequest(ctx context.Context, r personaldata.Request) error
	ListPersonalDataRequests(ctx context.Context, f personaldata.Filter) ([]personaldata.Request, error)
}

// Scrubbed counts what ScrubOrganizationCopies did.
type Scrubbed struct {
	Values       int // values replaced
	Records      int // applications, revisions and reviews changed
	Answers      int // stored request answers changed
	Applications int // the organisation's applications (changed or not)
}

// ExportOrganizationData names the organisation whose person's data is exported, and why (required from an
// organizer: the subject's request reference).
type ExportOrganizationData struct {
	OrgID  string
	Reason string
}

// personalDataAccess lets the organisation's owner, or an organizer giving the subject's request as reason, act
// on its person's data; to anyone else the organisation does not exist, as GetOrganization answers.
func personalDataAccess(who identity.Identity, o domain.Organization, reason string) (string, error) {
	if owns(who, o) {
		return personaldata.CheckReason(reason, false)
	}
	if who.Has(identity.Organizer) {
		return personaldata.CheckReason(reason, true)
	}
	return "", errs.ErrNotFound.With("organization %s not found", o.ID)
}

// ExportOrganizationData returns every stored value about the person behind an organisation, in clear: an
// individual's name, the ID number and phone, and where the organisation's applications repeat them. The export
// is recorded in the personal-data audit trail in the same transaction.
func (s *Service) ExportOrganizationData(ctx context.Context, cmd ExportOrganizationData) (personaldata.SubjectData, error) {
	who := identity.From(ctx)
	if err := ids.Parse("org_id", cmd.OrgID); err != nil {
		return personaldata.SubjectData{}, err
	}
	return idempotency.Run(ctx, s.requests, idempotency.Key{}, func(ctx context.Context) (personaldata.SubjectData, error) {
		o, err := s.orgs.GetOrganization(ctx, cmd.OrgID)
		if err != nil {
			return personaldata.SubjectData{}, err
		}
		reason, err := personalDataAccess(who, o, cmd.Reason)
		if err != nil {
			return personaldata.SubjectData{}, err
		}
		items := o.PersonalValues()
		if len(items) > 0 {
			values := map[string]string{}
			for _, it := range items {
				values[it.Value] = it.Field
			}
			more, err := s.privacy.FindInApplications(ctx, o.ID, values)
			if err != nil {
				return personaldata.SubjectData{}, err
			}
			items = append(items, more...)
		}
		items = append(items, personaldata.Item{Category: "organization", RecordID: o.ID, Field: "owner_subject", Value: o.OwnerSubject, At: o.CreatedAt})
		out := personaldata.SubjectData{SubjectKind: personaldata.OrganizationContact, SubjectID: o.ID, Items: items, At: s.now(), Erased: o.Erased()}
		return out, s.privacy.RecordPersonalDataRequest(ctx, personaldata.Request{ID: ids.New(), SubjectKind: out.SubjectKind, SubjectID: o.ID,
			Action: personaldata.Export, RequestedBy: who.Subject, Reason: reason, At: out.At, Values: len(items)})
	})
}

// EraseOrganizationData names the organisation whose person's data is erased, and why.
type EraseOrganizationData struct {
	Key    idempotency.Key
	OrgID  string
	Reason string
}

// EraseOrganizationData erases the personal data of the person behind an organisation in one transaction: the
// sealed ID number and phone are deleted (not sealed again), an individual's name becomes domain.ErasedName
// wherever the service keeps it (the organisation, its applications' content, revisions and reviews, stored
// request answers), and the organisation is marked erased; its applications, their amounts and references stay.
// Recorded in the personal-data audit trail; erasing again removes nothing more.
func (s *Service) EraseOrganizationData(ctx context.Context, cmd EraseOrganizationData) (personaldata.Erasure, error) {
	if out, done, err := idempotency.Replay[personaldata.Erasure](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	who := identity.From(ctx)
	if err := ids.Parse("org_id", cmd.OrgID); err != nil {
		return personaldata.Erasure{}, err
	}
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (personaldata.Erasure, error) {
		o, err := s.privacy.LockOrganization(ctx, cmd.OrgID)
		if err != nil {
			return personaldata.Erasure{}, err
		}
		reason, err := personalDataAccess(who, o, cmd.Reason)
		if err != nil {
			return personaldata.Erasure{}, err
		}
		now := s.now()
		replace := o.ErasureReplacements()
		n := o.Erase(now)
		if err := s.privacy.SaveOrganizationErasure(ctx, o); err != nil {
			return personaldata.Erasure{}, err
		}
		copies, err := s.privacy.ScrubOrganizationCopies(ctx, o.ID, replace)
		if err != nil {
			return personaldata.Erasure{}, err
		}
		out := personaldata.Erasure{SubjectKind: personaldata.OrganizationContact, SubjectID: o.ID, Values: n + copies.Values, At: now,
			Retained: organizationRetained(o, copies)}
		return out, s.privacy.RecordPersonalDataRequest(ctx, personaldata.Request{ID: ids.New(), SubjectKind: out.SubjectKind, SubjectID: o.ID,
			Action: personaldata.Erase, RequestedBy: who.Subject, Reason: reason, At: now, Values: out.Values})
	})
}

// organizationRetained says what an erasure keeps and why.
func organizationRetained(o domain.Organization, c Scrubbed) []string {
	out := []string{
		"the organisation record stays (kind, credit code, verification, owner account) so its applications keep their applicant; it can no longer apply (PERSONAL_DATA_ERASED)",
	}
	if o.Kind != domain.OrgIndividual {
		out = append(out, "the name of a unit is not personal data and is kept")
	}
	if c.Applications > 0 {
		out = append(out, fmt.Sprintf("%d applications keep their content, budget amounts, revisions, reviews and references (programme records); copies of the person's values in them were removed", c.Applications))
	}
	return append(out, "the personal-data audit trail keeps this erasure (who, when, why, how many values), never the values")
}

// ListPersonalDataRequests returns a page of the audit trail of exports and erasures, newest first, to the
// organizer and the auditor.
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
