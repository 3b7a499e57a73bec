package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

func TestPhasesMoveForwardWithPreconditions(t *testing.T) {
	f := setup(t)
	f.reviews.set(map[string]bool{"SHORTLIST_NOT_PUBLISHED": true}, nil)
	r, o := f.published(t)

	a := f.submitted(t, r, o, "Meals")
	if _, err := f.svc.AdvanceRound(organizer, app.AdvanceRound{RoundID: r.ID, To: domain.PhaseShortlisting}); !errors.Is(err, domain.ErrDeadlineNotPassed) {
		t.Fatalf("before the deadline: %v", err)
	}
	f.clock.Add(time.Hour)
	if _, err := f.svc.AdvanceRound(organizer, app.AdvanceRound{RoundID: r.ID, To: domain.PhaseShortlisting}); !errors.Is(err, domain.ErrAwaitingReview) {
		t.Fatalf("with an application awaiting review: %v", err)
	}
	if _, err := f.svc.ReviewApplication(operator, app.ReviewApplication{ApplicationID: a.ID, Decision: domain.DecisionAccept, Etag: domain.Etag(a.ID, a.Version)}); err != nil {
		t.Fatal(err)
	}
	r = f.advance(t, r, domain.PhaseShortlisting)
	// The owning service refuses: the refusal's reason reaches the caller and nothing changes.
	_, err := f.svc.AdvanceRound(organizer, app.AdvanceRound{RoundID: r.ID, To: domain.PhasePublicity})
	if e, ok := errs.As(err); !ok || e.Reason != "SHORTLIST_NOT_PUBLISHED" || e.Kind != errs.FailedPrecondition {
		t.Fatalf("remote precondition: %v", err)
	}
	if got := f.phaseOf(t, r); got != domain.PhaseShortlisting {
		t.Fatalf("refused advance changed the phase to %s", got)
	}
	if n := f.reviews.Calls(); n != 1 {
		t.Fatalf("reviews asked %d times, want once (no phase before PUBLICITY needs it)", n)
	}
}

// The rules this service owns are checked before another service is asked: PROMOTION inside the publicity
// period is refused for that reason alone, and the reviews service is not asked at all.
func TestPromotionInsidePublicityPeriodAsksNoOne(t *testing.T) {
	f, r := shortlisting(t)
	r = f.advance(t, r, domain.PhasePublicity)
	asked := f.reviews.Calls()

	f.clock.Add(publicity - time.Second)
	_, err := f.svc.AdvanceRound(organizer, app.AdvanceRound{RoundID: r.ID, To: domain.PhasePromotion})
	if e, ok := errs.As(err); !ok || !errors.Is(err, domain.ErrPublicityNotElapsed) || e.Reason != "PUBLICITY_PERIOD_NOT_ELAPSED" {
		t.Fatalf("promotion inside the publicity period: %v", err)
	}
	if n := f.reviews.Calls(); n != asked {
		t.Fatalf("the reviews service was asked %d time(s) for a change the local rules refuse", n-asked)
	}
	if got := f.phaseOf(t, r); got != domain.PhasePublicity {
		t.Fatalf("refused promotion moved the round to %s", got)
	}

	// Once the period is over, the reviews service is asked (no complaint open) and the round moves.
	f.clock.Add(time.Second)
	f.advance(t, r, domain.PhasePromotion)
	if n := f.reviews.Calls(); n != asked+1 {
		t.Fatalf("reviews asked %d time(s) for the promotion, want once", n-asked)
	}
}

// The reviews service is asked while no transaction is open: the round is not locked and no pool connection
// is held. A change of the round meanwhile is refused rather than moved on an answer about the old round.
func TestRoundChangedWhileReviewsAnswered(t *testing.T) {
	f, r := shortlisting(t)

	var held int32 = -1
	f.reviews.set(nil, func() {
		held = f.pool.Stat().AcquiredConns()
		// Another writer changes the round; it would wait for a lock held across this call.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := f.pool.Exec(ctx, `UPDATE rounds SET version = version + 1 WHERE id = $1`, r.ID); err != nil {
			t.Errorf("the round is locked while the reviews service is asked: %v", err)
		}
	})
	_, err := f.svc.AdvanceRound(organizer, app.AdvanceRound{RoundID: r.ID, To: domain.PhasePublicity})
	if held != 0 {
		t.Errorf("%d pool connection(s) held while the reviews service was asked", held)
	}
	if e, ok := errs.As(err); !ok || !errors.Is(err, domain.ErrRoundChanged) || e.Kind != errs.Aborted {
		t.Fatalf("round changed during the check: %v", err)
	}
	if got := f.phaseOf(t, r); got != domain.PhaseShortlisting {
		t.Fatalf("the round moved to %s on an answer about its old version", got)
	}

	f.reviews.set(nil, nil)
	f.advance(t, r, domain.PhasePublicity)
}

// A retried :advance answers as the first call did, without asking the reviews service again.
func TestAdvanceRetryAnswersTheFirstAnswer(t *testing.T) {
	f, r := shortlisting(t)

	key := idempotency.Key{RequestID: "advance-1", Fingerprint: []byte("publicity")}
	first, err := f.svc.AdvanceRound(organizer, app.AdvanceRound{Key: key, RoundID: r.ID, To: domain.PhasePublicity})
	if err != nil {
		t.Fatal(err)
	}
	asked := f.reviews.Calls()
	again, err := f.svc.AdvanceRound(organizer, app.AdvanceRound{Key: key, RoundID: r.ID, To: domain.PhasePublicity})
	if err != nil || domain.Etag(again.ID, again.Version) != domain.Etag(first.ID, first.Version) || again.Phase != domain.PhasePublicity ||
		!again.PhaseEnteredAt.Equal(first.PhaseEnteredAt) {
		t.Fatalf("retry: %+v %v, first %+v", again, err, first)
	}
	if f.reviews.Calls() != asked {
		t.Fatal("a retry asked the reviews service again")
	}
	other := idempotency.Key{RequestID: "advance-1", Fingerprint: []byte("another body")}
	if _, err := f.svc.AdvanceRound(organizer, app.AdvanceRound{Key: other, RoundID: r.ID, To: domain.PhasePromotion}); !errors.Is(err, errs.ErrRequestIDReused) {
		t.Fatalf("same request_id, another request: %v", err)
	}
}

func TestUpdateRoundNeedsTheEtagAndADraft(t *testing.T) {
	f := setup(t)
	r, err := f.svc.CreateRound(organizer, app.CreateRound{Name: "2026", Year: 2026,
		Policy: domain.Policy{SubmissionDeadline: f.clock.Now().Add(time.Hour), ShortlistQuota: 2, SelectionQuota: 1}, Notice: notice})
	if err != nil {
		t.Fatal(err)
	}
	if r.CreatedBy != "organizer" {
		t.Errorf("created by %q", r.CreatedBy)
	}
	edit := app.UpdateRound{RoundID: r.ID, Name: "2026 edited", Policy: r.Policy, Etag: domain.Etag(r.ID, r.Version)}
	edited, err := f.svc.UpdateRound(organizer, edit)
	if err != nil || edited.Name != "2026 edited" || edited.Version != r.Version+1 {
		t.Fatalf("edit: %+v %v", edited, err)
	}
	if _, err := f.svc.UpdateRound(organizer, edit); !errors.Is(err, errs.ErrEtagMismatch) {
		t.Fatalf("stale etag: %v", err)
	}
	edited = f.advance(t, edited, domain.PhaseSolicitation)
	edit.Etag = domain.Etag(edited.ID, edited.Version)
	if _, err := f.svc.UpdateRound(organizer, edit); !errors.Is(err, domain.ErrRoundNotDraft) {
		t.Fatalf("published round: %v", err)
	}
}
