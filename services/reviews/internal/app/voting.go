package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"sync"
	"time"

	"github.com/commonweal/commonweal/pkg/cnid"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// VoterRepository keeps voters (known only by an HMAC of their phone), their one-time codes and tokens, and
// their votes.
type VoterRepository interface {
	// CodesSince counts the codes sent to a phone since an instant, after taking a lock on the phone until
	// the unit of work ends, so concurrent requests for one phone count each other.
	CodesSince(ctx context.Context, phoneHMAC []byte, since time.Time) (int, error)
	// InsertCode stores a one-time code's HMAC and returns its ID.
	InsertCode(ctx context.Context, phoneHMAC, codeHMAC []byte, expires, now time.Time) (int64, error)
	// VoidCode makes a code unusable (it still counts against the phone's limit).
	VoidCode(ctx context.Context, id int64) error
	// UpdateLatestCode is the load → lock → change → save of the latest code sent to a phone;
	// VOTER_CODE_INVALID when none was sent.
	UpdateLatestCode(ctx context.Context, phoneHMAC []byte, change func(*domain.VoterCode) error) (domain.VoterCode, error)
	// EnsureVoter returns the voter with the phone HMAC, creating it.
	EnsureVoter(ctx context.Context, phoneHMAC []byte, now time.Time) (string, error)
	InsertToken(ctx context.Context, tokenHash []byte, voterID string, expires, now time.Time) error
	// VoterByToken returns the voter holding an unexpired token; VOTER_TOKEN_INVALID otherwise.
	VoterByToken(ctx context.Context, tokenHash []byte, now time.Time) (string, error)
	// InsertVote stores a vote in the first free slot of the voter's daily allowance for the application;
	// VOTE_ALREADY_CAST when every slot is taken. A voided vote keeps its slot, so voiding never gives a
	// voter another vote.
	InsertVote(ctx context.Context, v domain.Vote, perDay int) error
	// Tallies counts a round's votes per application, most first, voided votes left out: every vote, or
	// with a non-zero before only those cast before it.
	Tallies(ctx context.Context, roundID string, before time.Time) ([]domain.Tally, error)
}

// CodeSender delivers one-time voter codes. Send returns the code to show in the response only for the dev
// sender; a real sender returns "".
type CodeSender interface {
	Send(ctx context.Context, phone, code string) (devCode string, err error)
}

// SenderError is a sender's error whose text carries neither the phone nor the code (NoPersonalData reports
// true), so the service may log it to tell the operator why codes are not sent (e.g. a refused signature).
type SenderError interface {
	error
	NoPersonalData() bool
}

// DevSender "sends" a code by returning it, so local runs and tests can verify phones. Never in production.
type DevSender struct{}

// Send returns the code.
func (DevSender) Send(_ context.Context, _, code string) (string, error) { return code, nil }

// Voting settings.
const (
	CodeTTL         = 5 * time.Minute
	MaxCodeAttempts = 5
	// MaxCodesPerPhone codes are sent to one phone per CodeWindow: each new code brings MaxCodeAttempts fresh
	// guesses, so this bounds the guesses at a phone's codes whatever the number of client addresses.
	MaxCodesPerPhone = 5
	CodeWindow       = time.Hour
)

func (s *Service) phoneHMAC(phone string) []byte {
	m := hmac.New(sha256.New, s.cfg.PhoneKey)
	m.Write([]byte("phone:" + phone))
	return m.Sum(nil)
}

func (s *Service) codeHMAC(phoneHMAC []byte, code string) []byte {
	m := hmac.New(sha256.New, s.cfg.PhoneKey)
	m.Write([]byte("code:"))
	m.Write(phoneHMAC)
	m.Write([]byte(code))
	return m.Sum(nil)
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func randomCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

func checkPhone(phone string) error {
	if err := cnid.ValidMobile(phone); err != nil {
		return errs.Invalid("INVALID_PHONE", "phone", "an 11-digit mainland mobile number")
	}
	return nil
}

// SendVoterCode stores a fresh one-time code for a phone within the phone's limit, then sends it once the
// code is committed (no lock is held while the sender works). It returns the code only with the dev sender.
// A code that could not be sent is voided but still counts against the limit.
func (s *Service) SendVoterCode(ctx context.Context, phone string) (devCode string, expires time.Time, err error) {
	if err := checkPhone(phone); err != nil {
		return "", time.Time{}, err
	}
	if s.cfg.Sender == nil {
		return "", time.Time{}, domain.ErrCodeSenderMissing.With("VOTER_CODE_SENDER is none: configure a real SMS sender to let voters verify their phones")
	}
	code, err := randomCode()
	if err != nil {
		return "", time.Time{}, err
	}
	ph := s.phoneHMAC(phone)
	now := s.now()
	expires = now.Add(CodeTTL)
	id, err := idempotency.Run(ctx, s.requests, idempotency.Key{}, func(ctx context.Context) (int64, error) {
		n, err := s.voters.CodesSince(ctx, ph, now.Add(-CodeWindow))
		if err != nil {
			return 0, err
		}
		if n >= MaxCodesPerPhone {
			return 0, domain.ErrCodeRateLimited.With("%d codes were sent to this phone in the last %s", n, CodeWindow)
		}
		return s.voters.InsertCode(ctx, ph, s.codeHMAC(ph, code), expires, now)
	})
	if err != nil {
		return "", time.Time{}, err
	}
	if devCode, err = s.cfg.Sender.Send(ctx, phone, code); err != nil {
		if verr := s.voters.VoidCode(context.WithoutCancel(ctx), id); verr != nil {
			slog.WarnContext(ctx, "voiding an unsent voter code", "error", verr.Error())
		}
		if _, ok := errs.As(err); !ok {
			// The sender's own error may name the phone: neither the answer nor the log repeats it, unless the
			// sender vouches that it does not (SenderError).
			var se SenderError
			if errors.As(err, &se) && se.NoPersonalData() {
				slog.WarnContext(ctx, "a voter code could not be sent", "sender_error", se.Error())
			} else {
				slog.WarnContext(ctx, "a voter code could not be sent", "sender_error_type", fmt.Sprintf("%T", err))
			}
			err = domain.ErrCodeSendFailed
		}
		return "", time.Time{}, err
	}
	return devCode, expires, nil
}

// VerifyVoter checks a phone's latest code and issues a voter token; only the token's hash is stored. A wrong
// code uses up one of the code's attempts.
func (s *Service) VerifyVoter(ctx context.Context, phone, code string) (token string, expires time.Time, err error) {
	if err := checkPhone(phone); err != nil {
		return "", time.Time{}, err
	}
	ph := s.phoneHMAC(phone)
	now := s.now()
	var wrong bool
	_, err = idempotency.Run(ctx, s.requests, idempotency.Key{}, func(ctx context.Context) (struct{}, error) {
		if _, err := s.voters.UpdateLatestCode(ctx, ph, func(c *domain.VoterCode) error {
			if err := c.Usable(now, MaxCodeAttempts); err != nil {
				return err
			}
			c.Attempts++
			wrong = subtle.ConstantTimeCompare(c.CodeHMAC, s.codeHMAC(ph, code)) != 1
			c.Used = !wrong
			return nil
		}); err != nil || wrong {
			return struct{}{}, err // a wrong attempt is committed
		}
		voterID, err := s.voters.EnsureVoter(ctx, ph, now)
		if err != nil {
			return struct{}{}, err
		}
		raw := make([]byte, 32)
		if _, err := rand.Read(raw); err != nil {
			return struct{}{}, err
		}
		token = base64.RawURLEncoding.EncodeToString(raw)
		expires = now.Add(s.cfg.TokenTTL)
		return struct{}{}, s.voters.InsertToken(ctx, tokenHash(token), voterID, expires, now)
	})
	if err == nil && wrong {
		return "", time.Time{}, domain.ErrCodeInvalid.Field("code", "wrong code")
	}
	return token, expires, err
}

// CastVote is the input of CastVote. The request ID is scoped to the voter (anonymous callers share no
// identity subject, so two voters must never see each other's answers).
type CastVote struct {
	Key           idempotency.Key
	VoterToken    string
	RoundID       string
	ApplicationID string
}

// CastVote casts a voter's vote for a shortlisted application while the round is in PROMOTION: one per voter
// per application per calendar day in the round's time zone (the policy's allowance). A vote without a
// request_id goes through the group commit (vote_batcher.go); the others, and malformed input, take the
// per-vote path, with the same rules and answers.
func (s *Service) CastVote(ctx context.Context, cmd CastVote) (domain.Vote, error) {
	if cmd.VoterToken == "" {
		return domain.Vote{}, domain.ErrVoterTokenInvalid
	}
	if s.votes != nil && cmd.Key.RequestID == "" && ids.Parse("round_id", cmd.RoundID) == nil && ids.Parse("application_id", cmd.ApplicationID) == nil {
		v, queued, err := s.votes.cast(ctx, BatchVote{TokenHash: tokenHash(cmd.VoterToken),
			Vote: domain.Vote{ID: ids.NewOrdered(), RoundID: cmd.RoundID, ApplicationID: cmd.ApplicationID, ClientNetwork: identity.ClientNetwork(ctx)}})
		if queued {
			return v, err
		}
	}
	return s.castVoteAlone(ctx, cmd)
}

// BatchedVote is one vote of CastVotes: what a POST .../votes request without a request_id carries, with the
// client network the gateway saw ("" when unknown).
type BatchedVote struct {
	VoterToken    string
	RoundID       string
	ApplicationID string
	ClientNetwork string
}

// VoteResult is the answer to one vote of CastVotes.
type VoteResult struct {
	Vote domain.Vote
	Err  error
}

// CastVotes casts a batch of votes the gateway collected and answers each one, in order, as CastVote would
// have: the well-formed ones go into the group commit together (one lock, one queue append), the others take
// CastVote's own path concurrently. It returns once every vote is answered (or ctx ends: the remaining votes
// get ctx's error, and may still be stored, like any vote whose reply is lost).
func (s *Service) CastVotes(ctx context.Context, votes []BatchedVote) []VoteResult {
	out := make([]VoteResult, len(votes))
	var batch []BatchVote
	var at []int // the index in votes of each vote of batch
	if s.votes != nil {
		batch, at = make([]BatchVote, 0, len(votes)), make([]int, 0, len(votes))
	}
	var alone []int
	var round string // the last round ID that parsed (a batch is usually one round's)
	for k, c := range votes {
		if s.votes != nil && c.VoterToken != "" && (c.RoundID == round || ids.Parse("round_id", c.RoundID) == nil) && ids.Parse("application_id", c.ApplicationID) == nil {
			round = c.RoundID
			batch = append(batch, BatchVote{TokenHash: tokenHash(c.VoterToken),
				Vote: domain.Vote{ID: ids.NewOrdered(), RoundID: c.RoundID, ApplicationID: c.ApplicationID, ClientNetwork: c.ClientNetwork}})
			at = append(at, k)
		} else {
			alone = append(alone, k)
		}
	}
	var pending []*pendingVote
	if len(batch) > 0 {
		if ctx.Err() != nil {
			for _, k := range at {
				out[k].Err = ctx.Err()
			}
		} else if ps, ok := s.votes.enqueue(batch); ok {
			pending = ps
		} else {
			alone = append(alone, at...) // the batcher is closed (the service is stopping)
		}
	}
	var wg sync.WaitGroup
	for _, k := range alone {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := votes[k]
			out[k].Vote, out[k].Err = s.CastVote(identity.WithClientNetwork(ctx, c.ClientNetwork),
				CastVote{VoterToken: c.VoterToken, RoundID: c.RoundID, ApplicationID: c.ApplicationID})
		}()
	}
	for j, p := range pending {
		out[at[j]].Vote, out[at[j]].Err = p.wait(ctx)
	}
	wg.Wait()
	return out
}

// castVoteAlone casts one vote in its own unit of work.
func (s *Service) castVoteAlone(ctx context.Context, cmd CastVote) (domain.Vote, error) {
	voterID, err := s.voters.VoterByToken(ctx, tokenHash(cmd.VoterToken), s.now())
	if err != nil {
		return domain.Vote{}, err
	}
	key := cmd.Key
	if key.RequestID != "" {
		key.RequestID = "vote:" + voterID + ":" + key.RequestID
	}
	if out, done, err := idempotency.Replay[domain.Vote](ctx, s.requests, key); done || err != nil {
		return out, err
	}
	r, err := s.round(ctx, cmd.RoundID)
	if err != nil {
		return domain.Vote{}, err
	}
	if err := ids.Parse("application_id", cmd.ApplicationID); err != nil {
		return domain.Vote{}, err
	}
	if r.Phase != domain.PhasePromotion {
		return domain.Vote{}, domain.ErrVotingClosed.With("the round is in %s", r.Phase)
	}
	loc, err := loadLocation(r.Policy.TimeZone)
	if err != nil {
		return domain.Vote{}, fmt.Errorf("round %s time zone: %w", r.ID, err)
	}
	now := s.now()
	v := domain.Vote{ID: ids.NewOrdered(), RoundID: r.ID, ApplicationID: cmd.ApplicationID, VoterID: voterID, Day: domain.VoteDay(now, loc), CastAt: now,
		ClientNetwork: identity.ClientNetwork(ctx)}
	inserted := false
	out, err := idempotency.Run(ctx, s.requests, key, func(ctx context.Context) (domain.Vote, error) {
		if err := s.onPublishedShortlist(ctx, r.ID, cmd.ApplicationID); err != nil {
			return domain.Vote{}, err
		}
		err := s.voters.InsertVote(ctx, v, max(1, r.Policy.VotesPerVoterPerDay))
		inserted = err == nil
		return v, err
	})
	if err == nil && inserted {
		votesCast.Add(ctx, 1) // committed (metrics.go)
	}
	return out, err
}

// Tallies counts a round's votes. Once voting has closed, the tallies are those the results use: only the
// votes cast before the close.
func (s *Service) Tallies(ctx context.Context, roundID string) ([]domain.Tally, error) {
	r, err := s.round(ctx, roundID)
	if err != nil {
		return nil, err
	}
	return s.voters.Tallies(ctx, roundID, r.DonationCutoff)
}
