package domain

import (
	"fmt"
	"time"
)

// Rating is an inspection's overall assessment.
type Rating string

// The ratings, best first.
const (
	RatingExcellent Rating = "EXCELLENT"
	RatingGood      Rating = "GOOD"
	RatingAdequate  Rating = "ADEQUATE"
	RatingPoor      Rating = "POOR"
)

// Inspection is a site inspection of a project by operator staff.
type Inspection struct {
	ID         string
	ProjectID  string
	RoundID    string
	VisitedOn  Date
	Findings   string
	Rating     Rating
	CreatedAt  time.Time
	RecordedBy string
}

// NewInspection validates an inspection of project p; cal and now bound the day of the visit.
func NewInspection(p Project, visitedOn string, findings string, rating Rating, cal Calendar, now time.Time) (Inspection, error) {
	day, err := ParseDate("visited_on", visitedOn)
	if err != nil {
		return Inspection{}, err
	}
	if err := cal.CheckDay("visited_on", day, now); err != nil {
		return Inspection{}, err
	}
	if err := checkText("findings", findings, LongText, true); err != nil {
		return Inspection{}, err
	}
	switch rating {
	case RatingExcellent, RatingGood, RatingAdequate, RatingPoor:
	default:
		return Inspection{}, invalid("INVALID_RATING", "rating", "EXCELLENT, GOOD, ADEQUATE or POOR")
	}
	return Inspection{ProjectID: p.ID, RoundID: p.RoundID, VisitedOn: day, Findings: findings, Rating: rating}, nil
}

// CapacityKind is what kind of support a team was given.
type CapacityKind string

// The capacity-building kinds.
const (
	Training     CapacityKind = "TRAINING"
	Consultation CapacityKind = "CONSULTATION"
)

// CapacityRecord is one training or consultation given to a project's team.
type CapacityRecord struct {
	ID              string
	ProjectID       string
	RoundID         string
	Kind            CapacityKind
	HeldOn          Date
	Topic           string
	DurationMinutes int
	Participants    int
	Provider        string
	Notes           string
	CreatedAt       time.Time
	RecordedBy      string
}

// maxMinutes bounds one record's duration: ten days.
const maxMinutes = 14_400

// CapacityInput is a capacity-building record as a request gives it.
type CapacityInput struct {
	Kind            CapacityKind
	HeldOn          string
	Topic           string
	DurationMinutes int64
	Participants    int64
	Provider        string
	Notes           string
}

// NewCapacityRecord validates a capacity-building record of project p; cal and now bound its day.
func NewCapacityRecord(p Project, in CapacityInput, cal Calendar, now time.Time) (CapacityRecord, error) {
	if in.Kind != Training && in.Kind != Consultation {
		return CapacityRecord{}, invalid("INVALID_CAPACITY_BUILDING_KIND", "kind", "TRAINING or CONSULTATION")
	}
	day, err := ParseDate("held_on", in.HeldOn)
	if err != nil {
		return CapacityRecord{}, err
	}
	if err := cal.CheckDay("held_on", day, now); err != nil {
		return CapacityRecord{}, err
	}
	for _, t := range []struct {
		field, text string
		limit       int
		required    bool
	}{{"topic", in.Topic, ShortText, true}, {"provider", in.Provider, ShortText, false}, {"notes", in.Notes, LongText, false}} {
		if err := checkText(t.field, t.text, t.limit, t.required); err != nil {
			return CapacityRecord{}, err
		}
	}
	if in.DurationMinutes < 1 || in.DurationMinutes > maxMinutes {
		return CapacityRecord{}, invalid("INVALID_DURATION", "duration_minutes", fmt.Sprintf("between 1 and %d", maxMinutes))
	}
	if in.Participants < 1 || in.Participants > maxBeneficiaries {
		return CapacityRecord{}, invalid("INVALID_COUNT", "participants", fmt.Sprintf("between 1 and %d", maxBeneficiaries))
	}
	return CapacityRecord{ProjectID: p.ID, RoundID: p.RoundID, Kind: in.Kind, HeldOn: day, Topic: in.Topic,
		DurationMinutes: int(in.DurationMinutes), Participants: int(in.Participants), Provider: in.Provider, Notes: in.Notes}, nil
}
