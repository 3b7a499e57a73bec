package domain

import (
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/personaldata"
)

// ErasedName replaces the name of a donor who is a person once its personal data is erased.
const ErasedName = personaldata.ErasedName

// ErrPersonalDataErased refuses new pledges of a donor whose personal data was erased: the donor can no longer
// be named on a receipt or reached.
var ErrPersonalDataErased = errs.New(errs.FailedPrecondition, "PERSONAL_DATA_ERASED",
	"the donor's personal data was erased: it no longer pledges")

// Erased reports whether the donor's personal data was erased.
func (d Donor) Erased() bool { return !d.ErasedAt.IsZero() }

// person is the donor's personal part: a person's name, the ID number and the contact phone.
func (d Donor) person() personaldata.Person {
	m := d.Masked()
	return personaldata.Person{Category: "donor", RecordID: d.ID, NameIsPersonal: d.Kind == DonorIndividual, Name: d.Name,
		IDNumber: d.IDNumber, Phone: d.ContactPhone, MaskedIDNumber: m.IDNumber, MaskedPhone: m.ContactPhone,
		CreatedAt: d.CreatedAt, ErasedAt: d.ErasedAt}
}

// PersonalValues are the stored values about the donor's person, in clear (an enterprise's or foundation's
// name is not personal data).
func (d Donor) PersonalValues() []personaldata.Item { return d.person().Values() }

// ErasureReplacements are what an erasure writes instead of each personal value wherever a copy of it is kept.
func (d Donor) ErasureReplacements() map[string]string { return d.person().Replacements() }

// Erase removes the person's data from the donor (personaldata.Person.Erase) and returns how many values it
// removed.
func (d *Donor) Erase(now time.Time) int {
	p := d.person()
	n := p.Erase(now)
	d.Name, d.IDNumber, d.ContactPhone, d.ErasedAt = p.Name, p.IDNumber, p.Phone, p.ErasedAt
	return n
}
