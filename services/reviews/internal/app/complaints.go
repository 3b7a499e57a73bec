package app

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// ComplaintRepository keeps complaints, their contacts sealed.
type ComplaintRepository interface {
	InsertComplaint(ctx context.Context, c domain.Complaint) error
	// GetComplaint reads a complaint; NOT_FOUND when missing.
	GetComplaint(ctx context.Context, id string) (domain.Complaint, error)
	// UpdateComplaint is the load → lock → change → save of a complaint.
	UpdateComplaint(ctx context.Context, id string, change func(*domain.Complaint) error) (domain.Complaint, error)
	// ListComplaints returns a page of a round's complaints, oldest first.
	ListComplaints(ctx context.Context, f ComplaintFilter) ([]domain.Complaint, error)
}

// ComplaintFilter selects a page of a round's complaints: those after the keyset position (created_at, id),
// in a state when State is set, at most Limit.
type ComplaintFilter struct {
	RoundID   string
	State     domain.ComplaintState
	AfterTime time.Time
	AfterID   string
	Limit     int
}

const (
	maxContent = 5000
	maxContact = 200
)

// CreateComplaint is the input of CreateComplaint.
type CreateComplaint struct {
	Key           idempotency.Key
	RoundID       string
	ApplicationID string
	Content       string
	Contact       string
}

// CreateComplaint lodges a complaint against a shortlisted application during the publicity period. Anyone
// may complain.
func (s *Service) CreateComplaint(ctx context.Context, cmd CreateComplaint) (domain.Complaint, error) {
	content, contact := strings.TrimSpace(cmd.Content), strings.TrimSpace(cmd.Contact)
	if content == "" || utf8.RuneCountInString(content) > maxContent {
		return domain.Complaint{}, domain.ErrContentRequired.Field("content", "between 1 and 5000 characters")
	}
	if utf8.RuneCountInString(contact) > maxContact {
		return domain.Complaint{}, errs.Invalid("CONTACT_TOO_LONG", "contact", "at most 200 characters")
	}
	if err := ids.Parse("application_id", cmd.ApplicationID); err != nil {
		return domain.Complaint{}, err
	}
	if out, done, err := idempotency.Replay[domain.Complaint](ctx, s.requests, cmd.Key); done || err != nil {
		return s.withContact(ctx, out, err)
	}
	r, err := s.round(ctx, cmd.RoundID)
	if err != nil {
		return domain.Complaint{}, err
	}
	if err := requirePhase(r, domain.PhasePublicity); err != nil {
		return domain.Complaint{}, err
	}
	// Complaints are lodged during the publicity period (在公示期间), not in the time between its end and
	// the organizer's move to PROMOTION: that move checks for open complaints once the period is over, so
	// none can arrive between its check and its commit.
	now := s.now()
	if end := r.PhaseEnteredAt.Add(r.Policy.PublicityPeriod); !now.Before(end) {
		return domain.Complaint{}, domain.ErrPublicityPeriodOver.With("the publicity period ended at %s", end.Format(time.RFC3339))
	}
	c := domain.Complaint{ID: ids.New(), RoundID: cmd.RoundID, ApplicationID: cmd.ApplicationID, Content: content, Contact: contact,
		State: domain.ComplaintOpen, CreatedAt: now, CreatedBy: subjectOf(ctx)}
	out, err := idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Complaint, error) {
		if err := s.onPublishedShortlist(ctx, cmd.RoundID, cmd.ApplicationID); err != nil {
			return domain.Complaint{}, err
		}
		return c, s.complaints.InsertComplaint(ctx, c)
	})
	return s.withContact(ctx, out, err)
}

// ResolveComplaint is the input of ResolveComplaint.
type ResolveComplaint struct {
	Key         idempotency.Key
	ComplaintID string
	Outcome     string
	Reason      string
}

// ResolveComplaint resolves an open complaint. UPHELD disqualifies the application: it leaves the shortlist
// and its DISQUALIFIED stage is recorded, then pushed to the applications service.
func (s *Service) ResolveComplaint(ctx context.Context, cmd ResolveComplaint) (domain.Complaint, error) {
	if err := ids.Parse("complaint_id", cmd.ComplaintID); err != nil {
		return domain.Complaint{}, err
	}
	if cmd.Outcome != domain.OutcomeUpheld && cmd.Outcome != domain.OutcomeDismissed {
		return domain.Complaint{}, domain.ErrInvalidOutcome.Field("outcome", "UPHELD or DISMISSED")
	}
	reason := strings.TrimSpace(cmd.Reason)
	if reason == "" || utf8.RuneCountInString(reason) > maxReason {
		return domain.Complaint{}, domain.ErrReasonRequired.Field("reason", "give the reason for the outcome (at most 2000 characters)")
	}
	c, err := idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Complaint, error) {
		return s.complaints.UpdateComplaint(ctx, cmd.ComplaintID, func(c *domain.Complaint) error {
			if err := s.rounds.LockRound(ctx, c.RoundID); err != nil {
				return err
			}
			if err := c.Resolve(cmd.Outcome, reason, s.now(), subjectOf(ctx)); err != nil {
				return err
			}
			if cmd.Outcome != domain.OutcomeUpheld {
				return nil
			}
			var stage domain.StagePush
			if _, err := s.shortlists.UpdateShortlist(ctx, c.RoundID, func(sl *domain.Shortlist) error {
				stage = sl.Disqualify(c.ApplicationID)
				return nil
			}); err != nil {
				return err
			}
			return s.queueStages(ctx, c.RoundID, []domain.StagePush{stage})
		})
	})
	if err != nil {
		return domain.Complaint{}, err
	}
	// After the commit (a retry too): push the DISQUALIFIED stage of an upheld complaint.
	if err := s.pushStages(ctx, c.RoundID); err != nil {
		return domain.Complaint{}, err
	}
	return s.withContact(ctx, c, nil)
}

// withContact restores the sealed contact of a complaint replayed from its stored answer (which leaves it
// out) for a caller who may see it.
func (s *Service) withContact(ctx context.Context, c domain.Complaint, err error) (domain.Complaint, error) {
	if err != nil || c.ID == "" || c.Contact != "" || !ShowContact(ctx) {
		return c, err
	}
	stored, err := s.complaints.GetComplaint(ctx, c.ID)
	c.Contact = stored.Contact
	return c, err
}

// ListComplaints lists a page of a round's complaints, so the operator can find the open ones to resolve
// (the contact is shown per ShowContact).
func (s *Service) ListComplaints(ctx context.Context, f ComplaintFilter) ([]domain.Complaint, error) {
	if err := ids.Parse("round_id", f.RoundID); err != nil {
		return nil, err
	}
	return s.complaints.ListComplaints(ctx, f)
}

// ShowContact reports whether the caller may see a complainant's contact.
func ShowContact(ctx context.Context) bool {
	return identity.From(ctx).Has(identity.Operator, identity.Organizer)
}
