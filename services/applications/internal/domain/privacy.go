package domain

import (
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/personaldata"
)

// ErasedName replaces the name of an individual applicant whose personal data was erased.
const ErasedName = personaldata.ErasedName

// ErrPersonalDataErased refuses new applications, changes and submissions of an organisation whose person's data
// was erased: what the programme needs to deal with the applicant (ID number, phone, an individual's name) is gone.
var ErrPersonalDataErased = errs.New(errs.FailedPrecondition, "PERSONAL_DATA_ERASED",
	"the personal data behind this organisation was erased: it no longer applies")

// Erased reports whether the personal data of the organisation's person was erased.
func (o Organization) Erased() bool { return !o.ErasedAt.IsZero() }

// person is the organisation's personal part: an individual's name, the ID number and the contact phone.
func (o Organization) person() personaldata.Person {
	m := o.Masked()
	return personaldata.Person{Category: "organization", RecordID: o.ID, NameIsPersonal: o.Kind == OrgIndividual, Name: o.Name,
		IDNumber: o.IDNumber, Phone: o.ContactPhone, MaskedIDNumber: m.IDNumber, MaskedPhone: m.ContactPhone,
		CreatedAt: o.CreatedAt, ErasedAt: o.ErasedAt}
}

// PersonalValues are the stored values about the organisation's person, in clear (a unit's name is not
// personal data).
func (o Organization) PersonalValues() []personaldata.Item { return o.person().Values() }

// ErasureReplacements are what an erasure writes instead of each personal value wherever a copy of it is kept.
func (o Organization) ErasureReplacements() map[string]string { return o.person().Replacements() }

// Erase removes the person's data from the organisation (personaldata.Person.Erase) and returns how many values
// it removed.
func (o *Organization) Erase(now time.Time) int {
	p := o.person()
	n := p.Erase(now)
	o.Name, o.IDNumber, o.ContactPhone, o.ErasedAt = p.Name, p.IDNumber, p.Phone, p.ErasedAt
	return n
}
