package domain

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/commonweal/commonweal/pkg/money"
)

// Pledge is a donor's pledge as the donations service says (states and kinds by their short names).
type Pledge struct {
	ID                string
	DonorID           string
	ProjectID         string
	RoundID           string
	Kind              string // CASH, IN_KIND
	State             string // PLEDGED, DEPOSITED, APPRAISED, APPROVED, REFUNDED, REDIRECTED
	AmountFen         int64
	DepositedFen      int64
	Late              bool
	CreatedAt         time.Time
	DepositedAt       time.Time
	RefundedAt        time.Time
	RedirectedAt      time.Time
	RedirectProjectID string
}

// Counted reports whether the pledge's deposit is part of its project's donation share: cash, deposited
// before the cutoff, and neither refunded nor redirected.
func (p Pledge) Counted() bool {
	return p.Kind == "CASH" && p.State == "DEPOSITED" && !p.Late && p.DepositedFen > 0
}

// PledgeTranche is what a pledge's money paid in one tranche.
type PledgeTranche struct {
	Number    int
	AmountFen int64
	PaidAt    time.Time
}

// PledgeDisclosure is what happened to one pledge: the donor feed's line.
type PledgeDisclosure struct {
	Pledge
	Counted      bool
	PlanState    string
	MatchedFen   int64
	Tranches     []PledgeTranche
	DisbursedFen int64
	ClawbackFen  int64
}

// DonorDisclosures is what happened to each of a donor's pledges. plans holds each project's plan (a project
// without one is missing), projectPledges every pledge of each such project. A plan's match, each paid
// tranche's donation share and the clawback's donation part are split over the project's counted deposits
// with money.ProRata (oldest pledge first; the part of the donation share no listed pledge explains, such as
// money redirected in, is one more weight), so the parts of every pledge add up exactly to the plan's figure.
func DonorDisclosures(pledges []Pledge, plans map[string]FundedPlan, projectPledges map[string][]Pledge) ([]PledgeDisclosure, error) {
	out := make([]PledgeDisclosure, 0, len(pledges))
	for _, p := range pledges {
		d := PledgeDisclosure{Pledge: p, Counted: p.Counted()}
		plan, ok := plans[p.ProjectID]
		if ok {
			d.PlanState = string(plan.State)
		}
		if !ok || !d.Counted {
			out = append(out, d)
			continue
		}
		weights, at := shareWeights(projectPledges[p.ProjectID], plan.DonationFen, p.ID)
		part := func(amount int64) (int64, error) {
			if at < 0 || amount <= 0 {
				return 0, nil
			}
			parts, err := money.ProRata(amount, weights)
			if err != nil {
				return 0, err
			}
			return parts[at], nil
		}
		var err error
		if d.MatchedFen, err = part(plan.MatchFen); err != nil {
			return nil, err
		}
		if d.ClawbackFen, err = part(plan.ClawbackDonationFen); err != nil {
			return nil, err
		}
		for _, t := range plan.Tranches {
			if !t.DonationPaid {
				continue
			}
			amount, err := part(t.DonationFen)
			if err != nil {
				return nil, err
			}
			d.Tranches = append(d.Tranches, PledgeTranche{Number: t.Number, AmountFen: amount, PaidAt: t.PaidAt})
			d.DisbursedFen += amount
		}
		out = append(out, d)
	}
	return out, nil
}

// shareWeights are the counted deposits of a project's pledges, oldest first, plus what of donationFen they
// leave unexplained; at is the position of pledge id (-1 when it is not among them).
func shareWeights(pledges []Pledge, donationFen int64, id string) (weights []int64, at int) {
	counted := slices.DeleteFunc(slices.Clone(pledges), func(p Pledge) bool { return !p.Counted() })
	slices.SortFunc(counted, func(a, b Pledge) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	at = -1
	var sum int64
	for i, p := range counted {
		if p.ID == id {
			at = i
		}
		weights = append(weights, p.DepositedFen)
		sum += p.DepositedFen
	}
	if donationFen > sum {
		weights = append(weights, donationFen-sum)
	}
	return weights, at
}
