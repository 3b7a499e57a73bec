package domain

import (
	"errors"
	"strings"
	"time"

	"github.com/commonweal/commonweal/pkg/cnid"
	"github.com/commonweal/commonweal/pkg/errs"
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
}

// NewOrganization validates and normalises a new organisation.
func NewOrganization(name string, kind OrgKind, uscc, idNumber, phone string) (Organization, error) {
	o := Organization{
		Name:         strings.TrimSpace(name),
		Kind:         kind,
		USCC:         cnid.NormalizeUSCC(uscc),
		IDNumber:     cnid.NormalizeResidentID(idNumber),
		ContactPhone: strings.TrimSpace(phone),
	}
	if o.Name == "" {
		return o, errs.Invalid("NAME_REQUIRED", "name", "a name is required")
	}
	switch kind {
	case OrgSocialOrganization, OrgOtherUnit:
		if o.USCC == "" {
			return o, errs.Invalid("USCC_REQUIRED", "uscc", "a unified social credit code is required for this kind")
		}
	case OrgIndividual:
		if o.IDNumber == "" {
			return o, errs.Invalid("ID_NUMBER_REQUIRED", "id_number", "a resident ID number is required for an individual")
		}
	default:
		return o, errs.Invalid("INVALID_ORGANIZATION_KIND", "kind", "kind must be SOCIAL_ORGANIZATION, OTHER_UNIT or INDIVIDUAL")
	}
	if o.USCC != "" {
		if err := cnid.ValidUSCC(o.USCC); err != nil {
			return o, errs.Invalid(identifierReason("USCC", err), "uscc", err.Error())
		}
	}
	if o.IDNumber != "" {
		if err := cnid.ValidResidentID(o.IDNumber); err != nil {
			return o, errs.Invalid(identifierReason("ID_NUMBER", err), "id_number", err.Error())
		}
	}
	if o.ContactPhone != "" {
		if err := cnid.ValidMobile(o.ContactPhone); err != nil {
			return o, errs.Invalid("INVALID_PHONE", "contact_phone", err.Error())
		}
	}
	return o, nil
}

func identifierReason(prefix string, err error) string {
	if errors.Is(err, cnid.ErrCheckCharacter) {
		return "INVALID_" + prefix + "_CHECK_CHARACTER"
	}
	return "INVALID_" + prefix
}

// Verify records the operator's check of a social organisation's registration.
func (o *Organization) Verify(now time.Time) error {
	if o.Kind != OrgSocialOrganization {
		return ErrNotSocialOrganization.With("organisation %s is a %s", o.ID, o.Kind)
	}
	if !o.Registered {
		o.Registered = true
		o.VerifiedAt = now
	}
	return nil
}

// Masked returns o with personal numbers masked, as shown to everyone but the owner and the organizer.
func (o Organization) Masked() Organization {
	if o.IDNumber != "" {
		o.IDNumber = cnid.MaskResidentID(o.IDNumber)
	}
	if o.ContactPhone != "" {
		o.ContactPhone = cnid.MaskMobile(o.ContactPhone)
	}
	return o
}
