package app

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/personaldata"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// VoterPrivacyRepository keeps what a voter's rights under PIPL need: everything stored about a voter, its
// erasure, and the audit trail of exports and erasures. Its methods join the transaction carried by ctx.
type VoterPrivacyRepository interface {
	// VoterByPhone returns the voter with the phone HMAC; NOT_FOUND when none (never verified, or erased).
	VoterByPhone(ctx context.Context, phoneHMAC []byte) (string, error)
	// VoterData reads everything stored about a voter (complaint contacts opened), the voter locked.
	VoterData(ctx context.Context, voterID string) (VoterData, error)
	// EraseVoter erases a voter's personal data, the voter locked; its votes stay counted.
	EraseVoter(ctx context.Context, voterID string) (VoterErasure, error)
	RecordPersonalDataRequest(ctx context.Context, r personaldata.Request) error
	ListPersonalDataRequests(ctx context.Context, f personaldata.Filter) ([]personaldata.Request, error)
}

// VoterData is everything stored about a voter.
type VoterData struct {
	VoterID    string
	CreatedAt  time.Time
	Erased     bool // the phone's HMAC was erased
	Votes      []VoterVote
	Complaints []domain.Complaint
	Codes      []CredentialTimes // one-time codes sent to the voter's phone and not purged yet
	Tokens     []CredentialTimes // voter tokens not purged yet
}

// VoterVote is one of a voter's votes, with the network it came from ("" when unknown or erased).
type VoterVote struct {
	ID, RoundID, ApplicationID, Day string
	CastAt                          time.Time
	ClientNetwork                   string
}

// CredentialTimes are the times of a code or token: all an export shows of them.
type CredentialTimes struct {
	CreatedAt, ExpiresAt time.Time
}

// VoterErasure counts what an erasure removed, and what it kept.
type VoterErasure struct {
	Phone, Codes, Tokens, Networks, Contacts, ComplaintLinks, StoredAnswers int
	// Votes stay counted, under the voter's ID alone; complaints stay without contact nor link to the voter.
	Votes int
}

// Erased is the number of values erased.
func (e VoterErasure) Erased() int {
	return e.Phone + e.Codes + e.Tokens + e.Networks + e.Contacts + e.ComplaintLinks + e.StoredAnswers
}

// VoterDataRequest names the voter whose data is exported or erased: the voter holding VoterToken (the
// X-Voter-Token header), or, for an ORGANIZER acting on the voter's request, the voter with Phone, Reason
// being the request's reference.
type VoterDataRequest struct {
	Key        idempotency.Key // erasure only
	VoterToken string
	Phone      string
	Reason     string
}

// voterSubject is the voter a request is about, who asks, and why.
type voterSubject struct {
	voterID     string
	phone       string // when an organizer named the voter by phone
	requestedBy string
	reason      string
}

// checkOrganizerRequest checks an organizer's request by phone: the role, the reason and the phone.
func checkOrganizerRequest(ctx context.Context, req VoterDataRequest) (string, error) {
	who := identity.From(ctx)
	if !who.Has(identity.Organizer) {
		return "", errs.ErrPermissionDenied.With("only an ORGANIZER acting on the voter's request names a voter by phone; a voter uses the X-Voter-Token header")
	}
	reason := strings.TrimSpace(req.Reason)
	if reason == "" || len(reason) > maxReason {
		return "", personaldata.ErrReasonRequired
	}
	return reason, checkPhone(req.Phone)
}

// subjectOfRequest finds the voter of a request (checkOrganizerRequest first for one by phone).
func (s *Service) subjectOfRequest(ctx context.Context, req VoterDataRequest, reason string) (voterSubject, error) {
	if req.Phone != "" {
		voterID, err := s.privacy.VoterByPhone(ctx, s.phoneHMAC(req.Phone))
		return voterSubject{voterID: voterID, phone: req.Phone, requestedBy: identity.From(ctx).Subject, reason: reason}, err
	}
	if req.VoterToken == "" {
		return voterSubject{}, domain.ErrVoterTokenInvalid
	}
	voterID, err := s.voters.VoterByToken(ctx, tokenHash(req.VoterToken), s.now())
	return voterSubject{voterID: voterID, requestedBy: "voter:" + voterID}, err
}

// ExportVoterData returns everything stored about a voter: the voter itself, its votes (with the network
// each came from), the complaints it lodged (with their contacts, opened), the times of its codes and tokens
// not purged yet, and the phone when an organizer gave it. Recorded in the personal-data audit trail in the
// same transaction.
func (s *Service) ExportVoterData(ctx context.Context, req VoterDataRequest) (personaldata.SubjectData, error) {
	var reason string
	if req.Phone != "" {
		var err error
		if reason, err = checkOrganizerRequest(ctx, req); err != nil {
			return personaldata.SubjectData{}, err
		}
	}
	subject, err := s.subjectOfRequest(ctx, req, reason)
	if err != nil {
		return personaldata.SubjectData{}, err
	}
	return idempotency.Run(ctx, s.requests, idempotency.Key{}, func(ctx context.Context) (personaldata.SubjectData, error) {
		d, err := s.privacy.VoterData(ctx, subject.voterID)
		if err != nil {
			return personaldata.SubjectData{}, err
		}
		items := voterItems(d, subject.phone)
		out := personaldata.SubjectData{SubjectKind: personaldata.Voter, SubjectID: d.VoterID, Items: items, At: s.now(), Erased: d.Erased}
		return out, s.privacy.RecordPersonalDataRequest(ctx, personaldata.Request{ID: ids.New(), SubjectKind: personaldata.Voter, SubjectID: d.VoterID,
			Action: personaldata.Export, RequestedBy: subject.requestedBy, Reason: subject.reason, At: out.At, Values: len(items)})
	})
}

// voterItems lists a voter's stored values, record by record.
func voterItems(d VoterData, phone string) []personaldata.Item {
	item := func(category, id, field, value string, at time.Time) personaldata.Item {
		return personaldata.Item{Category: category, RecordID: id, Field: field, Value: value, At: at}
	}
	stamp := func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
	out := []personaldata.Item{item("voter", d.VoterID, "id", d.VoterID, d.CreatedAt), item("voter", d.VoterID, "created_at", stamp(d.CreatedAt), d.CreatedAt)}
	if phone != "" {
		out = append(out, item("voter", d.VoterID, "phone", phone, d.CreatedAt))
	}
	for _, v := range d.Votes {
		out = append(out, item("vote", v.ID, "round_id", v.RoundID, v.CastAt), item("vote", v.ID, "application_id", v.ApplicationID, v.CastAt),
			item("vote", v.ID, "vote_day", v.Day, v.CastAt), item("vote", v.ID, "cast_time", stamp(v.CastAt), v.CastAt))
		if v.ClientNetwork != "" {
			out = append(out, item("vote", v.ID, "client_network", v.ClientNetwork, v.CastAt))
		}
	}
	for _, c := range d.Complaints {
		out = append(out, item("complaint", c.ID, "round_id", c.RoundID, c.CreatedAt), item("complaint", c.ID, "application_id", c.ApplicationID, c.CreatedAt),
			item("complaint", c.ID, "content", c.Content, c.CreatedAt))
		if c.Contact != "" {
			out = append(out, item("complaint", c.ID, "contact", c.Contact, c.CreatedAt))
		}
	}
	for i, c := range d.Codes {
		out = append(out, item("voter_code", fmt.Sprint(i+1), "expire_time", stamp(c.ExpiresAt), c.CreatedAt))
	}
	for i, t := range d.Tokens {
		out = append(out, item("voter_token", fmt.Sprint(i+1), "expire_time", stamp(t.ExpiresAt), t.CreatedAt))
	}
	return out
}

// EraseVoterData erases a voter's personal data in one transaction: the phone's HMAC, the codes sent to the
// phone, the voter's tokens, its votes' client networks, its complaints' contacts and their link to it, and
// the stored answers of its votes and complaints. Its votes stay counted under an anonymous voter. Recorded
// in the personal-data audit trail. Afterwards the voter cannot be found again: its tokens are gone
// (VOTER_TOKEN_INVALID) and its phone is unknown (NOT_FOUND); a retry with the same request_id answers the
// first answer.
func (s *Service) EraseVoterData(ctx context.Context, req VoterDataRequest) (personaldata.Erasure, error) {
	var reason string
	key := req.Key
	if req.Phone != "" {
		var err error
		if reason, err = checkOrganizerRequest(ctx, req); err != nil {
			return personaldata.Erasure{}, err
		}
	} else if req.VoterToken != "" && key.RequestID != "" {
		// Scoped to the token, which the erasure deletes: a retry finds its answer before the token is checked.
		key = voterScoped(key, "erase", hex.EncodeToString(tokenHash(req.VoterToken)[:16]))
	}
	if out, done, err := idempotency.Replay[personaldata.Erasure](ctx, s.requests, key); done || err != nil {
		return out, err
	}
	subject, err := s.subjectOfRequest(ctx, req, reason)
	if err != nil {
		return personaldata.Erasure{}, err
	}
	return idempotency.Run(ctx, s.requests, key, func(ctx context.Context) (personaldata.Erasure, error) {
		e, err := s.privacy.EraseVoter(ctx, subject.voterID)
		if err != nil {
			return personaldata.Erasure{}, err
		}
		out := personaldata.Erasure{SubjectKind: personaldata.Voter, SubjectID: subject.voterID, Values: e.Erased(), At: s.now(),
			Retained: []string{fmt.Sprintf("%d votes stay counted, anonymous", e.Votes)}}
		if e.ComplaintLinks > 0 {
			out.Retained = append(out.Retained, fmt.Sprintf("%d complaints stay, without contact and no longer linked to the voter", e.ComplaintLinks))
		}
		return out, s.privacy.RecordPersonalDataRequest(ctx, personaldata.Request{ID: ids.New(), SubjectKind: personaldata.Voter, SubjectID: subject.voterID,
			Action: personaldata.Erase, RequestedBy: subject.requestedBy, Reason: subject.reason, At: out.At, Values: out.Values})
	})
}

// ListPersonalDataRequests lists a page of the audit trail of voters' personal data, newest first.
func (s *Service) ListPersonalDataRequests(ctx context.Context, f personaldata.Filter) ([]personaldata.Request, error) {
	f, err := f.Checked()
	if err != nil {
		return nil, err
	}
	return s.privacy.ListPersonalDataRequests(ctx, f)
}
