// Package domain holds the donations rules: donors, pledges and their states, the confirmed total and naming
// right at an instant, receipt numbers and the ledger's invariants. It is pure: no proto, no SQL.
package domain

import (
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/party"
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
	// ErasedAt is when the donor's personal data was erased (PIPL); zero when it was not.
	ErasedAt time.Time
}

// NewDonor validates and normalises a new donor with the same rules as an applicant organisation.
func NewDonor(name string, kind DonorKind, uscc, idNumber, phone string) (Donor, error) {
	need, kindErr := party.NeedUSCC, error(nil)
	switch kind {
	case DonorEnterprise, DonorFoundation:
	case DonorIndividual:
		need = party.NeedIDNumber
	default:
		kindErr = errs.Invalid("INVALID_DONOR_KIND", "kind", "kind must be ENTERPRISE, FOUNDATION or INDIVIDUAL")
	}
	p, err := party.NewNamed(name, uscc, idNumber, phone, need, kindErr)
	return Donor{Name: p.Name, Kind: kind, USCC: p.USCC, IDNumber: p.IDNumber, ContactPhone: p.ContactPhone}, err
}

// Masked returns d with personal numbers masked, as shown to everyone but the owner and the organizer.
func (d Donor) Masked() Donor {
	m := party.Identifiers{USCC: d.USCC, IDNumber: d.IDNumber, ContactPhone: d.ContactPhone}.Masked()
	d.IDNumber, d.ContactPhone = m.IDNumber, m.ContactPhone
	return d
}
