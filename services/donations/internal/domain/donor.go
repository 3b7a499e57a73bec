// Package domain holds the donations rules: donors, pledges and their states, the confirmed total and naming
// right at an instant, receipt numbers and the ledger's invariants. It is pure: no proto, no SQL.
package domain

import (
	"errors"
	"strings"
	"time"

	"github.com/commonweal/commonweal/pkg/cnid"
	"github.com/commonweal/commonweal/pkg/errs"
)

// DonorKind says what sort of donor it is.
type DonorKind string

// The kinds of donor.
const (
	DonorEnterprise DonorKind = "ENTERPRISE"
	DonorFoundation DonorKind = "FOUNDATION"
	DonorIndividual DonorKind = "INDIVIDUAL"
)

// Donor gives earmarked donations. IDNumber and ContactPhone are personal data: stored encrypted, shown masked.
type Donor struct {
	ID           string
	Name         string
	Kind         DonorKind
	USCC         string
	IDNumber     string
	ContactPhone string
	OwnerSubject string
	CreatedAt    time.Time
}

// NewDonor validates and normalises a new donor with the same rules as an applicant organisation.
func NewDonor(name string, kind DonorKind, uscc, idNumber, phone string) (Donor, error) {
	d := Donor{
		Name:         strings.TrimSpace(name),
		Kind:         kind,
		USCC:         cnid.NormalizeUSCC(uscc),
		IDNumber:     cnid.NormalizeResidentID(idNumber),
		ContactPhone: strings.TrimSpace(phone),
	}
	if d.Name == "" {
		return d, errs.Invalid("NAME_REQUIRED", "name", "a name is required")
	}
	switch kind {
	case DonorEnterprise, DonorFoundation:
		if d.USCC == "" {
			return d, errs.Invalid("USCC_REQUIRED", "uscc", "a unified social credit code is required for this kind")
		}
	case DonorIndividual:
		if d.IDNumber == "" {
			return d, errs.Invalid("ID_NUMBER_REQUIRED", "id_number", "a resident ID number is required for an individual")
		}
	default:
		return d, errs.Invalid("INVALID_DONOR_KIND", "kind", "kind must be ENTERPRISE, FOUNDATION or INDIVIDUAL")
	}
	if d.USCC != "" {
		if err := cnid.ValidUSCC(d.USCC); err != nil {
			return d, errs.Invalid(identifierReason("USCC", err), "uscc", err.Error())
		}
	}
	if d.IDNumber != "" {
		if err := cnid.ValidResidentID(d.IDNumber); err != nil {
			return d, errs.Invalid(identifierReason("ID_NUMBER", err), "id_number", err.Error())
		}
	}
	if d.ContactPhone != "" {
		if err := cnid.ValidMobile(d.ContactPhone); err != nil {
			return d, errs.Invalid("INVALID_PHONE", "contact_phone", err.Error())
		}
	}
	return d, nil
}

func identifierReason(prefix string, err error) string {
	if errors.Is(err, cnid.ErrCheckCharacter) {
		return "INVALID_" + prefix + "_CHECK_CHARACTER"
	}
	return "INVALID_" + prefix
}

// Masked returns d with personal numbers masked, as shown to everyone but the owner and the organizer.
func (d Donor) Masked() Donor {
	if d.IDNumber != "" {
		d.IDNumber = cnid.MaskResidentID(d.IDNumber)
	}
	if d.ContactPhone != "" {
		d.ContactPhone = cnid.MaskMobile(d.ContactPhone)
	}
	return d
}
