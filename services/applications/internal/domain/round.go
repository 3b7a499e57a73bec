package domain

import (
	"fmt"
	"maps"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/commonweal/commonweal/pkg/errs"
)

// Errors of rounds' notices and lists.
var (
	ErrRoundNoticeRequired = errs.New(errs.FailedPrecondition, "ROUND_NOTICE_REQUIRED", "a round is published with its notice: a title and a body")
	ErrOverdueStaffOnly    = errs.New(errs.PermissionDenied, "OVERDUE_LIST_STAFF_ONLY", "only staff may list the overdue rounds")
)

// Round is one edition of the programme.
type Round struct {
	ID             string
	Name           string
	Year           int
	Phase          Phase
	Policy         Policy
	Version        int
	CreatedAt      time.Time
	PhaseEnteredAt time.Time
	PublishedAt    time.Time
	DonationCutoff time.Time
	// CreatedBy is the subject of the organizer who created the round.
	CreatedBy string
	// Notice is the call for proposals (公告); Guidance the application guidance (申报指引).
	Notice, Guidance Document
	// Entered is when the round entered each phase it reached after DRAFT (its phase changes).
	Entered map[Phase]time.Time `json:",omitempty"`
}

// Document is a published text with attachments held elsewhere (a notice, guidance); it is published with
// its round.
type Document struct {
	Title       string       `json:"title,omitempty"`
	Body        string       `json:"body,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Attachment is a file of a document store, referred to by URI and content hash.
type Attachment struct {
	Name      string `json:"name"`
	URI       string `json:"uri"`
	SHA256    string `json:"sha256,omitempty"`
	MediaType string `json:"media_type,omitempty"`
	SizeBytes int64  `json:"size_bytes,omitempty"`
}

// Limits of a document.
const (
	MaxDocumentTitle       = 200
	MaxDocumentBody        = 100_000
	MaxDocumentAttachments = 50
	maxAttachmentName      = 255
	maxAttachmentURI       = 2048
	maxMediaType           = 255
)

// Empty reports whether the document has no content at all.
func (d Document) Empty() bool { return d.Title == "" && d.Body == "" && len(d.Attachments) == 0 }

// validate checks a document given as field (notice, guidance); a violation is INVALID_ARGUMENT with reason.
func (d Document) validate(reason, field string) error {
	bad := func(f, description string) error { return errs.Invalid(reason, field+"."+f, description) }
	switch {
	case utf8.RuneCountInString(d.Title) > MaxDocumentTitle:
		return bad("title", fmt.Sprintf("at most %d characters", MaxDocumentTitle))
	case utf8.RuneCountInString(d.Body) > MaxDocumentBody:
		return bad("body", fmt.Sprintf("at most %d characters", MaxDocumentBody))
	case len(d.Attachments) > MaxDocumentAttachments:
		return bad("attachments", fmt.Sprintf("at most %d attachments", MaxDocumentAttachments))
	}
	for i, a := range d.Attachments {
		f := fmt.Sprintf("attachments[%d].", i)
		switch {
		case strings.TrimSpace(a.Name) == "" || utf8.RuneCountInString(a.Name) > maxAttachmentName:
			return bad(f+"name", fmt.Sprintf("every attachment needs a name of at most %d characters", maxAttachmentName))
		case !httpsURL(a.URI):
			return bad(f+"uri", fmt.Sprintf("must be an https:// URL with a host, at most %d characters", maxAttachmentURI))
		case a.SHA256 != "" && !lowerHex(a.SHA256, 64):
			return bad(f+"sha256", "must be 64 lowercase hexadecimal characters")
		case utf8.RuneCountInString(a.MediaType) > maxMediaType:
			return bad(f+"media_type", fmt.Sprintf("at most %d characters", maxMediaType))
		case a.SizeBytes < 0:
			return bad(f+"size_bytes", "must not be negative")
		}
	}
	return nil
}

func httpsURL(s string) bool {
	if len(s) > maxAttachmentURI || !strings.HasPrefix(s, "https://") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil
}

func lowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// PhaseChange is one entry of a round's audit trail: who moved it from which phase to which, and when.
type PhaseChange struct {
	RoundID string
	From    Phase
	To      Phase
	At      time.Time
	By      string
}

// NewRound validates a new round's name, year, policy (with defaults applied), notice and guidance.
func NewRound(name string, year int, p Policy, notice, guidance Document, now time.Time) (Round, error) {
	r := Round{Name: name, Year: year, Phase: PhaseDraft, Policy: p.WithDefaults(), Notice: notice, Guidance: guidance,
		CreatedAt: now, PhaseEnteredAt: now}
	if err := r.check(); err != nil {
		return Round{}, err
	}
	return r, nil
}

func (r Round) check() error {
	if r.Name == "" {
		return errInvalid("NAME_REQUIRED", "name", "a round needs a name")
	}
	if r.Year < 2000 || r.Year > 2100 {
		return errInvalid("INVALID_YEAR", "year", "year must be between 2000 and 2100")
	}
	if err := r.Notice.validate("INVALID_NOTICE", "notice"); err != nil {
		return err
	}
	if err := r.Guidance.validate("INVALID_GUIDANCE", "guidance"); err != nil {
		return err
	}
	return r.Policy.Validate()
}

// Edit replaces the name (unless empty) and policy of a draft round, and its notice and guidance when given.
func (r *Round) Edit(name string, p Policy, notice, guidance *Document) error {
	if r.Phase != PhaseDraft {
		return ErrRoundNotDraft.With("the round is in phase %s", r.Phase)
	}
	next := *r
	if name != "" {
		next.Name = name
	}
	next.Policy = p.WithDefaults()
	if notice != nil {
		next.Notice = *notice
	}
	if guidance != nil {
		next.Guidance = *guidance
	}
	if err := next.check(); err != nil {
		return err
	}
	*r = next
	return nil
}

// LocalPreconditions checks the preconditions of entering phase to that this service owns. openReviews is
// the number of submitted applications still waiting for initial review.
func (r Round) LocalPreconditions(to Phase, now time.Time, awaitingReview int) error {
	switch to {
	case PhaseSolicitation:
		if err := r.Policy.CheckPublishable(now); err != nil {
			return err
		}
		return r.CheckNotice()
	case PhaseShortlisting:
		if now.Before(r.Policy.SubmissionDeadline) {
			return ErrDeadlineNotPassed.With("the deadline is %s", r.Policy.SubmissionDeadline.Format(time.RFC3339))
		}
		if awaitingReview > 0 {
			return ErrAwaitingReview.With("%d submitted applications wait for initial review", awaitingReview)
		}
	case PhasePromotion:
		if end := r.PhaseEnteredAt.Add(r.Policy.PublicityPeriod); now.Before(end) {
			return ErrPublicityNotElapsed.With("the publicity period ends at %s", end.Format(time.RFC3339))
		}
	}
	return nil
}

// Enter moves the round into phase to at now; the caller has checked every precondition.
func (r *Round) Enter(to Phase, now time.Time) {
	r.Phase = to
	r.PhaseEnteredAt = now
	r.Entered = maps.Clone(r.Entered)
	if r.Entered == nil {
		r.Entered = map[Phase]time.Time{}
	}
	r.Entered[to] = now
	switch to {
	case PhaseSolicitation:
		r.PublishedAt = now
	case PhaseFinalReview:
		// Closing the vote fixes the donation cutoff (DOMAIN.md §2).
		r.DonationCutoff = now
	}
}

// CheckNotice says whether the round's notice can be published: it has a title and a body.
func (r Round) CheckNotice() error {
	switch {
	case strings.TrimSpace(r.Notice.Title) == "":
		return ErrRoundNoticeRequired.Field("notice.title", "a round is published with its notice's title")
	case strings.TrimSpace(r.Notice.Body) == "":
		return ErrRoundNoticeRequired.Field("notice.body", "a round is published with its notice's body")
	}
	return nil
}

// EnteredAt is when the round entered each phase it reached, DRAFT (its creation) included.
func (r Round) EnteredAt() map[Phase]time.Time {
	out := maps.Clone(r.Entered)
	if out == nil {
		out = map[Phase]time.Time{}
	}
	if _, ok := out[PhaseDraft]; !ok && !r.CreatedAt.IsZero() {
		out[PhaseDraft] = r.CreatedAt
	}
	return out
}

// Schedule is the round's timetable at now.
func (r Round) Schedule(now time.Time) []PhaseSchedule {
	return Schedule(r.Policy.PhaseTargets, r.EnteredAt(), r.Phase, now)
}

// DueTime is the earliest target of a phase the round has not finished; zero when none has one.
func (r Round) DueTime() time.Time { return DueTime(r.Policy.PhaseTargets, r.Phase) }
