package domain

import (
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/party"
)

// OrgKind says what sort of applicant an organisation is.
type OrgKind string

// The kinds of applicant.
const (
	OrgSocialOrganization OrgKind = "SOCIAL_ORGANIZATION"
	OrgOtherUnit          OrgKind = "OTHER_UNIT"
	OrgIndividual         OrgKind = "INDIVIDUAL"
)

// Organization is an applicant. IDNumber and ContactPhone are personal data: stored encrypted, shown masked.
type Organization struct {
	ID           string
	Name         string
	Kind         OrgKind
	USCC         string
	IDNumber     string
	ContactPhone string
	Registered   bool
	OwnerSubject string
	CreatedAt    time.Time
	VerifiedAt   time.Time
	// VerifiedBy is the subject of the operator who verified the registration.
	VerifiedBy string
}

// NewOrganization validates and normalises a new organisation.
func NewOrganization(name string, kind OrgKind, uscc, idNumber, phone string) (Organization, error) {
	need, kindErr := party.NeedUSCC, error(nil)
	switch kind {
	case OrgSocialOrganization, OrgOtherUnit:
	case OrgIndividual:
		need = party.NeedIDNumber
	default:
		kindErr = errs.Invalid("INVALID_ORGANIZATION_KIND", "kind", "kind must be SOCIAL_ORGANIZATION, OTHER_UNIT or INDIVIDUAL")
	}
	p, err := party.NewNamed(name, uscc, idNumber, phone, need, kindErr)
	return Organization{Name: p.Name, Kind: kind, USCC: p.USCC, IDNumber: p.IDNumber, ContactPhone: p.ContactPhone}, err
}

// Verify records the operator's (by) check of a social organisation's registration; verifying it again
// changes nothing.
func (o *Organization) Verify(now time.Time, by string) error {
	if o.Kind != OrgSocialOrganization {
		return ErrNotSocialOrganization.With("organisation %s is a %s", o.ID, o.Kind)
	}
	if !o.Registered {
		o.Registered = true
		o.VerifiedAt = now
		o.VerifiedBy = by
	}
	return nil
}

// Masked returns o with personal numbers masked, as shown to everyone but the owner and the organizer.
func (o Organization) Masked() Organization {
	m := party.Identifiers{USCC: o.USCC, IDNumber: o.IDNumber, ContactPhone: o.ContactPhone}.Masked()
	o.IDNumber, o.ContactPhone = m.IDNumber, m.ContactPhone
	return o
}
