package domain

import (
	"math/bits"
	"sort"
	"time"
)

// Counts reports whether a pledge's donation was confirmed at asOf: confirmed strictly before it, not late,
// and not refunded or redirected before it.
func (p Pledge) Counts(asOf time.Time) bool {
	if p.Late {
		return false
	}
	at := p.ConfirmedAtTime()
	switch p.State {
	case StateDeposited, StateApproved, StateRefunded, StateRedirected:
	default:
		return false
	}
	if at.IsZero() || !at.Before(asOf) {
		return false
	}
	if !p.RefundedAt.IsZero() && p.RefundedAt.Before(asOf) {
		return false
	}
	if !p.RedirectedAt.IsZero() && p.RedirectedAt.Before(asOf) {
		return false
	}
	return true
}

// Summary is an application's confirmed donations at an instant and the naming right holder.
type Summary struct {
	AsOf               time.Time
	ConfirmedTotalFen  int64
	NamingRightDonorID string
}

// Summarize computes the confirmed total of an application's pledges at asOf and the naming right: the donor
// with the largest confirmed total, if total × 10000 ≥ shareBps × budget; a tie goes to the donor whose
// total was reached first (the earlier last counted confirmation), then to the smaller donor ID.
func Summarize(pledges []Pledge, asOf time.Time, budgetFen int64, shareBps int) Summary {
	type acc struct {
		total int64
		last  time.Time
	}
	byDonor := map[string]*acc{}
	s := Summary{AsOf: asOf}
	for _, p := range pledges {
		if !p.Counts(asOf) {
			continue
		}
		v := p.ConfirmedValue()
		s.ConfirmedTotalFen += v
		a := byDonor[p.DonorID]
		if a == nil {
			a = &acc{}
			byDonor[p.DonorID] = a
		}
		a.total += v
		if t := p.ConfirmedAtTime(); t.After(a.last) {
			a.last = t
		}
	}
	donors := make([]string, 0, len(byDonor))
	for d := range byDonor {
		donors = append(donors, d)
	}
	sort.Slice(donors, func(i, j int) bool {
		a, b := byDonor[donors[i]], byDonor[donors[j]]
		if a.total != b.total {
			return a.total > b.total
		}
		if !a.last.Equal(b.last) {
			return a.last.Before(b.last)
		}
		return donors[i] < donors[j]
	})
	if len(donors) > 0 && budgetFen > 0 && shareBps > 0 {
		top := byDonor[donors[0]]
		if QualifiesForNamingRight(top.total, budgetFen, shareBps) {
			s.NamingRightDonorID = donors[0]
		}
	}
	return s
}

// QualifiesForNamingRight reports whether total reaches shareBps basis points of budget, in exact integers:
// both products are taken in 128 bits, so no total or budget can overflow the comparison.
func QualifiesForNamingRight(total, budgetFen int64, shareBps int) bool {
	if total < 0 || budgetFen < 0 || shareBps < 0 {
		return total*10000 >= int64(shareBps)*budgetFen // never asked: amounts are never negative
	}
	hi, lo := bits.Mul64(uint64(total), 10000)
	needHi, needLo := bits.Mul64(uint64(shareBps), uint64(budgetFen))
	return hi > needHi || hi == needHi && lo >= needLo
}
