// Package app holds the reviews service's use cases: it authorises the caller, asks the applications,
// donations and funding services for what reviews does not own, applies the domain rules and saves through
// the repository.
package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/commonweal/commonweal/pkg/cnid"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
	"github.com/commonweal/commonweal/services/reviews/internal/store"
)

// Repository is what the use cases need from storage.
type Repository interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	LockRound(ctx context.Context, roundID string) error
	InsertPanel(ctx context.Context, p domain.Panel, at time.Time, by string) error
	GetPanel(ctx context.Context, id string) (domain.Panel, store.PanelMeta, error)
	PanelFor(ctx context.Context, roundID string, stage domain.Stage) (domain.Panel, error)
	InsertRecusal(ctx context.Context, r domain.Recusal, at time.Time, by string) error
	RecusalsOf(ctx context.Context, panelID, reviewerID, applicationID string) ([]domain.Recusal, error)
	ListRecusals(ctx context.Context, applicationID string) ([]store.RecusalRecord, error)
	UpsertScore(ctx context.Context, sc domain.Score, by string) error
	ScoresOfRound(ctx context.Context, roundID string) ([]domain.Score, error)
	GetShortlist(ctx context.Context, roundID string, forUpdate bool) (domain.Shortlist, error)
	SaveShortlist(ctx context.Context, sl domain.Shortlist, by string) error
	MarkShortlistPublished(ctx context.Context, roundID string, at time.Time, by string) error
	Disqualify(ctx context.Context, roundID, applicationID string) error
	OnPublishedShortlist(ctx context.Context, roundID, applicationID string) (bool, error)
	QueueStages(ctx context.Context, roundID string, stages []store.StagePush, at time.Time) error
	PendingStages(ctx context.Context, roundID string) ([]store.StagePush, error)
	MarkPushed(ctx context.Context, p store.StagePush, at time.Time) error
	InsertComplaint(ctx context.Context, c domain.Complaint, by string) error
	GetComplaint(ctx context.Context, id string, forUpdate bool) (domain.Complaint, error)
	ResolveComplaint(ctx context.Context, c domain.Complaint, by string) error
	ListComplaints(ctx context.Context, f store.ComplaintFilter) ([]domain.Complaint, error)
	RoundStatus(ctx context.Context, roundID string) (store.RoundStatus, error)
	InsertCode(ctx context.Context, phoneHMAC, codeHMAC []byte, expires, now time.Time) error
	CodesSince(ctx context.Context, phoneHMAC []byte, since time.Time) (int, error)
	LatestCode(ctx context.Context, phoneHMAC []byte) (store.Code, error)
	UpdateCode(ctx context.Context, id int64, attempts int, used bool) error
	EnsureVoter(ctx context.Context, phoneHMAC []byte, now time.Time) (string, error)
	InsertToken(ctx context.Context, tokenHash []byte, voterID string, expires, now time.Time) error
	VoterByToken(ctx context.Context, tokenHash []byte, now time.Time) (string, error)
	InsertVote(ctx context.Context, v domain.Vote, perDay int) error
	Tallies(ctx context.Context, roundID string, before time.Time) ([]domain.Tally, error)
	GetResults(ctx context.Context, roundID string, forUpdate bool) (domain.Results, error)
	SaveResults(ctx context.Context, r domain.Results, by string) error
	SetResultsState(ctx context.Context, roundID string, state domain.ResultsState, at time.Time, by string) error
}

// Applications is what reviews asks of the applications service.
type Applications interface {
	GetRound(ctx context.Context, id string) (domain.Round, error)
	GetApplication(ctx context.Context, id string) (domain.Application, error)
	// ListAccepted lists every ACCEPTED application of a round.
	ListAccepted(ctx context.Context, roundID string) ([]domain.Application, error)
	// SetStage sets an application's stage; idempotent.
	SetStage(ctx context.Context, applicationID, stage string) error
}

// Donations is what reviews asks of the donations service.
type Donations interface {
	// ConfirmedAt is an application's confirmed donations at an instant, in fen.
	ConfirmedAt(ctx context.Context, applicationID string, at time.Time) (int64, error)
	// Donors lists the donors with a pledge to an application.
	Donors(ctx context.Context, applicationID string) ([]string, error)
}

// Funding is what reviews asks of the funding service.
type Funding interface {
	// GovernmentShare quotes the government share (match + top-up) for a budget and confirmed donations.
	GovernmentShare(ctx context.Context, roundID string, budgetFen, donationsFen int64) (int64, error)
	// PoolAvailable is the round's pool available for selection, in fen.
	PoolAvailable(ctx context.Context, roundID string) (int64, error)
}

// CodeSender delivers one-time voter codes. Send returns the code to show in the response only for the dev
// sender; a real sender returns "".
type CodeSender interface {
	Send(ctx context.Context, phone, code string) (devCode string, err error)
}

// DevSender "sends" a code by returning it, so local runs and tests can verify phones. Never in production.
type DevSender struct{}

// Send returns the code.
func (DevSender) Send(_ context.Context, _, code string) (string, error) { return code, nil }

// NoSender refuses to send codes: voting cannot start until a real sender is configured.
type NoSender struct{}

// Send refuses.
func (NoSender) Send(context.Context, string, string) (string, error) {
	return "", domain.ErrCodeSenderMissing.With("VOTER_CODE_SENDER is none: configure a real SMS sender to let voters verify their phones")
}

// Voting settings.
const (
	CodeTTL         = 5 * time.Minute
	MaxCodeAttempts = 5
	// MaxCodesPerPhone codes are sent to one phone per CodeWindow: each new code brings MaxCodeAttempts fresh
	// guesses, so this bounds the guesses at a phone's codes whatever the number of client addresses.
	MaxCodesPerPhone = 5
	CodeWindow       = time.Hour
	maxContent       = 5000
	maxContact       = 200
	maxReason        = 2000
)

// Config holds the secrets and collaborators of the use cases. Donations and Funding are nil while those
// services are not available; what needs them then refuses, never guesses.
type Config struct {
	Apps       Applications
	Donations  Donations
	Funding    Funding
	Sender     CodeSender
	PhoneKey   []byte
	TokenTTL   time.Duration
	Now        func() time.Time
	RandomCode func() string
}

// Service is the use cases.
type Service struct {
	repo Repository
	cfg  Config
}

// New returns the use cases over repo.
func New(repo Repository, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RandomCode == nil {
		cfg.RandomCode = randomCode
	}
	if cfg.Sender == nil {
		cfg.Sender = NoSender{}
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = 24 * time.Hour
	}
	return &Service{repo: repo, cfg: cfg}
}

func (s *Service) now() time.Time { return s.cfg.Now() }

func require(id identity.Identity, roles ...identity.Role) error {
	if !id.Has(roles...) {
		return errs.ErrPermissionDenied.With("requires one of %v", roles)
	}
	return nil
}

func subjectOf(id identity.Identity) string {
	if id.Subject == "" {
		return "anonymous"
	}
	return id.Subject
}

func (s *Service) round(ctx context.Context, id string) (domain.Round, error) {
	if err := store.ParseID("round_id", id); err != nil {
		return domain.Round{}, err
	}
	return s.cfg.Apps.GetRound(ctx, id)
}

func requirePhase(r domain.Round, want domain.Phase) error {
	if r.Phase != want {
		return domain.ErrWrongPhase.With("the round is in %s; this needs %s", r.Phase, want)
	}
	return nil
}

// --- panels and conflicts ---

// CreatePanel creates the panel of a round for a stage and records the conflicts it can detect. OPERATOR only.
func (s *Service) CreatePanel(ctx context.Context, roundID string, stage domain.Stage, members []domain.Member) (domain.Panel, store.PanelMeta, error) {
	who := identity.From(ctx)
	if err := require(who, identity.Operator); err != nil {
		return domain.Panel{}, store.PanelMeta{}, err
	}
	r, err := s.round(ctx, roundID)
	if err != nil {
		return domain.Panel{}, store.PanelMeta{}, err
	}
	if err := domain.CheckNewPanel(stage, members, r.Policy); err != nil {
		return domain.Panel{}, store.PanelMeta{}, err
	}
	if r.Phase.After(domain.ScoringPhase(stage)) {
		return domain.Panel{}, store.PanelMeta{}, domain.ErrStagePassed.With("the round is in %s, past the %s review", r.Phase, stage)
	}
	accepted, err := s.cfg.Apps.ListAccepted(ctx, roundID)
	if err != nil {
		return domain.Panel{}, store.PanelMeta{}, err
	}
	p := domain.Panel{ID: store.NewID(), RoundID: roundID, Stage: stage, Members: members}
	var recusals []domain.Recusal
	for _, a := range accepted {
		donors, err := s.donorsIfNeeded(ctx, p, a.ID, false)
		if err != nil {
			return domain.Panel{}, store.PanelMeta{}, err
		}
		for _, m := range members {
			recusals = append(recusals, domain.DetectConflicts(p.ID, m, a, donors)...)
		}
	}
	now := s.now()
	err = s.repo.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.InsertPanel(ctx, p, now, who.Subject); err != nil {
			return err
		}
		for _, rc := range recusals {
			if err := s.repo.InsertRecusal(ctx, rc, now, "detected"); err != nil {
				return err
			}
		}
		return nil
	})
	p.Recusals = recusals
	return p, store.PanelMeta{CreatedAt: now}, err
}

// donorsIfNeeded lists an application's donors when the panel has a donor representative. Without the
// donations service it refuses when required and otherwise returns nothing (scoring checks again).
func (s *Service) donorsIfNeeded(ctx context.Context, p domain.Panel, applicationID string, required bool) ([]string, error) {
	if !slices.ContainsFunc(p.Members, func(m domain.Member) bool { return m.Kind == domain.KindDonorRep }) {
		return nil, nil
	}
	if s.cfg.Donations == nil {
		if required {
			return nil, domain.ErrDonationsMissing.With("a donor representative's conflicts cannot be checked without the donations service")
		}
		return nil, nil
	}
	return s.cfg.Donations.Donors(ctx, applicationID)
}

// canSeePanel: OPERATOR, ORGANIZER and AUDITOR (who reads everything, DOMAIN.md §1) see every panel, a
// REVIEWER only the panels it sits on.
func canSeePanel(who identity.Identity, p domain.Panel) error {
	if who.Has(identity.Operator, identity.Organizer, identity.Auditor) {
		return nil
	}
	if err := require(who, identity.Reviewer); err != nil {
		return err
	}
	if !p.HasMember(who.Subject) {
		return errs.ErrNotFound.With("panel %s not found", p.ID)
	}
	return nil
}

// GetPanel returns a panel with members and recusals to OPERATOR, ORGANIZER and its members.
func (s *Service) GetPanel(ctx context.Context, id string) (domain.Panel, store.PanelMeta, error) {
	who := identity.From(ctx)
	if err := require(who, identity.Operator, identity.Organizer, identity.Auditor, identity.Reviewer); err != nil {
		return domain.Panel{}, store.PanelMeta{}, err
	}
	if err := store.ParseID("panel_id", id); err != nil {
		return domain.Panel{}, store.PanelMeta{}, err
	}
	p, meta, err := s.repo.GetPanel(ctx, id)
	if err != nil {
		return p, meta, err
	}
	return p, meta, canSeePanel(who, p)
}

// memberPanel loads a panel the caller may act on for reviewerID: a REVIEWER only for itself on a panel it
// sits on; an OPERATOR (when allowed) for any member.
func (s *Service) memberPanel(ctx context.Context, panelID, reviewerID string, operatorMay bool) (domain.Panel, domain.Member, error) {
	who := identity.From(ctx)
	roles := []identity.Role{identity.Reviewer}
	if operatorMay {
		roles = append(roles, identity.Operator)
	}
	if err := require(who, roles...); err != nil {
		return domain.Panel{}, domain.Member{}, err
	}
	if !(operatorMay && who.Has(identity.Operator)) && who.Subject != reviewerID {
		return domain.Panel{}, domain.Member{}, domain.ErrNotSelf.With("%s may not act for reviewer %s", who.Subject, reviewerID)
	}
	if err := store.ParseID("panel_id", panelID); err != nil {
		return domain.Panel{}, domain.Member{}, err
	}
	p, _, err := s.repo.GetPanel(ctx, panelID)
	if err != nil {
		return p, domain.Member{}, err
	}
	if err := canSeePanel(who, p); err != nil {
		return p, domain.Member{}, err
	}
	m, ok := p.Member(reviewerID)
	if !ok {
		return p, m, domain.ErrNotMember.Field("reviewer_id", "not a member of this panel")
	}
	return p, m, nil
}

func (s *Service) applicationIn(ctx context.Context, roundID, applicationID string) (domain.Application, error) {
	if err := store.ParseID("application_id", applicationID); err != nil {
		return domain.Application{}, err
	}
	a, err := s.cfg.Apps.GetApplication(ctx, applicationID)
	if err != nil {
		return a, err
	}
	if a.RoundID != roundID {
		return a, domain.ErrOtherRound.Field("application_id", "not an application of the panel's round")
	}
	if !a.Accepted {
		return a, domain.ErrNotAccepted.With("application %s has not passed initial review", a.ID)
	}
	return a, nil
}

// DeclareConflict records a conflict a reviewer declares on an application. REVIEWER, for itself.
func (s *Service) DeclareConflict(ctx context.Context, panelID, reviewerID, applicationID, reason string) (store.RecusalRecord, error) {
	p, _, err := s.memberPanel(ctx, panelID, reviewerID, false)
	if err != nil {
		return store.RecusalRecord{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > maxReason {
		return store.RecusalRecord{}, domain.ErrReasonRequired.Field("reason", "describe the conflict (at most 2000 characters)")
	}
	if _, err := s.applicationIn(ctx, p.RoundID, applicationID); err != nil {
		return store.RecusalRecord{}, err
	}
	rec := store.RecusalRecord{Recusal: domain.Recusal{PanelID: p.ID, ReviewerID: reviewerID, ApplicationID: applicationID,
		Source: domain.SourceDeclared, Reason: reason}, CreatedAt: s.now()}
	return rec, s.repo.InTx(ctx, func(ctx context.Context) error {
		// A recusal removes the member's score, so it is refused once the stage is computed.
		if err := s.lockStageNotComputed(ctx, p); err != nil {
			return err
		}
		return s.repo.InsertRecusal(ctx, rec.Recusal, rec.CreatedAt, identity.From(ctx).Subject)
	})
}

// ListRecusals lists an application's recusals. Staff roles.
func (s *Service) ListRecusals(ctx context.Context, applicationID string) ([]store.RecusalRecord, error) {
	if err := require(identity.From(ctx), identity.StaffRoles...); err != nil {
		return nil, err
	}
	if err := store.ParseID("application_id", applicationID); err != nil {
		return nil, err
	}
	return s.repo.ListRecusals(ctx, applicationID)
}

// DetectConflicts records the conflicts a member has on an application (affiliation, donor pledge) before a
// score is taken; it runs in its own transaction so the recusal stays recorded when the score is refused.
func (s *Service) DetectConflicts(ctx context.Context, panelID, reviewerID, applicationID string) error {
	p, m, err := s.memberPanel(ctx, panelID, reviewerID, true)
	if err != nil {
		return err
	}
	a, err := s.applicationIn(ctx, p.RoundID, applicationID)
	if err != nil {
		return err
	}
	var donors []string
	if m.Kind == domain.KindDonorRep {
		if donors, err = s.donorsIfNeeded(ctx, p, a.ID, true); err != nil {
			return err
		}
	}
	found := domain.DetectConflicts(p.ID, m, a, donors)
	if len(found) == 0 {
		return nil
	}
	now := s.now()
	return s.repo.InTx(ctx, func(ctx context.Context) error {
		if err := s.lockStageNotComputed(ctx, p); err != nil {
			return err
		}
		for _, r := range found {
			if err := s.repo.InsertRecusal(ctx, r, now, "detected"); err != nil {
				return err
			}
		}
		return nil
	})
}

// SubmitScore records or amends a member's score of an application until the stage is computed. REVIEWER for
// itself or OPERATOR for a member. Call DetectConflicts first.
func (s *Service) SubmitScore(ctx context.Context, panelID, applicationID, reviewerID string, criteria map[string]int) (domain.Score, error) {
	p, _, err := s.memberPanel(ctx, panelID, reviewerID, true)
	if err != nil {
		return domain.Score{}, err
	}
	r, err := s.cfg.Apps.GetRound(ctx, p.RoundID)
	if err != nil {
		return domain.Score{}, err
	}
	if want := domain.ScoringPhase(p.Stage); r.Phase != want {
		return domain.Score{}, domain.ErrScoringClosed.With("the %s panel scores while the round is in %s; it is in %s", p.Stage, want, r.Phase)
	}
	a, err := s.applicationIn(ctx, p.RoundID, applicationID)
	if err != nil {
		return domain.Score{}, err
	}
	total, err := domain.CheckCriteria(r.Policy.Rubric, criteria)
	if err != nil {
		return domain.Score{}, err
	}
	sc := domain.Score{PanelID: p.ID, RoundID: p.RoundID, Stage: p.Stage, ApplicationID: a.ID, ReviewerID: reviewerID,
		Criteria: criteria, Total: total, IdeaPoints: domain.IdeaPoints(criteria), UpdatedAt: s.now()}
	err = s.repo.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.LockRound(ctx, p.RoundID); err != nil {
			return err
		}
		if err := s.checkStageOpen(ctx, p, a.ID); err != nil {
			return err
		}
		recs, err := s.repo.RecusalsOf(ctx, p.ID, reviewerID, a.ID)
		if err != nil {
			return err
		}
		if len(recs) > 0 {
			return domain.ErrRecused.With("reviewer %s is recused from application %s: %s", reviewerID, a.ID, recs[0].Reason)
		}
		return s.repo.UpsertScore(ctx, sc, identity.From(ctx).Subject)
	})
	return sc, err
}

// checkStageOpen refuses scores once the stage is computed, and final scores for non-finalists.
func (s *Service) checkStageOpen(ctx context.Context, p domain.Panel, applicationID string) error {
	if err := s.checkNotComputed(ctx, p); err != nil {
		return err
	}
	if p.Stage == domain.StageShortlist {
		return nil
	}
	sl, err := s.repo.GetShortlist(ctx, p.RoundID, false)
	if err != nil && !domain.ErrShortlistNotFound.Is(err) {
		return err
	}
	if e, ok := sl.Entry(applicationID); err != nil || sl.State != domain.ShortlistPublished || !ok || !e.Shortlisted || e.IdeaOnly {
		return domain.ErrNotFinalist.With("application %s is not on the published shortlist", applicationID)
	}
	return nil
}

// checkNotComputed refuses once the panel's stage is computed (the shortlist, or the final results): its
// scores no longer change, neither by an amendment nor by a recusal removing one.
func (s *Service) checkNotComputed(ctx context.Context, p domain.Panel) error {
	if p.Stage == domain.StageShortlist {
		sl, err := s.repo.GetShortlist(ctx, p.RoundID, false)
		if err == nil {
			return domain.ErrStageComputed.With("the shortlist was computed at %s", sl.ComputedAt.Format(time.RFC3339))
		}
		if !domain.ErrShortlistNotFound.Is(err) {
			return err
		}
		return nil
	}
	if _, err := s.repo.GetResults(ctx, p.RoundID, false); err == nil {
		return domain.ErrStageComputed.With("the final results are computed")
	} else if !domain.ErrResultsNotComputed.Is(err) {
		return err
	}
	return nil
}

// lockStageNotComputed serialises with computing the round (in the caller's transaction) and refuses once
// the panel's stage is computed.
func (s *Service) lockStageNotComputed(ctx context.Context, p domain.Panel) error {
	if err := s.repo.LockRound(ctx, p.RoundID); err != nil {
		return err
	}
	return s.checkNotComputed(ctx, p)
}

// --- shortlist ---

// scoresByStage groups a round's scores: application → stage → member totals and idea points.
type stageScores struct {
	totals []domain.MemberTotal
	ideas  []int64
}

func groupScores(scores []domain.Score) map[string]map[domain.Stage]*stageScores {
	out := map[string]map[domain.Stage]*stageScores{}
	for _, sc := range scores {
		if out[sc.ApplicationID] == nil {
			out[sc.ApplicationID] = map[domain.Stage]*stageScores{}
		}
		g := out[sc.ApplicationID][sc.Stage]
		if g == nil {
			g = &stageScores{}
			out[sc.ApplicationID][sc.Stage] = g
		}
		g.totals = append(g.totals, domain.MemberTotal{ReviewerID: sc.ReviewerID, Total: int64(sc.Total)})
		g.ideas = append(g.ideas, int64(sc.IdeaPoints))
	}
	return out
}

// ComputeShortlist ranks every accepted application by its shortlist panel score. OPERATOR only; while the
// round is in SHORTLISTING and until the shortlist is published.
func (s *Service) ComputeShortlist(ctx context.Context, roundID string) (domain.Shortlist, error) {
	who := identity.From(ctx)
	if err := require(who, identity.Operator); err != nil {
		return domain.Shortlist{}, err
	}
	r, err := s.round(ctx, roundID)
	if err != nil {
		return domain.Shortlist{}, err
	}
	if err := requirePhase(r, domain.PhaseShortlisting); err != nil {
		return domain.Shortlist{}, err
	}
	accepted, err := s.cfg.Apps.ListAccepted(ctx, roundID)
	if err != nil {
		return domain.Shortlist{}, err
	}
	var sl domain.Shortlist
	err = s.repo.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.LockRound(ctx, roundID); err != nil {
			return err
		}
		if cur, err := s.repo.GetShortlist(ctx, roundID, true); err == nil && cur.State == domain.ShortlistPublished {
			return domain.ErrShortlistPublished.With("published at %s", cur.PublishedAt.Format(time.RFC3339))
		} else if err != nil && !domain.ErrShortlistNotFound.Is(err) {
			return err
		}
		if _, err := s.repo.PanelFor(ctx, roundID, domain.StageShortlist); err != nil {
			return err
		}
		scores, err := s.repo.ScoresOfRound(ctx, roundID)
		if err != nil {
			return err
		}
		grouped := groupScores(scores)
		var cands []domain.ShortlistCandidate
		var missing []string
		for _, a := range accepted {
			g := grouped[a.ID][domain.StageShortlist]
			if g == nil {
				missing = append(missing, a.ID)
				continue
			}
			score, inputs := domain.PanelScore(g.totals, r.Policy.TrimExtremes)
			cands = append(cands, domain.ShortlistCandidate{ApplicationID: a.ID, PanelScore: score, FirstSubmitAt: a.FirstSubmitAt, IdeaOnly: a.IdeaOnly, Inputs: inputs})
		}
		if len(missing) > 0 {
			return domain.ErrScoresMissing.With("%d accepted application(s) have no shortlist score: %s", len(missing), strings.Join(missing, ", "))
		}
		sl = domain.Shortlist{RoundID: roundID, State: domain.ShortlistComputed, Entries: domain.RankShortlist(cands, r.Policy.ShortlistQuota), ComputedAt: s.now()}
		return s.repo.SaveShortlist(ctx, sl, who.Subject)
	})
	return sl, err
}

// PublishShortlist publishes the computed shortlist and pushes every application's stage to the applications
// service. The outcome is recorded first; publishing again pushes whatever was not confirmed. ORGANIZER only.
func (s *Service) PublishShortlist(ctx context.Context, roundID string) (domain.Shortlist, error) {
	who := identity.From(ctx)
	if err := require(who, identity.Organizer); err != nil {
		return domain.Shortlist{}, err
	}
	r, err := s.round(ctx, roundID)
	if err != nil {
		return domain.Shortlist{}, err
	}
	var sl domain.Shortlist
	err = s.repo.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.LockRound(ctx, roundID); err != nil {
			return err
		}
		if sl, err = s.repo.GetShortlist(ctx, roundID, true); err != nil {
			return err
		}
		if sl.State == domain.ShortlistPublished {
			return nil
		}
		if err := requirePhase(r, domain.PhaseShortlisting); err != nil {
			return err
		}
		now := s.now()
		if err := s.repo.MarkShortlistPublished(ctx, roundID, now, who.Subject); err != nil {
			return err
		}
		sl.State, sl.PublishedAt = domain.ShortlistPublished, now
		var stages []store.StagePush
		for _, e := range sl.Entries {
			stage := domain.OutcomeNotShortlisted
			if e.Shortlisted {
				stage = domain.OutcomeShortlisted
			}
			stages = append(stages, store.StagePush{ApplicationID: e.ApplicationID, Stage: stage})
		}
		return s.repo.QueueStages(ctx, roundID, stages, now)
	})
	if err != nil {
		return sl, err
	}
	return sl, s.PushStages(ctx, roundID)
}

// PushStages pushes a round's recorded stages the applications service has not confirmed yet.
func (s *Service) PushStages(ctx context.Context, roundID string) error {
	pending, err := s.repo.PendingStages(ctx, roundID)
	if err != nil {
		return err
	}
	failed := 0
	var last error
	for _, p := range pending {
		if err := s.cfg.Apps.SetStage(ctx, p.ApplicationID, p.Stage); err != nil {
			failed, last = failed+1, err
			continue
		}
		if err := s.repo.MarkPushed(ctx, p, s.now()); err != nil {
			return err
		}
	}
	if failed > 0 {
		return domain.ErrStagePushFailed.With("%d of %d stages not confirmed by the applications service (last error: %v); the outcome is recorded, retry to push them", failed, len(pending), last)
	}
	return nil
}

// GetShortlist returns the shortlist: the whole ranking to staff once computed; the shortlisted and
// disqualified entries, without inputs, to anyone once published.
func (s *Service) GetShortlist(ctx context.Context, roundID string) (domain.Shortlist, error) {
	if err := store.ParseID("round_id", roundID); err != nil {
		return domain.Shortlist{}, err
	}
	sl, err := s.repo.GetShortlist(ctx, roundID, false)
	who := identity.From(ctx)
	if who.ReadsAll() {
		return sl, err
	}
	if err != nil || sl.State != domain.ShortlistPublished {
		return domain.Shortlist{}, domain.ErrShortlistNotPublic.With("round %s has no published shortlist", roundID)
	}
	var public []domain.ShortlistEntry
	for _, e := range sl.Entries {
		if e.Shortlisted || e.Disqualified {
			e.Inputs = domain.PanelInputs{}
			public = append(public, e)
		}
	}
	sl.Entries = public
	return sl, nil
}

// --- complaints ---

// CreateComplaint lodges a complaint against a shortlisted application while the round is in PUBLICITY.
// Anyone may complain.
func (s *Service) CreateComplaint(ctx context.Context, roundID, applicationID, content, contact string) (domain.Complaint, error) {
	content, contact = strings.TrimSpace(content), strings.TrimSpace(contact)
	if content == "" || utf8.RuneCountInString(content) > maxContent {
		return domain.Complaint{}, domain.ErrContentRequired.Field("content", "between 1 and 5000 characters")
	}
	if utf8.RuneCountInString(contact) > maxContact {
		return domain.Complaint{}, errs.Invalid("CONTACT_TOO_LONG", "contact", "at most 200 characters")
	}
	if err := store.ParseID("application_id", applicationID); err != nil {
		return domain.Complaint{}, err
	}
	r, err := s.round(ctx, roundID)
	if err != nil {
		return domain.Complaint{}, err
	}
	if err := requirePhase(r, domain.PhasePublicity); err != nil {
		return domain.Complaint{}, err
	}
	// Complaints are lodged during the publicity period (在公示期间), not in the time between its end and
	// the organizer's move to PROMOTION: that move checks for open complaints once the period is over, so
	// none can arrive between its check and its commit.
	if end := r.PhaseEnteredAt.Add(r.Policy.PublicityPeriod); !s.now().Before(end) {
		return domain.Complaint{}, domain.ErrPublicityPeriodOver.With("the publicity period ended at %s", end.Format(time.RFC3339))
	}
	if err := s.onPublishedShortlist(ctx, roundID, applicationID); err != nil {
		return domain.Complaint{}, err
	}
	c := domain.Complaint{ID: store.NewID(), RoundID: roundID, ApplicationID: applicationID, Content: content, Contact: contact,
		State: domain.ComplaintOpen, CreatedAt: s.now()}
	return c, s.repo.InsertComplaint(ctx, c, subjectOf(identity.From(ctx)))
}

func (s *Service) onPublishedShortlist(ctx context.Context, roundID, applicationID string) error {
	on, err := s.repo.OnPublishedShortlist(ctx, roundID, applicationID)
	if err != nil {
		return err
	}
	if !on {
		return domain.ErrNotOnShortlist.With("application %s is not on the round's published shortlist", applicationID)
	}
	return nil
}

// ResolveComplaint resolves an open complaint. UPHELD disqualifies the application: it leaves the shortlist and
// its DISQUALIFIED stage is recorded for pushing (call PushStages after the commit). OPERATOR only.
func (s *Service) ResolveComplaint(ctx context.Context, id, outcome, reason string) (domain.Complaint, error) {
	who := identity.From(ctx)
	if err := require(who, identity.Operator); err != nil {
		return domain.Complaint{}, err
	}
	if err := store.ParseID("complaint_id", id); err != nil {
		return domain.Complaint{}, err
	}
	if outcome != domain.OutcomeUpheld && outcome != domain.OutcomeDismissed {
		return domain.Complaint{}, domain.ErrInvalidOutcome.Field("outcome", "UPHELD or DISMISSED")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > maxReason {
		return domain.Complaint{}, domain.ErrReasonRequired.Field("reason", "give the reason for the outcome (at most 2000 characters)")
	}
	var c domain.Complaint
	err := s.repo.InTx(ctx, func(ctx context.Context) error {
		var err error
		if c, err = s.repo.GetComplaint(ctx, id, true); err != nil {
			return err
		}
		if err := s.repo.LockRound(ctx, c.RoundID); err != nil {
			return err
		}
		if c.State != domain.ComplaintOpen {
			return domain.ErrComplaintClosed.With("complaint %s was resolved %s", id, c.Outcome)
		}
		now := s.now()
		c.State, c.Outcome, c.ResolutionReason, c.ResolvedAt = domain.ComplaintResolved, outcome, reason, now
		if err := s.repo.ResolveComplaint(ctx, c, who.Subject); err != nil {
			return err
		}
		if outcome != domain.OutcomeUpheld {
			return nil
		}
		if _, err := s.repo.GetShortlist(ctx, c.RoundID, true); err != nil {
			return err
		}
		if err := s.repo.Disqualify(ctx, c.RoundID, c.ApplicationID); err != nil {
			return err
		}
		return s.repo.QueueStages(ctx, c.RoundID, []store.StagePush{{ApplicationID: c.ApplicationID, Stage: domain.OutcomeDisqualified}}, now)
	})
	return c, err
}

// ListComplaints lists a page of a round's complaints, so the operator can find the open ones to resolve.
// Staff roles (the contact is shown per ShowContact).
func (s *Service) ListComplaints(ctx context.Context, f store.ComplaintFilter) ([]domain.Complaint, error) {
	if err := require(identity.From(ctx), identity.StaffRoles...); err != nil {
		return nil, err
	}
	if err := store.ParseID("round_id", f.RoundID); err != nil {
		return nil, err
	}
	return s.repo.ListComplaints(ctx, f)
}

// ShowContact reports whether the caller may see a complainant's contact.
func ShowContact(ctx context.Context) bool {
	return identity.From(ctx).Has(identity.Operator, identity.Organizer)
}

// --- status for the round coordinator ---

// RoundReviewStatus is what the applications service asks before a phase change.
type RoundReviewStatus struct {
	ShortlistPublished bool
	OpenComplaints     int
	ResultsState       domain.ResultsState
}

// GetRoundReviewStatus reports the reviews preconditions of a round: the shortlist counts as published, a
// complaint as closed and the results as signed off only once every stage they set is confirmed by the
// applications service. Suite services only.
func (s *Service) GetRoundReviewStatus(ctx context.Context, roundID string) (RoundReviewStatus, error) {
	if err := require(identity.From(ctx), identity.Service); err != nil {
		return RoundReviewStatus{}, err
	}
	if err := store.ParseID("round_id", roundID); err != nil {
		return RoundReviewStatus{}, err
	}
	st, err := s.repo.RoundStatus(ctx, roundID)
	if err != nil {
		return RoundReviewStatus{}, err
	}
	out := RoundReviewStatus{
		ShortlistPublished: st.ShortlistState == domain.ShortlistPublished && st.PendingStages == 0,
		OpenComplaints:     st.OpenComplaints,
		ResultsState:       st.ResultsState,
	}
	if st.PendingStages > 0 {
		// An upheld complaint is not done until the application's DISQUALIFIED stage is confirmed, nor are
		// results signed off until every final stage is.
		out.OpenComplaints += st.PendingStages
		if out.ResultsState == domain.ResultsSignedOff {
			out.ResultsState = domain.ResultsApproved
		}
	}
	return out, nil
}

// --- voting ---

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

func randomCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%06d", n.Int64())
}

func checkPhone(phone string) error {
	if err := cnid.ValidMobile(phone); err != nil {
		return errs.Invalid("INVALID_PHONE", "phone", "an 11-digit mainland mobile number")
	}
	return nil
}

// SendVoterCode stores a fresh one-time code for a phone and sends it. It returns the code only with the dev
// sender.
func (s *Service) SendVoterCode(ctx context.Context, phone string) (devCode string, expires time.Time, err error) {
	if err := checkPhone(phone); err != nil {
		return "", time.Time{}, err
	}
	code := s.cfg.RandomCode()
	ph := s.phoneHMAC(phone)
	now := s.now()
	expires = now.Add(CodeTTL)
	err = s.repo.InTx(ctx, func(ctx context.Context) error {
		n, err := s.repo.CodesSince(ctx, ph, now.Add(-CodeWindow))
		if err != nil {
			return err
		}
		if n >= MaxCodesPerPhone {
			return domain.ErrCodeRateLimited.With("%d codes were sent to this phone in the last %s", n, CodeWindow)
		}
		if err := s.repo.InsertCode(ctx, ph, s.codeHMAC(ph, code), expires, now); err != nil {
			return err
		}
		devCode, err = s.cfg.Sender.Send(ctx, phone, code)
		return err
	})
	return devCode, expires, err
}

// VerifyVoter checks a phone's latest code and issues a voter token; only the token's hash is stored.
func (s *Service) VerifyVoter(ctx context.Context, phone, code string) (token string, expires time.Time, err error) {
	if err := checkPhone(phone); err != nil {
		return "", time.Time{}, err
	}
	ph := s.phoneHMAC(phone)
	now := s.now()
	var wrong bool
	err = s.repo.InTx(ctx, func(ctx context.Context) error {
		c, err := s.repo.LatestCode(ctx, ph)
		if err != nil {
			return err
		}
		switch {
		case c.Used || !now.Before(c.ExpiresAt):
			return domain.ErrCodeInvalid.With("the code has expired or was used; ask for a new one")
		case c.Attempts >= MaxCodeAttempts:
			return domain.ErrCodeAttempts
		}
		if subtle.ConstantTimeCompare(c.CodeHMAC, s.codeHMAC(ph, code)) != 1 {
			wrong = true
			return s.repo.UpdateCode(ctx, c.ID, c.Attempts+1, false)
		}
		if err := s.repo.UpdateCode(ctx, c.ID, c.Attempts+1, true); err != nil {
			return err
		}
		voterID, err := s.repo.EnsureVoter(ctx, ph, now)
		if err != nil {
			return err
		}
		raw := make([]byte, 32)
		if _, err := rand.Read(raw); err != nil {
			return err
		}
		token = base64.RawURLEncoding.EncodeToString(raw)
		expires = now.Add(s.cfg.TokenTTL)
		return s.repo.InsertToken(ctx, tokenHash(token), voterID, expires, now)
	})
	if err == nil && wrong {
		return "", time.Time{}, domain.ErrCodeInvalid.Field("code", "wrong code")
	}
	return token, expires, err
}

// Voter returns the voter holding a token.
func (s *Service) Voter(ctx context.Context, token string) (string, error) {
	if token == "" {
		return "", domain.ErrVoterTokenInvalid
	}
	return s.repo.VoterByToken(ctx, tokenHash(token), s.now())
}

// VoteRound reads the round a vote is cast in (before the vote's transaction).
func (s *Service) VoteRound(ctx context.Context, roundID string) (domain.Round, error) {
	return s.round(ctx, roundID)
}

// CastVote casts a voter's vote for a shortlisted application while the round is in PROMOTION: one per voter
// per application per calendar day in the round's time zone (the policy's allowance).
func (s *Service) CastVote(ctx context.Context, r domain.Round, voterID, applicationID string) (domain.Vote, error) {
	if err := store.ParseID("application_id", applicationID); err != nil {
		return domain.Vote{}, err
	}
	if r.Phase != domain.PhasePromotion {
		return domain.Vote{}, domain.ErrVotingClosed.With("the round is in %s", r.Phase)
	}
	if err := s.onPublishedShortlist(ctx, r.ID, applicationID); err != nil {
		return domain.Vote{}, err
	}
	loc, err := time.LoadLocation(r.Policy.TimeZone)
	if err != nil {
		return domain.Vote{}, fmt.Errorf("round %s time zone: %w", r.ID, err)
	}
	now := s.now()
	v := domain.Vote{ID: store.NewID(), RoundID: r.ID, ApplicationID: applicationID, VoterID: voterID, Day: domain.VoteDay(now, loc), CastAt: now}
	return v, s.repo.InsertVote(ctx, v, max(1, r.Policy.VotesPerVoterPerDay))
}

// Tallies counts a round's votes. Anyone.
func (s *Service) Tallies(ctx context.Context, roundID string) ([]domain.Tally, error) {
	if err := store.ParseID("round_id", roundID); err != nil {
		return nil, err
	}
	// Once voting has closed, the tallies are those the results use: only votes cast before the close.
	r, err := s.cfg.Apps.GetRound(ctx, roundID)
	if err != nil {
		return nil, err
	}
	return s.repo.Tallies(ctx, roundID, r.DonationCutoff)
}
