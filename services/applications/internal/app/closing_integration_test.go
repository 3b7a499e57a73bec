package app_test

import (
	"context"
	"testing"

	"github.com/commonweal/commonweal/pkg/dbtest"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
	"github.com/commonweal/commonweal/services/applications/internal/store"
)

// implementing returns a fixture whose round is in IMPLEMENTATION (set in the table: the steps there are the
// reviews service's and are tested above).
func implementing(t *testing.T) (*fixture, domain.Round) {
	t.Helper()
	f, r := shortlisting(t)
	if _, err := f.pool.Exec(context.Background(), `UPDATE rounds SET phase = 'IMPLEMENTATION', version = version + 1 WHERE id = $1`, r.ID); err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.GetRound(organizer, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	return f, r
}

func refusedWith(t *testing.T, what string, err error, reason string) {
	t.Helper()
	if e, ok := errs.As(err); !ok || e.Reason != reason || e.Kind != errs.FailedPrecondition {
		t.Fatalf("%s: %v, want FAILED_PRECONDITION %s", what, err, reason)
	}
}

// CLOSING and CLOSED are asked of the supervision service, with no transaction open and the round unlocked;
// its refusal's reason reaches the caller and nothing moves; reviews is not asked.
func TestClosingAsksSupervision(t *testing.T) {
	f, r := implementing(t)
	reviewsAsked := f.reviews.Calls()
	var held int32 = -1
	f.supervision.set(map[string]bool{"PROJECTS_NOT_FINISHED": true, "ROUND_SUMMARY_MISSING": true}, func() {
		held = f.pool.Stat().AcquiredConns()
	})
	_, err := f.svc.AdvanceRound(organizer, app.AdvanceRound{RoundID: r.ID, To: domain.PhaseClosing})
	refusedWith(t, "closing before every plan is finished", err, "PROJECTS_NOT_FINISHED")
	if held != 0 {
		t.Errorf("%d pool connection(s) held while supervision was asked", held)
	}
	if got := f.phaseOf(t, r); got != domain.PhaseImplementation {
		t.Fatalf("refused closing moved the round to %s", got)
	}
	f.supervision.set(map[string]bool{"ROUND_SUMMARY_MISSING": true}, nil)
	r = f.advance(t, r, domain.PhaseClosing)
	_, err = f.svc.AdvanceRound(organizer, app.AdvanceRound{RoundID: r.ID, To: domain.PhaseClosed})
	refusedWith(t, "closed before the round summary", err, "ROUND_SUMMARY_MISSING")
	f.supervision.set(nil, nil)
	f.advance(t, r, domain.PhaseClosed)
	if n := f.supervision.Calls(); n != 4 {
		t.Fatalf("supervision asked %d times, want 4", n)
	}
	if f.reviews.Calls() != reviewsAsked {
		t.Fatal("the reviews service was asked about closing")
	}
}

// Without a supervision client the coordinator refuses rather than guess.
func TestClosingWithoutSupervisionIsUnverifiable(t *testing.T) {
	f, r := implementing(t)
	st := store.New(f.pool, dbtest.Box(t))
	svc := app.New(app.Deps{Rounds: st, Organizations: st, Applications: st, Queries: st, Requests: idempotency.NewPG(f.pool), Now: f.clock.Now,
		Checkers: map[string]app.PreconditionChecker{"reviews": f.reviews}, Communities: st, Needs: st})
	_, err := svc.AdvanceRound(organizer, app.AdvanceRound{RoundID: r.ID, To: domain.PhaseClosing})
	refusedWith(t, "closing with no one to ask", err, "PRECONDITION_UNVERIFIABLE")
}
