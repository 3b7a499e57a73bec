package personaldata

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/commonweal/commonweal/pkg/errs"
)

// ErasedName replaces a person's name (an individual applicant, a donor who is a person) once the person's
// data is erased.
const ErasedName = "已删除的个人信息"

// MaxReason bounds the reason (the data subject's request reference) of an export or erasure.
const MaxReason = 500

// CheckReason checks an export's or erasure's reason: required from an organizer (who acts on the subject's
// request), at most MaxReason characters from anyone. It returns the reason trimmed.
func CheckReason(reason string, required bool) (string, error) {
	reason = strings.TrimSpace(reason)
	if required && reason == "" {
		return "", ErrReasonRequired
	}
	if utf8.RuneCountInString(reason) > MaxReason {
		return "", errs.Invalid("PERSONAL_DATA_REASON_TOO_LONG", "reason", fmt.Sprintf("at most %d characters", MaxReason))
	}
	return reason, nil
}

// Person is the personal part of a record about one person (an organisation's individual or contact, a donor):
// what an export lists and an erasure removes.
type Person struct {
	Category string // the record, e.g. "organization", "donor"
	RecordID string
	// NameIsPersonal is true when the record's name is a person's (an individual, a person donor); a unit's
	// name is not personal data.
	NameIsPersonal bool
	Name           string
	IDNumber       string
	Phone          string
	// The masked forms shown to others (copies of them are removed too).
	MaskedIDNumber, MaskedPhone string
	CreatedAt                   time.Time
	ErasedAt                    time.Time // zero: not erased
}

// Erased reports whether the person's data was erased.
func (p Person) Erased() bool { return !p.ErasedAt.IsZero() }

// Values are the stored values about the person, in clear, by field: a person's name, the ID number and the
// contact phone (those that are set).
func (p Person) Values() []Item {
	var out []Item
	add := func(field, v string) {
		if v != "" {
			out = append(out, Item{Category: p.Category, RecordID: p.RecordID, Field: field, Value: v, At: p.CreatedAt})
		}
	}
	if p.NameIsPersonal && !p.Erased() {
		add("name", p.Name)
	}
	add("id_number", p.IDNumber)
	add("contact_phone", p.Phone)
	return out
}

// Replacements are what an erasure writes instead of each personal value wherever a copy of it is kept (in
// clear or masked): ErasedName for a person's name, nothing for the numbers.
func (p Person) Replacements() map[string]string {
	r := map[string]string{}
	if p.NameIsPersonal && !p.Erased() && p.Name != "" && p.Name != ErasedName {
		r[p.Name] = ErasedName
	}
	for _, v := range []string{p.IDNumber, p.Phone, p.MaskedIDNumber, p.MaskedPhone} {
		if v != "" {
			r[v] = ""
		}
	}
	return r
}

// Erase removes the person's data: the ID number and phone are cleared, a person's name becomes ErasedName, and
// the record is marked erased at now (an erased record stays erased at its first erasure). It returns how many
// values it removed.
func (p *Person) Erase(now time.Time) int {
	n := 0
	if p.NameIsPersonal && p.Name != ErasedName {
		p.Name = ErasedName
		n++
	}
	if p.IDNumber != "" {
		p.IDNumber = ""
		n++
	}
	if p.Phone != "" {
		p.Phone = ""
		n++
	}
	p.MaskedIDNumber, p.MaskedPhone = "", ""
	if p.ErasedAt.IsZero() {
		p.ErasedAt = now
	}
	return n
}

// SubjectData is everything one service holds about a person: the answer to an export.
type SubjectData struct {
	SubjectKind SubjectKind
	SubjectID   string
	Items       []Item
	At          time.Time
	Erased      bool
}

// Erasure reports an erasure.
type Erasure struct {
	SubjectKind SubjectKind
	SubjectID   string
	Values      int
	At          time.Time
	Retained    []string // what stays and why
}
