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

// RedirectedTo reports whether a pledge's donation was redirected to an application, and from when it counts
// there: redirected strictly before asOf, and before the target round's donation cutoff (a redirection at or
// after the cutoff is late for the target, like a deposit, so totals read at the cutoff never change).
func (p Pledge) RedirectedTo(applicationID string, asOf, cutoff time.Time) (time.Time, bool) {
	if p.State != StateRedirected || p.RedirectApplicationID == "" || p.RedirectApplicationID != applicationID ||
		p.ApplicationID == applicationID || p.RedirectedAt.IsZero() {
		return time.Time{}, false
	}
	if !p.RedirectedAt.Before(asOf) || IsLate(p.RedirectedAt, cutoff) {
		return time.Time{}, false
	}
	return p.RedirectedAt, true
}

// Summary is an application's confirmed donations at an instant, cash and in kind, and the naming right holder.
type Summary struct {
	AsOf               time.Time
	ConfirmedTotalFen  int64 // ConfirmedCashFen + ConfirmedInKindFen
	ConfirmedCashFen   int64
	ConfirmedInKindFen int64
	NamingRightDonorID string
}

// Summarize computes the confirmed donations to an application at asOf, from its pledges and those redirected
// to it (cutoff is its round's donation cutoff, zero while unset), and the naming right: the donor with the
// largest confirmed total, if total × 10000 ≥ shareBps × budget; a tie goes to the donor whose total was
// reached first (the earlier last counted confirmation or redirection), then to the smaller donor ID.
func Summarize(applicationID string, pledges []Pledge, asOf, cutoff time.Time, budgetFen int64, shareBps int) Summary {
	type acc struct {
		total int64
		last  time.Time
	}
	byDonor := map[string]*acc{}
	s := Summary{AsOf: asOf}
	for _, p := range pledges {
		from, ok := p.RedirectedTo(applicationID, asOf, cutoff)
		if !ok && p.ApplicationID == applicationID && p.Counts(asOf) {
			from, ok = p.ConfirmedAtTime(), true
		}
		if !ok {
			continue
		}
		v := p.ConfirmedValue()
		s.ConfirmedTotalFen += v
		if p.Kind == KindCash {
			s.ConfirmedCashFen += v
		} else {
			s.ConfirmedInKindFen += v
		}
		a := byDonor[p.DonorID]
		if a == nil {
			a = &acc{}
			byDonor[p.DonorID] = a
		}
		a.total += v
		if from.After(a.last) {
			a.last = from
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
