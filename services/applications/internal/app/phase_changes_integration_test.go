package app_test

import (
	"slices"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// TestListPhaseChanges: a round's audit trail, one entry per advance (who, when, from which phase), oldest
// first, by time (from inclusive, to exclusive) and in keyset pages; another round's changes never show; an
// unknown round is NOT_FOUND.
func TestListPhaseChanges(t *testing.T) {
	f, r := shortlisting(t) // SOLICITATION at t0, SHORTLISTING an hour later
	f.clock.Add(time.Minute)
	r = f.advance(t, r, domain.PhasePublicity)
	f.clock.Add(publicity)
	f.advance(t, r, domain.PhasePromotion)
	other, _ := f.published(t) // another round's SOLICITATION, now

	auditor := as("auditor", identity.Auditor)
	list := func(q app.PhaseChangeFilter) []domain.PhaseChange {
		t.Helper()
		if q.Limit == 0 {
			q.Limit = 100
		}
		got, err := f.svc.ListPhaseChanges(auditor, q)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	phases := func(cs []domain.PhaseChange) []domain.Phase {
		out := []domain.Phase{}
		for _, c := range cs {
			out = append(out, c.To)
		}
		return out
	}
	all := list(app.PhaseChangeFilter{RoundID: r.ID})
	want := []domain.Phase{domain.PhaseSolicitation, domain.PhaseShortlisting, domain.PhasePublicity, domain.PhasePromotion}
	if !slices.Equal(phases(all), want) {
		t.Fatalf("phase changes: %v, want %v", phases(all), want)
	}
	if c := all[2]; c.From != domain.PhaseShortlisting || c.By != "organizer" || c.RoundID != r.ID || !c.At.Equal(all[1].At.Add(time.Minute)) {
		t.Fatalf("the move to PUBLICITY: %+v", c)
	}
	if got := phases(list(app.PhaseChangeFilter{RoundID: r.ID, From: all[1].At, To: all[3].At})); !slices.Equal(got, want[1:3]) {
		t.Fatalf("from SHORTLISTING's instant to PROMOTION's: %v", got)
	}
	if got := phases(list(app.PhaseChangeFilter{RoundID: r.ID, From: all[3].At})); !slices.Equal(got, want[3:]) {
		t.Fatalf("from PROMOTION's instant: %v", got)
	}
	if got := phases(list(app.PhaseChangeFilter{RoundID: other.ID})); !slices.Equal(got, want[:1]) {
		t.Fatalf("the other round's changes: %v", got)
	}

	var paged []domain.Phase
	q := app.PhaseChangeFilter{RoundID: r.ID, Limit: 1}
	for range len(want) + 1 {
		page := list(q)
		if len(page) == 0 {
			break
		}
		paged = append(paged, page[0].To)
		q.AfterTime, q.AfterPhase = page[0].At, string(page[0].To)
	}
	if !slices.Equal(paged, want) {
		t.Fatalf("paged: %v, want %v", paged, want)
	}
	if _, err := f.svc.ListPhaseChanges(auditor, app.PhaseChangeFilter{RoundID: ids.New(), Limit: 1}); !isKind(err, errs.NotFound) {
		t.Fatalf("an unknown round: %v", err)
	}
}

func isKind(err error, k errs.Kind) bool {
	e, ok := errs.As(err)
	return ok && e.Kind == k
}
