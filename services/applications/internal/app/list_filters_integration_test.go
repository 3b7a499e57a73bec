package app_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// The list's filters (status, category) and keyset pages give staff exactly the round's matching applications,
// oldest first, each once; an applicant only its organisations'; an unknown round is NOT_FOUND and a round
// without a match an empty page.
func TestListApplicationsFiltersAndPages(t *testing.T) {
	f := setup(t)
	r, o := f.published(t)
	other, _ := f.published(t)
	type made struct {
		id       string
		category domain.Category
		status   domain.Status
	}
	var all []made
	for i, cat := range []domain.Category{domain.CategoryElderly, domain.CategoryYouth, domain.CategoryYouth, domain.CategoryElderly, domain.CategoryYouth} {
		c := content("Project " + string(rune('A'+i)))
		c.Category = cat
		a, err := f.svc.CreateApplication(applicant, app.CreateApplication{RoundID: r.ID, OrgID: o.ID, Content: c})
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			if a, err = f.svc.SubmitApplication(applicant, app.SubmitApplication{ApplicationID: a.ID, Etag: domain.Etag(a.ID, a.Version)}); err != nil {
				t.Fatal(err)
			}
		}
		all = append(all, made{a.ID, cat, a.Status})
		f.clock.Add(time.Second) // distinct creation times: the list's order is theirs
	}
	want := func(keep func(made) bool) []string {
		var ids []string
		for _, m := range all {
			if keep(m) {
				ids = append(ids, m.id)
			}
		}
		return ids
	}
	// pages lists as ctx sees it, two at a time, in the list's own order.
	pages := func(ctx context.Context, filter app.ApplicationFilter) []string {
		t.Helper()
		var ids []string
		filter.Limit = 2
		for range 10 {
			page, err := f.svc.ListApplications(ctx, filter)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range page {
				ids = append(ids, a.ID)
			}
			if len(page) < filter.Limit {
				return ids
			}
			filter.AfterTime, filter.AfterID = page[len(page)-1].CreatedAt, page[len(page)-1].ID
		}
		t.Fatal("the pages do not end")
		return nil
	}
	tests := []struct {
		name   string
		filter app.ApplicationFilter
		want   []string
	}{
		{"all", app.ApplicationFilter{RoundID: r.ID}, want(func(made) bool { return true })},
		{"youth", app.ApplicationFilter{RoundID: r.ID, Category: domain.CategoryYouth}, want(func(m made) bool { return m.category == domain.CategoryYouth })},
		{"submitted", app.ApplicationFilter{RoundID: r.ID, Status: domain.StatusSubmitted}, want(func(m made) bool { return m.status == domain.StatusSubmitted })},
		{"youth drafts", app.ApplicationFilter{RoundID: r.ID, Status: domain.StatusDraft, Category: domain.CategoryYouth},
			want(func(m made) bool { return m.status == domain.StatusDraft && m.category == domain.CategoryYouth })},
		{"other round", app.ApplicationFilter{RoundID: other.ID}, nil},
		{"no match", app.ApplicationFilter{RoundID: r.ID, Category: domain.CategoryRelief}, nil},
	}
	for _, tc := range tests {
		for who, ctx := range map[string]context.Context{"operator": operator, "applicant": applicant} {
			if got := pages(ctx, tc.filter); !slices.Equal(got, tc.want) {
				t.Errorf("%s as %s: %v, want %v", tc.name, who, got, tc.want)
			}
		}
		if got := pages(as("stranger", identity.Applicant), tc.filter); len(got) != 0 {
			t.Errorf("%s: another applicant lists %v", tc.name, got)
		}
	}
	unknown := "7f1c2d7e-6a43-4c1b-9a55-0d2b8f1e4a90"
	for who, ctx := range map[string]context.Context{"operator": operator, "applicant": applicant} {
		if _, err := f.svc.ListApplications(ctx, app.ApplicationFilter{RoundID: unknown, Category: domain.CategoryYouth, Limit: 20}); !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("unknown round as %s: %v, want NOT_FOUND", who, err)
		}
	}
}
