package domain

import (
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
)

// ComplainantKind is how a complainant proved who they are.
type ComplainantKind string

// The complainant kinds: a phone verified through the voter flow, or a named organisation's account.
const (
	ComplainantVerifiedPhone ComplainantKind = "VERIFIED_PHONE"
	ComplainantOrganization  ComplainantKind = "ORGANIZATION"
)

// MaxBulkComplaints bounds the complaints one merge or bulk resolution names.
const MaxBulkComplaints = 1000

// Errors of complaints.
var (
	ErrComplainantUnverified = errs.New(errs.Unauthenticated, "COMPLAINANT_UNVERIFIED",
		"a complaint is lodged with a verified phone (X-Voter-Token header) or a named organisation's account")
	ErrComplaintRateLimited = errs.New(errs.ResourceExhausted, "COMPLAINT_RATE_LIMITED", "this complainant lodged too many complaints in the last 24 hours; try again later")
	ErrComplaintIDsInvalid  = errs.New(errs.InvalidArgument, "INVALID_COMPLAINT_IDS", "the complaints named are invalid")
	ErrComplaintNotInRound  = errs.New(errs.InvalidArgument, "COMPLAINT_NOT_IN_ROUND", "the complaint belongs to another round")
	ErrComplaintMismatch    = errs.New(errs.InvalidArgument, "COMPLAINT_NOT_DUPLICATE", "a duplicate must be about the same round and application as the primary complaint")
	ErrComplaintSelectBoth  = errs.Invalid("COMPLAINT_SELECTION_INVALID", "complaint_ids", "name the complaints or the application, exactly one of the two")
	ErrNoOpenComplaints     = errs.New(errs.FailedPrecondition, "NO_OPEN_COMPLAINTS", "the application has no open complaint in this round")
)

// CheckComplaintIDs refuses a list of complaints to merge or resolve that is empty, longer than
// MaxBulkComplaints, names one complaint twice or names exclude (the primary of a merge). field is the
// request field named in the refusal.
func CheckComplaintIDs(field string, ids []string, exclude string) error {
	if len(ids) == 0 {
		return ErrComplaintIDsInvalid.Field(field, "name at least one complaint")
	}
	if len(ids) > MaxBulkComplaints {
		return ErrComplaintIDsInvalid.Field(field, "at most 1000 complaints")
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if id == exclude {
			return ErrComplaintIDsInvalid.Field(field, "the primary complaint cannot be its own duplicate")
		}
		if seen[id] {
			return ErrComplaintIDsInvalid.Field(field, "complaint "+id+" is named twice")
		}
		seen[id] = true
	}
	return nil
}

// CheckMerge applies the rules of a merge to the complaints as stored: the primary is open; every duplicate
// is open and about the primary's round and application. Nothing is changed.
func CheckMerge(primary Complaint, duplicates []Complaint) error {
	if primary.State != ComplaintOpen {
		return ErrComplaintClosed.With("the primary complaint %s is %s", primary.ID, primary.State)
	}
	for _, d := range duplicates {
		if d.State != ComplaintOpen {
			return ErrComplaintClosed.With("complaint %s is %s", d.ID, d.State)
		}
		if d.RoundID != primary.RoundID || d.ApplicationID != primary.ApplicationID {
			return ErrComplaintMismatch.With("complaint %s is about application %s, the primary about %s", d.ID, d.ApplicationID, primary.ApplicationID)
		}
	}
	return nil
}

// MergeInto marks an open complaint as a duplicate of primary (CheckMerge first).
func (c *Complaint) MergeInto(primaryID, reason string, at time.Time, by string) error {
	if c.State != ComplaintOpen {
		return ErrComplaintClosed.With("complaint %s is %s", c.ID, c.State)
	}
	c.State, c.MergedInto, c.MergeReason, c.MergedAt, c.MergedBy = ComplaintMerged, primaryID, reason, at, by
	return nil
}

// CheckBulkResolve applies the rules of a bulk resolution to the complaints as stored, in the order named:
// every one is about the round and open. Nothing is changed.
func CheckBulkResolve(roundID string, complaints []Complaint) error {
	for _, c := range complaints {
		if c.RoundID != roundID {
			return ErrComplaintNotInRound.With("complaint %s is about round %s", c.ID, c.RoundID)
		}
		if c.State != ComplaintOpen {
			return ErrComplaintClosed.With("complaint %s is %s", c.ID, c.State)
		}
	}
	return nil
}

// FollowPrimary gives a merged duplicate its resolved primary's outcome and reason; it stays MERGED.
func (c *Complaint) FollowPrimary(primary Complaint) {
	c.Outcome, c.ResolutionReason, c.ResolvedAt, c.ResolvedBy = primary.Outcome, primary.ResolutionReason, primary.ResolvedAt, primary.ResolvedBy
}

// UpheldApplications lists, once each and in order, the applications of the upheld complaints among cs.
func UpheldApplications(cs []Complaint) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range cs {
		if c.State == ComplaintResolved && c.Outcome == OutcomeUpheld && !seen[c.ApplicationID] {
			seen[c.ApplicationID] = true
			out = append(out, c.ApplicationID)
		}
	}
	return out
}
