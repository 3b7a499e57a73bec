package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

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
	// VerificationEvidence is what the registration was verified against (the register and the record found).
	VerificationEvidence string
	// FoundingDate is the founding (registration) date, YYYY-MM-DD, empty when not given; StaffSize the number
	// of staff. The programme targets start-up and small organisations.
	FoundingDate string
	StaffSize    int
	// ErasedAt is when the personal data of the organisation's person was erased (PIPL); zero when it was not.
	ErasedAt time.Time
}

// Limits of an organisation's profile and verification.
const (
	MaxStaffSize            = 100_000
	MaxVerificationEvidence = 500
	foundingDateLayout      = "2006-01-02"
)

// chinaTime is the programme's calendar (China has one offset and no daylight saving), for "not in the future".
var chinaTime = time.FixedZone("UTC+8", 8*60*60)

// SetProfile records the founding date (YYYY-MM-DD, optional, not after today at now) and the staff size
// (0 to 100,000).
func (o *Organization) SetProfile(foundingDate string, staffSize int, now time.Time) error {
	foundingDate = strings.TrimSpace(foundingDate)
	if foundingDate != "" {
		d, err := time.Parse(foundingDateLayout, foundingDate)
		if err != nil {
			return errs.Invalid("INVALID_FOUNDING_DATE", "founding_date", "a date written YYYY-MM-DD")
		}
		today, _ := time.Parse(foundingDateLayout, now.In(chinaTime).Format(foundingDateLayout))
		if d.After(today) {
			return errs.Invalid("FOUNDING_DATE_IN_FUTURE", "founding_date", "must not be in the future")
		}
	}
	if staffSize < 0 || staffSize > MaxStaffSize {
		return errs.Invalid("INVALID_STAFF_SIZE", "staff_size", fmt.Sprintf("between 0 and %d", MaxStaffSize))
	}
	o.FoundingDate, o.StaffSize = foundingDate, staffSize
	return nil
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

// Verify records the operator's (by) check of a social organisation's registration against evidence (the
// register consulted and the record found; required, at most 500 characters); verifying it again changes
// nothing.
func (o *Organization) Verify(now time.Time, by, evidence string) error {
	evidence = strings.TrimSpace(evidence)
	if evidence == "" {
		return errs.Invalid("VERIFICATION_EVIDENCE_REQUIRED", "evidence", "say what the registration was verified against")
	}
	if utf8.RuneCountInString(evidence) > MaxVerificationEvidence {
		return errs.Invalid("VERIFICATION_EVIDENCE_TOO_LONG", "evidence", fmt.Sprintf("at most %d characters", MaxVerificationEvidence))
	}
	if o.Kind != OrgSocialOrganization {
		return ErrNotSocialOrganization.With("organisation %s is a %s", o.ID, o.Kind)
	}
	if !o.Registered {
		o.Registered = true
		o.VerifiedAt = now
		o.VerifiedBy = by
		o.VerificationEvidence = evidence
	}
	return nil
}

// Masked returns o with personal numbers masked, as shown to everyone but the owner and the organizer.
func (o Organization) Masked() Organization {
	m := party.Identifiers{USCC: o.USCC, IDNumber: o.IDNumber, ContactPhone: o.ContactPhone}.Masked()
	o.IDNumber, o.ContactPhone = m.IDNumber, m.ContactPhone
	return o
}
