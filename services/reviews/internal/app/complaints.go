package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
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
	// ComplaintsSince counts the complaints a complainant (a voter's ID or an organisation's ID, per kind)
	// lodged since an instant, after taking a lock on the complainant until the unit of work ends, so
	// concurrent complaints of one complainant count each other.
	ComplaintsSince(ctx context.Context, kind domain.ComplainantKind, complainantID string, since time.Time) (int, error)
	// GetComplaint reads a complaint; NOT_FOUND when missing.
	GetComplaint(ctx context.Context, id string) (domain.Complaint, error)
	// UpdateComplaint is the load → lock → change → save of a complaint.
	UpdateComplaint(ctx context.Context, id string, change func(*domain.Complaint) error) (domain.Complaint, error)
	// GetComplaints reads the complaints named, in the order named; NOT_FOUND when one is missing.
	GetComplaints(ctx context.Context, ids []string) ([]domain.Complaint, error)
	// LockComplaints is GetComplaints with the complaints locked.
	LockComplaints(ctx context.Context, ids []string) ([]domain.Complaint, error)
	// LockOpenComplaints reads a round's open complaints about an application, locked.
	LockOpenComplaints(ctx context.Context, roundID, applicationID string) ([]domain.Complaint, error)
	// LockMergedInto reads the complaints merged into any of the primaries, locked, oldest first.
	LockMergedInto(ctx context.Context, primaryIDs []string) ([]domain.Complaint, error)
	// SaveComplaints writes the state, resolution and merge of complaints.
	SaveComplaints(ctx context.Context, cs []domain.Complaint) error
	// OpenComplaintCount counts a round's open complaints.
	OpenComplaintCount(ctx context.Context, roundID string) (int, error)
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
	// ComplaintWindow is the rolling window of the per-complainant limit (Config.ComplaintsPerDay).
	ComplaintWindow = 24 * time.Hour
	// DefaultComplaintsPerDay is the per-complainant limit when the configuration sets none.
	DefaultComplaintsPerDay = 5
)

// CreateComplaint is the input of CreateComplaint. VoterToken is the X-Voter-Token header, if any.
type CreateComplaint struct {
	Key           idempotency.Key
	VoterToken    string
	RoundID       string
	ApplicationID string
	Content       string
	Contact       string
}

// complainant is who lodges a complaint: a voter (a verified phone) or an organisation's account.
type complainant struct {
	kind domain.ComplainantKind
	id   string // the voter's or the organisation's ID
}

// complainantOf identifies the complainant: the voter holding the token, or else the caller's organisation
// when the caller is an applicant's account with one; anyone else is COMPLAINANT_UNVERIFIED.
func (s *Service) complainantOf(ctx context.Context, token string) (complainant, error) {
	if token != "" {
		voterID, err := s.voters.VoterByToken(ctx, tokenHash(token), s.now())
		if errors.Is(err, domain.ErrVoterTokenInvalid) {
			return complainant{}, domain.ErrComplainantUnverified.With("the voter token is unknown or expired: verify the phone again")
		}
		return complainant{kind: domain.ComplainantVerifiedPhone, id: voterID}, err
	}
	if id := identity.From(ctx); id.Has(identity.Applicant) && id.OrgID != "" {
		return complainant{kind: domain.ComplainantOrganization, id: id.OrgID}, nil
	}
	return complainant{}, domain.ErrComplainantUnverified
}

// voterScoped scopes a request ID to one voter (anonymous callers share no identity subject, so two voters
// must never see each other's answers); the client's ID is hashed so that an ID of any length fits. An
// erasure of the voter's data deletes the answers kept under its prefix.
func voterScoped(key idempotency.Key, prefix, voterID string) idempotency.Key {
	if key.RequestID != "" {
		h := sha256.Sum256([]byte(key.RequestID))
		key.RequestID = prefix + ":" + voterID + ":" + hex.EncodeToString(h[:16])
	}
	return key
}

// CreateComplaint lodges a complaint against a shortlisted application during the publicity period. The
// complainant is a verified phone or a named organisation, at most Config.ComplaintsPerDay complaints each in
// any 24 hours.
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
	who, err := s.complainantOf(ctx, cmd.VoterToken)
	if err != nil {
		return domain.Complaint{}, err
	}
	key := cmd.Key
	if who.kind == domain.ComplainantVerifiedPhone {
		key = voterScoped(key, "complaint", who.id)
	}
	if out, done, err := idempotency.Replay[domain.Complaint](ctx, s.requests, key); done || err != nil {
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
		State: domain.ComplaintOpen, CreatedAt: now, CreatedBy: subjectOf(ctx), ComplainantKind: who.kind}
	if who.kind == domain.ComplainantVerifiedPhone {
		c.VoterID = who.id
	} else {
		c.OrgID = who.id
	}
	limit := s.cfg.ComplaintsPerDay
	out, err := idempotency.Run(ctx, s.requests, key, func(ctx context.Context) (domain.Complaint, error) {
		if err := s.onPublishedShortlist(ctx, cmd.RoundID, cmd.ApplicationID); err != nil {
			return domain.Complaint{}, err
		}
		n, err := s.complaints.ComplaintsSince(ctx, who.kind, who.id, now.Add(-ComplaintWindow))
		if err != nil {
			return domain.Complaint{}, err
		}
		if n >= limit {
			return domain.Complaint{}, domain.ErrComplaintRateLimited.With("%d complaints were lodged by this complainant in the last 24 hours (at most %d)", n, limit)
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

func checkResolution(outcome, reason string) (string, error) {
	if outcome != domain.OutcomeUpheld && outcome != domain.OutcomeDismissed {
		return "", domain.ErrInvalidOutcome.Field("outcome", "UPHELD or DISMISSED")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > maxReason {
		return "", domain.ErrReasonRequired.Field("reason", "give the reason for the outcome (at most 2000 characters)")
	}
	return reason, nil
}

// ResolveComplaint resolves an open complaint, and its merged duplicates with it. UPHELD disqualifies the
// application: it leaves the shortlist and its DISQUALIFIED stage is recorded, then pushed to the
// applications service.
func (s *Service) ResolveComplaint(ctx context.Context, cmd ResolveComplaint) (domain.Complaint, error) {
	if err := ids.Parse("complaint_id", cmd.ComplaintID); err != nil {
		return domain.Complaint{}, err
	}
	reason, err := checkResolution(cmd.Outcome, cmd.Reason)
	if err != nil {
		return domain.Complaint{}, err
	}
	// The round's lock comes before any complaint's, as in every change of complaints.
	cur, err := s.complaints.GetComplaint(ctx, cmd.ComplaintID)
	if err != nil {
		return domain.Complaint{}, err
	}
	c, err := inRound(ctx, s, cmd.Key, cur.RoundID, func(ctx context.Context) (domain.Complaint, error) {
		c, err := s.complaints.UpdateComplaint(ctx, cmd.ComplaintID, func(c *domain.Complaint) error {
			return c.Resolve(cmd.Outcome, reason, s.now(), subjectOf(ctx))
		})
		if err != nil {
			return domain.Complaint{}, err
		}
		_, err = s.settle(ctx, c.RoundID, []domain.Complaint{c})
		return c, err
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

// settle follows the resolution of complaints in the unit of work: their merged duplicates take their
// outcome (returned), and the applications of the upheld ones leave the shortlist, their DISQUALIFIED stage
// queued for the applications service.
func (s *Service) settle(ctx context.Context, roundID string, resolved []domain.Complaint) ([]domain.Complaint, error) {
	byID := make(map[string]domain.Complaint, len(resolved))
	primaries := make([]string, 0, len(resolved))
	for _, c := range resolved {
		byID[c.ID] = c
		primaries = append(primaries, c.ID)
	}
	merged, err := s.complaints.LockMergedInto(ctx, primaries)
	if err != nil {
		return nil, err
	}
	for i := range merged {
		merged[i].FollowPrimary(byID[merged[i].MergedInto])
	}
	if err := s.complaints.SaveComplaints(ctx, merged); err != nil {
		return nil, err
	}
	upheld := domain.UpheldApplications(resolved)
	if len(upheld) == 0 {
		return merged, nil
	}
	var stages []domain.StagePush
	if _, err := s.shortlists.UpdateShortlist(ctx, roundID, func(sl *domain.Shortlist) error {
		for _, a := range upheld {
			stages = append(stages, sl.Disqualify(a))
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return merged, s.queueStages(ctx, roundID, stages)
}

// MergeComplaints is the input of MergeComplaints.
type MergeComplaints struct {
	Key          idempotency.Key
	PrimaryID    string
	DuplicateIDs []string
	Reason       string
}

// MergeResult is the primary complaint and the duplicates merged into it.
type MergeResult struct {
	Primary domain.Complaint
	Merged  []domain.Complaint
}

// MergeComplaints marks open complaints as duplicates of an open primary complaint about the same round and
// application, all or none: they leave the open complaints and take the primary's outcome when it is
// resolved. Complaints merged into a duplicate before follow it to the primary.
func (s *Service) MergeComplaints(ctx context.Context, cmd MergeComplaints) (MergeResult, error) {
	if err := ids.Parse("primary_complaint_id", cmd.PrimaryID); err != nil {
		return MergeResult{}, err
	}
	for _, id := range cmd.DuplicateIDs {
		if err := ids.Parse("duplicate_complaint_ids", id); err != nil {
			return MergeResult{}, err
		}
	}
	if err := domain.CheckComplaintIDs("duplicate_complaint_ids", cmd.DuplicateIDs, cmd.PrimaryID); err != nil {
		return MergeResult{}, err
	}
	reason := strings.TrimSpace(cmd.Reason)
	if reason == "" || utf8.RuneCountInString(reason) > maxReason {
		return MergeResult{}, domain.ErrReasonRequired.Field("reason", "say why they are duplicates (at most 2000 characters)")
	}
	primary, err := s.complaints.GetComplaint(ctx, cmd.PrimaryID)
	if err != nil {
		return MergeResult{}, err
	}
	out, err := inRound(ctx, s, cmd.Key, primary.RoundID, func(ctx context.Context) (MergeResult, error) {
		all, err := s.complaints.LockComplaints(ctx, append([]string{cmd.PrimaryID}, cmd.DuplicateIDs...))
		if err != nil {
			return MergeResult{}, err
		}
		p, dups := all[0], all[1:]
		if err := domain.CheckMerge(p, dups); err != nil {
			return MergeResult{}, err
		}
		now, by := s.now(), subjectOf(ctx)
		for i := range dups {
			if err := dups[i].MergeInto(p.ID, reason, now, by); err != nil {
				return MergeResult{}, err
			}
		}
		// Complaints merged into a duplicate before are now the primary's duplicates.
		earlier, err := s.complaints.LockMergedInto(ctx, cmd.DuplicateIDs)
		if err != nil {
			return MergeResult{}, err
		}
		for i := range earlier {
			earlier[i].MergedInto = p.ID
		}
		if err := s.complaints.SaveComplaints(ctx, append(append([]domain.Complaint{}, dups...), earlier...)); err != nil {
			return MergeResult{}, err
		}
		return MergeResult{Primary: p, Merged: dups}, nil
	})
	if err != nil {
		return MergeResult{}, err
	}
	cs, err := s.withContacts(ctx, append([]domain.Complaint{out.Primary}, out.Merged...))
	if err != nil {
		return MergeResult{}, err
	}
	return MergeResult{Primary: cs[0], Merged: cs[1:]}, nil
}

// ResolveComplaints is the input of ResolveComplaints: ComplaintIDs or ApplicationID, exactly one.
type ResolveComplaints struct {
	Key           idempotency.Key
	RoundID       string
	ComplaintIDs  []string
	ApplicationID string
	Outcome       string
	Reason        string
}

// ResolveResult is the complaints a bulk resolution resolved (merged duplicates included) and the open
// complaints left in the round.
type ResolveResult struct {
	Complaints     []domain.Complaint
	OpenComplaints int
}

// ResolveComplaints resolves open complaints of a round with one outcome and reason, all or none: those
// named, or every open complaint about one application. Their merged duplicates take the same outcome; UPHELD
// disqualifies the applications as ResolveComplaint does.
func (s *Service) ResolveComplaints(ctx context.Context, cmd ResolveComplaints) (ResolveResult, error) {
	if err := ids.Parse("round_id", cmd.RoundID); err != nil {
		return ResolveResult{}, err
	}
	if (len(cmd.ComplaintIDs) == 0) == (cmd.ApplicationID == "") {
		return ResolveResult{}, domain.ErrComplaintSelectBoth
	}
	if cmd.ApplicationID != "" {
		if err := ids.Parse("application_id", cmd.ApplicationID); err != nil {
			return ResolveResult{}, err
		}
	} else {
		for _, id := range cmd.ComplaintIDs {
			if err := ids.Parse("complaint_ids", id); err != nil {
				return ResolveResult{}, err
			}
		}
		if err := domain.CheckComplaintIDs("complaint_ids", cmd.ComplaintIDs, ""); err != nil {
			return ResolveResult{}, err
		}
	}
	reason, err := checkResolution(cmd.Outcome, cmd.Reason)
	if err != nil {
		return ResolveResult{}, err
	}
	out, err := inRound(ctx, s, cmd.Key, cmd.RoundID, func(ctx context.Context) (ResolveResult, error) {
		var cs []domain.Complaint
		var err error
		if cmd.ApplicationID != "" {
			if cs, err = s.complaints.LockOpenComplaints(ctx, cmd.RoundID, cmd.ApplicationID); err == nil && len(cs) == 0 {
				err = domain.ErrNoOpenComplaints.With("application %s has no open complaint in round %s", cmd.ApplicationID, cmd.RoundID)
			}
		} else {
			cs, err = s.complaints.LockComplaints(ctx, cmd.ComplaintIDs)
		}
		if err != nil {
			return ResolveResult{}, err
		}
		if err := domain.CheckBulkResolve(cmd.RoundID, cs); err != nil {
			return ResolveResult{}, err
		}
		now, by := s.now(), subjectOf(ctx)
		for i := range cs {
			if err := cs[i].Resolve(cmd.Outcome, reason, now, by); err != nil {
				return ResolveResult{}, err
			}
		}
		if err := s.complaints.SaveComplaints(ctx, cs); err != nil {
			return ResolveResult{}, err
		}
		merged, err := s.settle(ctx, cmd.RoundID, cs)
		if err != nil {
			return ResolveResult{}, err
		}
		open, err := s.complaints.OpenComplaintCount(ctx, cmd.RoundID)
		return ResolveResult{Complaints: append(cs, merged...), OpenComplaints: open}, err
	})
	if err != nil {
		return ResolveResult{}, err
	}
	if err := s.pushStages(ctx, cmd.RoundID); err != nil {
		return ResolveResult{}, err
	}
	out.Complaints, err = s.withContacts(ctx, out.Complaints)
	return out, err
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

// withContacts is withContact for many complaints, read at once.
func (s *Service) withContacts(ctx context.Context, cs []domain.Complaint) ([]domain.Complaint, error) {
	if !ShowContact(ctx) || len(cs) == 0 {
		return cs, nil
	}
	idList := make([]string, len(cs))
	for i, c := range cs {
		idList[i] = c.ID
	}
	stored, err := s.complaints.GetComplaints(ctx, idList)
	if err != nil {
		return nil, err
	}
	for i := range cs {
		cs[i].Contact = stored[i].Contact
	}
	return cs, nil
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

// ShowComplainantOrg reports whether the caller may see which organisation lodged a complaint: staff only.
func ShowComplainantOrg(ctx context.Context) bool {
	return identity.From(ctx).IsStaff()
}
