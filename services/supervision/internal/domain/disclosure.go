package domain

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DisclosureKind is what a public feed item discloses.
type DisclosureKind string

// The kinds of public feed items.
const (
	KindShortlistPublished DisclosureKind = "SHORTLIST_PUBLISHED"
	KindResultsSignedOff   DisclosureKind = "RESULTS_SIGNED_OFF"
	KindQuarterlyProgress  DisclosureKind = "QUARTERLY_PROGRESS"
	KindTranchePaid        DisclosureKind = "TRANCHE_PAID"
	KindClawback           DisclosureKind = "CLAWBACK"
)

// DisclosureDetail is what an item discloses; which fields are set depends on its kind. It holds amounts, ranks
// and scores only: never a personal number, a phone or a payee account.
type DisclosureDetail struct {
	Rank              int      `json:"rank,omitempty"`
	PanelScore        int      `json:"panel_score,omitempty"`
	Selected          bool     `json:"selected,omitempty"`
	TotalScore        int      `json:"total_score,omitempty"`
	IdeaPrizeTier     int      `json:"idea_prize_tier,omitempty"`
	QuarterlyReportID string   `json:"quarterly_report_id,omitempty"`
	Year              int      `json:"year,omitempty"`
	Quarter           int      `json:"quarter,omitempty"`
	Title             string   `json:"title,omitempty"`
	PlanState         string   `json:"plan_state,omitempty"`
	Figures           *Figures `json:"figures,omitempty"`
	TrancheNumber     int      `json:"tranche_number,omitempty"`
	GovernmentFen     int64    `json:"government_fen,omitempty"`
	DonationFen       int64    `json:"donation_fen,omitempty"`
	AmountFen         int64    `json:"amount_fen,omitempty"`
}

// Disclosure is one item of a round's public feed. ID is derived from what it discloses, so the same event
// always yields the same item; PublishedAt is when it entered the feed (the feed's order).
type Disclosure struct {
	ID          string
	RoundID     string
	ProjectID   string
	Kind        DisclosureKind
	OccurredAt  time.Time
	PublishedAt time.Time
	Detail      DisclosureDetail
}

// DisclosureID derives an item's ID from its kind and natural key: a UUID-shaped digest (version 5 layout),
// the same on every read.
func DisclosureID(kind DisclosureKind, key ...string) string {
	sum := sha256.Sum256([]byte("commonweal/disclosure\x00" + string(kind) + "\x00" + strings.Join(key, "\x00")))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// ShortlistEntry is an application's place in a published shortlist.
type ShortlistEntry struct {
	ProjectID   string
	Rank        int
	PanelScore  int
	Shortlisted bool
}

// Shortlist is a round's shortlist as the reviews service publishes it.
type Shortlist struct {
	Published   bool
	PublishedAt time.Time
	Entries     []ShortlistEntry
}

// ResultEntry is an application's signed-off result.
type ResultEntry struct {
	ProjectID     string
	Rank          int
	TotalScore    int
	Selected      bool
	IdeaPrizeTier int
}

// Results are a round's results as the reviews service signs them off.
type Results struct {
	SignedOff   bool
	SignedOffAt time.Time
	Entries     []ResultEntry
}

// Tranche is one disbursement of a plan, as the funding service says.
type Tranche struct {
	Number        int
	GovernmentFen int64
	DonationFen   int64
	AmountFen     int64
	Paid          bool // both shares
	DonationPaid  bool
	PaidAt        time.Time
}

// FundedPlan is a plan with what the feeds disclose of it beyond Plan: its ID, donation share, tranches and
// the clawback's parts.
type FundedPlan struct {
	Plan
	ID                    string
	DonationFen           int64
	ClawbackGovernmentFen int64
	ClawbackDonationFen   int64
	Tranches              []Tranche
}

// PublicDisclosures are the items round roundID's sources disclose now: each shortlisted project once the
// shortlist is published, each selected or prized project once the results are signed off, each project's line
// of every quarterly report, each paid tranche and each computed clawback (first seen at now).
func PublicDisclosures(roundID string, s Shortlist, r Results, plans []FundedPlan, reports []QuarterlyReport, now time.Time) []Disclosure {
	var out []Disclosure
	add := func(kind DisclosureKind, projectID string, at time.Time, d DisclosureDetail, key ...string) {
		out = append(out, Disclosure{ID: DisclosureID(kind, key...), RoundID: roundID, ProjectID: projectID, Kind: kind, OccurredAt: at, Detail: d})
	}
	if s.Published {
		for _, e := range s.Entries {
			if e.Shortlisted {
				add(KindShortlistPublished, e.ProjectID, s.PublishedAt, DisclosureDetail{Rank: e.Rank, PanelScore: e.PanelScore}, roundID, e.ProjectID)
			}
		}
	}
	if r.SignedOff {
		for _, e := range r.Entries {
			if e.Selected || e.IdeaPrizeTier > 0 {
				add(KindResultsSignedOff, e.ProjectID, r.SignedOffAt, DisclosureDetail{Rank: e.Rank, Selected: e.Selected, TotalScore: e.TotalScore,
					IdeaPrizeTier: e.IdeaPrizeTier}, roundID, e.ProjectID)
			}
		}
	}
	for _, q := range reports {
		for _, p := range q.Projects {
			f := p.Figures
			add(KindQuarterlyProgress, p.ProjectID, q.AsOf, DisclosureDetail{QuarterlyReportID: q.ID, Year: q.Year, Quarter: q.Quarter, Title: p.Title,
				PlanState: string(p.PlanState), Figures: &f}, q.ID, p.ProjectID)
		}
	}
	for _, p := range plans {
		for _, t := range p.Tranches {
			if t.Paid {
				add(KindTranchePaid, p.ProjectID, t.PaidAt, DisclosureDetail{TrancheNumber: t.Number, GovernmentFen: t.GovernmentFen,
					DonationFen: t.DonationFen, AmountFen: t.AmountFen}, p.ID, strconv.Itoa(t.Number))
			}
		}
		if p.ClawbackFen > 0 {
			add(KindClawback, p.ProjectID, now, DisclosureDetail{AmountFen: p.ClawbackFen, GovernmentFen: p.ClawbackGovernmentFen,
				DonationFen: p.ClawbackDonationFen, PlanState: string(p.State)}, p.ID)
		}
	}
	return out
}

// Publish stamps the items new to a feed whose latest item entered it at last: in the order they happened
// (then by ID), from now (or just after last, whichever is later) one microsecond apart, so every new item
// sorts after every item already in the feed.
func Publish(fresh []Disclosure, last, now time.Time) []Disclosure {
	out := slices.Clone(fresh)
	slices.SortFunc(out, func(a, b Disclosure) int {
		return cmp.Or(a.OccurredAt.Compare(b.OccurredAt), strings.Compare(a.ID, b.ID))
	})
	at := now.Truncate(time.Microsecond)
	if next := last.Add(time.Microsecond); !last.IsZero() && at.Before(next) {
		at = next
	}
	for i := range out {
		out[i].PublishedAt = at
		at = at.Add(time.Microsecond)
	}
	return out
}
