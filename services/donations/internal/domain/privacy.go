package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/personaldata"
)

// ErasedName replaces the name of a donor who is a person once its personal data is erased.
const ErasedName = "已删除的个人信息"

// MaxPersonalDataReason bounds the reason (the data subject's request reference) of an export or erasure.
const MaxPersonalDataReason = 500

// ErrPersonalDataErased refuses new pledges of a donor whose personal data was erased: the donor can no longer
// be named on a receipt or reached.
var ErrPersonalDataErased = errs.New(errs.FailedPrecondition, "PERSONAL_DATA_ERASED",
	"the donor's personal data was erased: it no longer pledges")

// CheckPersonalDataReason checks an export's or erasure's reason: required from an organizer (who acts on the
// subject's request), at most MaxPersonalDataReason characters from anyone.
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

// Erased reports whether the donor's personal data was erased.
func (d Donor) Erased() bool { return !d.ErasedAt.IsZero() }

// PersonalValues are the stored values about the donor's person, in clear: a person's name, the ID number and
// the contact phone (those that are set). An enterprise's or foundation's name is not personal data.
func (d Donor) PersonalValues() []personaldata.Item {
	var out []personaldata.Item
	add := func(field, v string) {
		if v != "" {
			out = append(out, personaldata.Item{Category: "donor", RecordID: d.ID, Field: field, Value: v, At: d.CreatedAt})
		}
	}
	if d.Kind == DonorIndividual && !d.Erased() {
		add("name", d.Name)
	}
	add("id_number", d.IDNumber)
	add("contact_phone", d.ContactPhone)
	return out
}

// ErasureReplacements are what an erasure writes instead of each personal value wherever a copy of it is kept
// (in clear or masked): the placeholder for a person's name, nothing for the numbers.
func (d Donor) ErasureReplacements() map[string]string {
	r := map[string]string{}
	if d.Kind == DonorIndividual && !d.Erased() && d.Name != "" && d.Name != ErasedName {
		r[d.Name] = ErasedName
	}
	m := d.Masked()
	for _, v := range []string{d.IDNumber, d.ContactPhone, m.IDNumber, m.ContactPhone} {
		if v != "" {
			r[v] = ""
		}
	}
	return r
}

// Erase removes the person's data from the donor: the ID number and phone are cleared, a person's name becomes
// ErasedName, and the donor is marked erased at now (an erased donor stays erased). It returns how many values
// it removed.
func (d *Donor) Erase(now time.Time) int {
	n := 0
	if d.Kind == DonorIndividual && d.Name != ErasedName {
		d.Name = ErasedName
		n++
	}
	if d.IDNumber != "" {
		d.IDNumber = ""
		n++
	}
	if d.ContactPhone != "" {
		d.ContactPhone = ""
		n++
	}
	if d.ErasedAt.IsZero() {
		d.ErasedAt = now
	}
	return n
}
