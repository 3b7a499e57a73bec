package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/commonweal/commonweal/pkg/errs"
)

// Errors of the needs catalogue.
var (
	ErrNeedPublishedElsewhere = errs.New(errs.FailedPrecondition, "NEED_PUBLISHED_WITH_ANOTHER_ROUND", "the need is already published with another round")
	ErrRoundClosedToNeeds     = errs.New(errs.FailedPrecondition, "ROUND_NOT_OPEN_FOR_NEEDS",
		"needs are published with a round in DRAFT, or in SOLICITATION before its submission deadline")
	ErrNeedNotInRound = errs.New(errs.InvalidArgument, "NEED_NOT_IN_ROUND", "an application answers only needs published with its round")
)

// NeedState is where a need of the catalogue stands.
type NeedState string

// The states of a need.
const (
	NeedRecorded  NeedState = "RECORDED"
	NeedPublished NeedState = "PUBLISHED"
)

// Need is a community need of the catalogue (引导需求, seed 六(一)2), recorded by a department or a community
// office and published by the organizer with a round.
type Need struct {
	ID               string
	Category         Category
	CommunityCode    string
	Title            string
	Description      string
	BeneficiaryGroup string
	RecordedByUnit   string
	// RecordedBy is the subject of who recorded it.
	RecordedBy string
	State      NeedState
	RoundID    string
	CreatedAt  time.Time
	// PublishedAt is when the organizer published it with its round.
	PublishedAt time.Time
	// RoundPhase and RoundPublishedAt are its round's, read with the need (they are the round's to change).
	RoundPhase       Phase
	RoundPublishedAt time.Time
}

// Limits of a need.
const (
	MaxNeedTitle       = 200
	MaxNeedDescription = 10_000
	maxNeedShortField  = 200
)

// NeedDraft is what a department writes of a need.
type NeedDraft struct {
	Category         Category
	CommunityCode    string
	Title            string
	Description      string
	BeneficiaryGroup string
	RecordedByUnit   string
}

// Trimmed is the draft with its texts trimmed.
func (d NeedDraft) Trimmed() NeedDraft {
	d.CommunityCode, d.Title, d.BeneficiaryGroup, d.RecordedByUnit = strings.TrimSpace(d.CommunityCode), strings.TrimSpace(d.Title),
		strings.TrimSpace(d.BeneficiaryGroup), strings.TrimSpace(d.RecordedByUnit)
	if strings.TrimSpace(d.Description) == "" {
		d.Description = ""
	}
	return d
}

// Validate checks a need's fields, but not its community (see NewNeed).
func (d NeedDraft) Validate() error {
	if !slices.Contains(AllCategories, d.Category) {
		return errs.Invalid("UNKNOWN_CATEGORY", "need.category", "one of ELDERLY, DISABILITY, YOUTH, RELIEF, OTHER is required")
	}
	if err := ValidCommunityCode("need.community_code", d.CommunityCode); err != nil {
		return err
	}
	for _, f := range []struct {
		field, value string
		max          int
	}{
		{"title", d.Title, MaxNeedTitle}, {"description", d.Description, MaxNeedDescription},
		{"beneficiary_group", d.BeneficiaryGroup, maxNeedShortField}, {"recorded_by_unit", d.RecordedByUnit, maxNeedShortField},
	} {
		if f.value == "" {
			return errs.Invalid("NEED_FIELD_REQUIRED", "need."+f.field, "required")
		}
		if utf8.RuneCountInString(f.value) > f.max {
			return errs.Invalid("NEED_FIELD_TOO_LONG", "need."+f.field, fmt.Sprintf("at most %d characters", f.max))
		}
	}
	return nil
}

// NewNeed records a need of community (the list's entry of d.CommunityCode, nil when there is none), which must
// be listed and not retired.
func NewNeed(d NeedDraft, community *Community, by string, now time.Time) (Need, error) {
	d = d.Trimmed()
	if err := d.Validate(); err != nil {
		return Need{}, err
	}
	if community == nil || community.Retired {
		what := "is not on the communities list"
		if community != nil {
			what = "was retired"
		}
		return Need{}, ErrUnknownCommunity.With("community %q %s", d.CommunityCode, what).Field("need.community_code", what)
	}
	return Need{Category: d.Category, CommunityCode: d.CommunityCode, Title: d.Title, Description: d.Description,
		BeneficiaryGroup: d.BeneficiaryGroup, RecordedByUnit: d.RecordedByUnit, RecordedBy: by, State: NeedRecorded, CreatedAt: now}, nil
}

// Publish publishes a recorded need with round r, which must be in DRAFT or in SOLICITATION before its
// submission deadline. Publishing it again with the same round changes nothing; with another, it is refused.
func (n *Need) Publish(r Round, now time.Time) error {
	if n.State == NeedPublished {
		if n.RoundID == r.ID {
			return nil
		}
		return ErrNeedPublishedElsewhere.With("need %s is published with round %s", n.ID, n.RoundID)
	}
	switch {
	case r.Phase == PhaseDraft:
	case r.Phase == PhaseSolicitation && now.Before(r.Policy.SubmissionDeadline):
	case r.Phase == PhaseSolicitation:
		return ErrRoundClosedToNeeds.With("the round's submission deadline passed at %s", r.Policy.SubmissionDeadline.Format(time.RFC3339))
	default:
		return ErrRoundClosedToNeeds.With("the round is in phase %s", r.Phase)
	}
	n.State, n.RoundID, n.PublishedAt = NeedPublished, r.ID, now
	n.RoundPhase, n.RoundPublishedAt = r.Phase, r.PublishedAt
	return nil
}

// Public reports whether anyone may read the need: published with a round that is itself published.
func (n Need) Public() bool {
	return n.State == NeedPublished && n.RoundPhase != "" && n.RoundPhase != PhaseDraft
}

// PublishTime is when the need became public: the later of its publication and its round's; zero until then.
func (n Need) PublishTime() time.Time {
	if !n.Public() {
		return time.Time{}
	}
	if n.RoundPublishedAt.After(n.PublishedAt) {
		return n.RoundPublishedAt
	}
	return n.PublishedAt
}

// Ref is what an application keeps of a need it answers.
func (n Need) Ref() NeedRef { return NeedRef{ID: n.ID, Title: n.Title, CommunityCode: n.CommunityCode} }

// NeedRef is a need of the catalogue as an application declared it answers it.
type NeedRef struct {
	ID            string `json:"id"`
	Title         string `json:"title"`
	CommunityCode string `json:"community_code,omitempty"`
}

// ChooseNeeds checks the needs an application of round roundID declares it answers (ids, in its order) against
// the needs found for them (by ID): each must be published with that round. It returns the application's
// references in the order of ids.
func ChooseNeeds(ids []string, found map[string]Need, roundID string) ([]NeedRef, error) {
	var refs []NeedRef
	for i, id := range ids {
		n, ok := found[id]
		if !ok || n.State != NeedPublished || n.RoundID != roundID {
			return nil, ErrNeedNotInRound.With("need %s is not published with the application's round", id).
				Field(fmt.Sprintf("need_ids[%d]", i), "not a need published with the application's round")
		}
		refs = append(refs, n.Ref())
	}
	return refs, nil
}
