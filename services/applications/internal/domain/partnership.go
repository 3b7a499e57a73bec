package domain

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/commonweal/commonweal/pkg/errs"
)

// PartnerConsent is where the consent of the partner organisation an application names stands. Naming a
// partner is the applicant's claim; only the partner organisation's own account can make it count.
type PartnerConsent string

// The consent states.
const (
	// ConsentNone: no partner named.
	ConsentNone PartnerConsent = ""
	// ConsentPending: named, not yet accepted by the partner.
	ConsentPending PartnerConsent = "PENDING"
	// ConsentAccepted: accepted by the partner's account; only then is the application partnered.
	ConsentAccepted PartnerConsent = "ACCEPTED"
	// ConsentWithdrawn: withdrawn (or declined) by the partner's account.
	ConsentWithdrawn PartnerConsent = "WITHDRAWN"
)

// Valid reports whether c is one of the consent states.
func (c PartnerConsent) Valid() bool {
	return c == ConsentNone || c == ConsentPending || c == ConsentAccepted || c == ConsentWithdrawn
}

// ConsentAction is what changed an application's partner consent.
type ConsentAction string

// The consent actions: the applicant names or drops a partner, the partner accepts or withdraws.
const (
	ConsentNamed     ConsentAction = "NAMED"
	ConsentCleared   ConsentAction = "CLEARED"
	ConsentAccept    ConsentAction = "ACCEPTED"
	ConsentWithdraws ConsentAction = "WITHDRAWN"
)

// ConsentChange is one entry of an application's partner-consent trail (append-only): who changed what,
// when and why.
type ConsentChange struct {
	ApplicationID string
	// PartnerOrgID is the partner concerned: the one named, accepting or withdrawing; for CLEARED the one
	// dropped.
	PartnerOrgID string
	Action       ConsentAction
	From, To     PartnerConsent
	Reason       string
	By           string
	// ByOrgID is the organisation the caller acted for.
	ByOrgID string
	At      time.Time
}

// Errors of partner consent.
var (
	ErrPartnershipLocked = errs.New(errs.FailedPrecondition, "PARTNERSHIP_LOCKED",
		"the final results are decided: the partnership can no longer change")
	ErrPartnerNotVerified = errs.New(errs.FailedPrecondition, "PARTNER_NOT_VERIFIED",
		"only a social organisation whose registration was verified can accept a partnership")
	ErrNotThePartner = errs.New(errs.PermissionDenied, "NOT_THE_PARTNER",
		"only the account of the partner organisation the application names can answer for it")
	ErrWithdrawReasonRequired = errs.New(errs.InvalidArgument, "REASON_REQUIRED", "withdrawing a partnership needs a reason")
)

// MaxConsentReason bounds a withdrawal's reason.
const MaxConsentReason = 1000

// PartnershipLockedStages are the stages of the final results (SELECTED and its alternatives): once an
// application has one, its partnership is what the results were decided on and no longer changes.
var PartnershipLockedStages = []string{"SELECTED", "IDEA_PRIZE", "NOT_SELECTED"}

// PartnershipLocked reports whether the application's final result is decided.
func (a Application) PartnershipLocked() bool {
	return slices.Contains(PartnershipLockedStages, a.Stage)
}

// Partnered reports whether the application counts as partnered by a registered social organisation: it
// names one, that one is registered, and its account accepted.
func Partnered(partner *Organization, consent PartnerConsent) bool {
	return partner != nil && partner.Kind == OrgSocialOrganization && partner.Registered && consent == ConsentAccepted
}

// NamePartner follows the partner the content names after a create (before "") or an update (before: the
// partner named until then): a newly named partner's consent is PENDING, none is UNSPECIFIED, the same one
// keeps its consent. It returns the change to record, nil when the partner did not change.
func (a *Application) NamePartner(before, by, byOrg string, now time.Time) *ConsentChange {
	after := a.Content.PartnerOrgID
	if after == before {
		return nil
	}
	c := &ConsentChange{ApplicationID: a.ID, PartnerOrgID: after, Action: ConsentNamed, From: a.PartnerConsent, To: ConsentPending,
		By: by, ByOrgID: byOrg, At: now}
	if after == "" {
		c.PartnerOrgID, c.Action, c.To = before, ConsentCleared, ConsentNone
	}
	a.PartnerConsent, a.PartnerConsentAt = c.To, time.Time{}
	return c
}

// AcceptPartnership records the named partner's consent. partner is the organisation the application names,
// as it stands now; it must be a verified social organisation. Accepting again changes nothing (nil change).
func (a *Application) AcceptPartnership(partner Organization, by string, now time.Time) (*ConsentChange, error) {
	if a.Content.PartnerOrgID == "" || partner.ID != a.Content.PartnerOrgID {
		return nil, ErrNotThePartner.With("the application does not name organisation %s as partner", partner.ID)
	}
	if a.PartnerConsent == ConsentAccepted {
		return nil, nil
	}
	if a.PartnershipLocked() {
		return nil, ErrPartnershipLocked.With("the application is %s", a.Stage)
	}
	if partner.Kind != OrgSocialOrganization || !partner.Registered {
		return nil, ErrPartnerNotVerified
	}
	c := &ConsentChange{ApplicationID: a.ID, PartnerOrgID: partner.ID, Action: ConsentAccept, From: a.PartnerConsent, To: ConsentAccepted,
		By: by, ByOrgID: partner.ID, At: now}
	a.PartnerConsent, a.PartnerConsentAt = ConsentAccepted, now
	return c, nil
}

// WithdrawPartnership records that the named partner withdraws (or, while pending, declines) its consent,
// for a reason. Withdrawing what is already withdrawn changes nothing (nil change).
func (a *Application) WithdrawPartnership(partnerID, reason, by string, now time.Time) (*ConsentChange, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, ErrWithdrawReasonRequired.Field("reason", "say why the partnership is withdrawn")
	}
	if utf8.RuneCountInString(reason) > MaxConsentReason {
		return nil, errs.Invalid("REASON_TOO_LONG", "reason", "a reason is at most 1000 characters")
	}
	if a.Content.PartnerOrgID == "" || partnerID != a.Content.PartnerOrgID {
		return nil, ErrNotThePartner.With("the application does not name organisation %s as partner", partnerID)
	}
	if a.PartnerConsent == ConsentWithdrawn {
		return nil, nil
	}
	if a.PartnershipLocked() {
		return nil, ErrPartnershipLocked.With("the application is %s", a.Stage)
	}
	c := &ConsentChange{ApplicationID: a.ID, PartnerOrgID: partnerID, Action: ConsentWithdraws, From: a.PartnerConsent, To: ConsentWithdrawn,
		Reason: reason, By: by, ByOrgID: partnerID, At: now}
	a.PartnerConsent, a.PartnerConsentAt = ConsentWithdrawn, now
	return c, nil
}

// SetIdeaOnly recomputes whether the application competes for idea prizes only, from its applicant, the
// partner it names (nil: none) as they stand, and the partner's consent.
func (a *Application) SetIdeaOnly(applicant Organization, partner *Organization) {
	a.IdeaOnly = IdeaOnly(applicant, partner, a.PartnerConsent)
}
