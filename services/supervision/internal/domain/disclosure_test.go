package domain

import (
	"regexp"
	"testing"
	"time"
)

var uuidShape = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestDisclosureIDIsStableAndDistinct(t *testing.T) {
	a := DisclosureID(KindTranchePaid, "plan-1", "2")
	if a != DisclosureID(KindTranchePaid, "plan-1", "2") || !uuidShape.MatchString(a) {
		t.Fatalf("id %q not stable or not UUID-shaped", a)
	}
	for _, other := range []string{DisclosureID(KindTranchePaid, "plan-1", "3"), DisclosureID(KindClawback, "plan-1", "2"),
		DisclosureID(KindTranchePaid, "plan-12")} {
		if other == a {
			t.Fatalf("two events share id %s", a)
		}
	}
}

func TestPublicDisclosures(t *testing.T) {
	t0 := time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)
	now := t0.Add(90 * 24 * time.Hour)
	shortlist := Shortlist{Published: true, PublishedAt: t0, Entries: []ShortlistEntry{{ProjectID: "a", Rank: 1, Shortlisted: true},
		{ProjectID: "b", Rank: 2}}}
	results := Results{SignedOff: true, SignedOffAt: t0.Add(time.Hour), Entries: []ResultEntry{{ProjectID: "a", Rank: 1, Selected: true},
		{ProjectID: "c", IdeaPrizeTier: 1}, {ProjectID: "d", Rank: 2}}}
	plans := []FundedPlan{{Plan: Plan{ProjectID: "a", State: PlanSuspended, ClawbackFen: 500}, ID: "plan-a", ClawbackDonationFen: 100,
		ClawbackGovernmentFen: 400, Tranches: []Tranche{{Number: 1, AmountFen: 1000, Paid: true, PaidAt: t0.Add(2 * time.Hour)},
			{Number: 2, AmountFen: 600, DonationPaid: true}}}}
	reports := []QuarterlyReport{{ID: "q1", Year: 2026, Quarter: 2, AsOf: t0.Add(3 * time.Hour), Projects: []ProjectProgress{{ProjectID: "a"}}}}
	for _, c := range []struct {
		name string
		s    Shortlist
		r    Results
		want map[DisclosureKind]int
	}{
		{"nothing published yet", Shortlist{Entries: shortlist.Entries}, Results{Entries: results.Entries},
			map[DisclosureKind]int{KindQuarterlyProgress: 1, KindTranchePaid: 1, KindClawback: 1}},
		{"everything", shortlist, results,
			map[DisclosureKind]int{KindShortlistPublished: 1, KindResultsSignedOff: 2, KindQuarterlyProgress: 1, KindTranchePaid: 1, KindClawback: 1}},
	} {
		items := PublicDisclosures("round", c.s, c.r, plans, reports, now)
		got := map[DisclosureKind]int{}
		for _, it := range items {
			got[it.Kind]++
			if it.RoundID != "round" || it.ProjectID == "" || it.ID == "" {
				t.Errorf("%s: incomplete item %+v", c.name, it)
			}
			if it.Kind == KindClawback && (!it.OccurredAt.Equal(now) || it.Detail.AmountFen != 500 || it.Detail.DonationFen != 100) {
				t.Errorf("%s: clawback %+v", c.name, it)
			}
			if it.Kind == KindTranchePaid && (it.Detail.TrancheNumber != 1 || !it.OccurredAt.Equal(t0.Add(2*time.Hour))) {
				t.Errorf("%s: tranche %+v", c.name, it)
			}
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: kinds %v, want %v", c.name, got, c.want)
		}
		for k, n := range c.want {
			if got[k] != n {
				t.Errorf("%s: %d items of %s, want %d", c.name, got[k], k, n)
			}
		}
		again := PublicDisclosures("round", c.s, c.r, plans, reports, now.Add(time.Hour))
		for i := range items {
			if again[i].ID != items[i].ID {
				t.Errorf("%s: item %d has id %s on a re-read, %s before", c.name, i, again[i].ID, items[i].ID)
			}
		}
	}
}

func TestPublishStampsAfterTheLatestItem(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	fresh := []Disclosure{{ID: "b", OccurredAt: now.Add(-time.Hour)}, {ID: "a", OccurredAt: now.Add(-2 * time.Hour)}, {ID: "c", OccurredAt: now.Add(-time.Hour)}}
	for _, c := range []struct {
		name  string
		last  time.Time
		first time.Time
	}{
		{"an empty feed", time.Time{}, now},
		{"a feed whose latest item is older", now.Add(-time.Minute), now},
		{"a feed whose latest item is later than this clock", now.Add(time.Second), now.Add(time.Second + time.Microsecond)},
	} {
		got := Publish(fresh, c.last, now)
		order := ""
		for i, it := range got {
			order += it.ID
			if want := c.first.Add(time.Duration(i) * time.Microsecond); !it.PublishedAt.Equal(want) {
				t.Errorf("%s: item %s published at %v, want %v", c.name, it.ID, it.PublishedAt, want)
			}
		}
		if order != "abc" {
			t.Errorf("%s: order %s, want abc (when it happened, then ID)", c.name, order)
		}
	}
}
