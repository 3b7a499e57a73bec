package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/personaldata"
)

// ErasedName replaces the name of an individual applicant whose personal data was erased.
const ErasedName = "已删除的个人信息"

// MaxPersonalDataReason bounds the reason (the data subject's request reference) of an export or erasure.
const MaxPersonalDataReason = 500

// ErrPersonalDataErased refuses new applications, changes and submissions of an organisation whose person's data
// was erased: what the programme needs to deal with the applicant (ID number, phone, an individual's name) is gone.
var ErrPersonalDataErased = errs.New(errs.FailedPrecondition, "PERSONAL_DATA_ERASED",
	"the personal data behind this organisation was erased: it no longer applies")

// CheckPersonalDataReason checks an export's or erasure's reason: required from an organizer (who acts on
// the subject's request), at most MaxPersonalDataReason characters from anyone.
func CheckPersonalDataReason(reason string, required bool) (string, error) {
	reason = strings.TrimSpace(reason)
	if required && reason == "" {
		return "", personaldata.ErrReasonRequired
	}
	if utf8.RuneCountInString(reason) > MaxPersonalDataReason {
		return "", errs.Invalid("PERSONAL_DATA_REASON_TOO_LONG", "reason", fmt.Sprintf("at most %d characters", MaxPersonalDataReason))
	}
	return reason, nil
}

// Erased reports whether the personal data of the organisation's person was erased.
func (o Organization) Erased() bool { return !o.ErasedAt.IsZero() }

// PersonalValues are the stored values about the organisation's person, in clear, by field: an individual's
// name, the ID number and the contact phone (those that are set). A unit's name is not personal data.
func (o Organization) PersonalValues() []personaldata.Item {
	var out []personaldata.Item
	add := func(field, v string) {
		if v != "" {
			out = append(out, personaldata.Item{Category: "organization", RecordID: o.ID, Field: field, Value: v, At: o.CreatedAt})
		}
	}
	if o.Kind == OrgIndividual && !o.Erased() {
		add("name", o.Name)
	}
	add("id_number", o.IDNumber)
	add("contact_phone", o.ContactPhone)
	return out
}

// ErasureReplacements are what an erasure writes instead of each personal value wherever a copy of it is
// kept (in clear or masked): the placeholder for an individual's name, nothing for the numbers.
func (o Organization) ErasureReplacements() map[string]string {
	r := map[string]string{}
	if o.Kind == OrgIndividual && !o.Erased() && o.Name != "" && o.Name != ErasedName {
		r[o.Name] = ErasedName
	}
	m := o.Masked()
	for _, v := range []string{o.IDNumber, o.ContactPhone, m.IDNumber, m.ContactPhone} {
		if v != "" {
			r[v] = ""
		}
	}
	return r
}

// Erase removes the person's data from the organisation: the ID number and phone are cleared, an individual's
// name becomes ErasedName, and the organisation is marked erased at now (an erased organisation stays erased).
// It returns how many values it removed.
func (o *Organization) Erase(now time.Time) int {
	n := 0
	if o.Kind == OrgIndividual && o.Name != ErasedName {
		o.Name = ErasedName
		n++
	}
	if o.IDNumber != "" {
		o.IDNumber = ""
		n++
	}
	if o.ContactPhone != "" {
		o.ContactPhone = ""
		n++
	}
	if o.ErasedAt.IsZero() {
		o.ErasedAt = now
	}
	return n
}
