// Package party validates and masks the identifiers of the parties the programme deals with (applicant
// organisations, donors): unified social credit codes, resident ID numbers and mobile numbers, with the
// same stable reasons everywhere.
package party

import (
	"errors"
	"strings"

	"github.com/commonweal/commonweal/pkg/cnid"
	"github.com/commonweal/commonweal/pkg/errs"
)

// Identifiers are a party's registration number, personal number and contact phone.
type Identifiers struct {
	USCC         string
	IDNumber     string
	ContactPhone string
}

// Normalize trims the identifiers and upper-cases the check characters.
func Normalize(uscc, idNumber, phone string) Identifiers {
	return Identifiers{USCC: cnid.NormalizeUSCC(uscc), IDNumber: cnid.NormalizeResidentID(idNumber), ContactPhone: strings.TrimSpace(phone)}
}

// Need says which identifier a kind of party must give.
type Need int

// What a kind of party must give.
const (
	NeedUSCC     Need = iota // units and organisations: a credit code
	NeedIDNumber             // individuals: a resident ID number
)

// Validate checks that the required identifier is present and that every identifier given is well formed,
// with a valid check character (reasons INVALID_USCC_CHECK_CHARACTER, INVALID_ID_NUMBER_CHECK_CHARACTER, ...).
func (ids Identifiers) Validate(need Need) error {
	switch {
	case need == NeedUSCC && ids.USCC == "":
		return errs.Invalid("USCC_REQUIRED", "uscc", "a unified social credit code is required for this kind")
	case need == NeedIDNumber && ids.IDNumber == "":
		return errs.Invalid("ID_NUMBER_REQUIRED", "id_number", "a resident ID number is required for an individual")
	}
	if ids.USCC != "" {
		if err := cnid.ValidUSCC(ids.USCC); err != nil {
			return errs.Invalid(reason("USCC", err), "uscc", err.Error())
		}
	}
	if ids.IDNumber != "" {
		if err := cnid.ValidResidentID(ids.IDNumber); err != nil {
			return errs.Invalid(reason("ID_NUMBER", err), "id_number", err.Error())
		}
	}
	if ids.ContactPhone != "" {
		if err := cnid.ValidMobile(ids.ContactPhone); err != nil {
			return errs.Invalid("INVALID_PHONE", "contact_phone", err.Error())
		}
	}
	return nil
}

func reason(prefix string, err error) string {
	if errors.Is(err, cnid.ErrCheckCharacter) {
		return "INVALID_" + prefix + "_CHECK_CHARACTER"
	}
	return "INVALID_" + prefix
}

// Masked returns the identifiers with the personal ones masked (610502********1234, 138****5678); the
// credit code of a unit is public.
func (ids Identifiers) Masked() Identifiers {
	if ids.IDNumber != "" {
		ids.IDNumber = cnid.MaskResidentID(ids.IDNumber)
	}
	if ids.ContactPhone != "" {
		ids.ContactPhone = cnid.MaskMobile(ids.ContactPhone)
	}
	return ids
}

// Named is a party with a name: an applicant organisation or a donor.
type Named struct {
	Name string
	Identifiers
}

// NewNamed normalises a new party and checks it in the order a form is read: the name is required, then
// kindErr (the caller's verdict on the party's kind, nil when the kind is known) is reported, then the
// identifiers the kind needs are validated. The normalised party is returned even on error.
func NewNamed(name, uscc, idNumber, phone string, need Need, kindErr error) (Named, error) {
	p := Named{Name: strings.TrimSpace(name), Identifiers: Normalize(uscc, idNumber, phone)}
	switch {
	case p.Name == "":
		return p, errs.Invalid("NAME_REQUIRED", "name", "a name is required")
	case kindErr != nil:
		return p, kindErr
	}
	return p, p.Validate(need)
}
