package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// CleanReference trims a payment or source reference and checks its length (1 to 128 bytes: it goes into
// ledger transfer IDs).
func CleanReference(ref string, invalid error) (string, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" || len(ref) > 128 || !utf8.ValidString(ref) {
		return "", invalid
	}
	return ref, nil
}

// payable refuses paying a share of a tranche that is not approved.
func payable(t *Tranche) error {
	switch t.State {
	case TrancheApproved:
		return nil
	case TrancheCancelled:
		return ErrTrancheCancelled.With("tranche %d was cancelled", t.Number)
	}
	return ErrTrancheNotApproved.With("tranche %d is %s", t.Number, t.State)
}

// PayGovernment records FINANCE's payment of a tranche's government share. paid is false when the share
// was already paid under this reference (a retry: nothing changes); another reference is refused.
func (p *Plan) PayGovernment(n int, ref string, now time.Time) (paid bool, err error) {
	t, err := p.Tranche(n)
	if err != nil {
		return false, err
	}
	if t.GovernmentPaid {
		if t.GovernmentRef == ref {
			return false, nil
		}
		return false, ErrShareAlreadyPaid.With("the government share of tranche %d was paid under reference %s", n, t.GovernmentRef)
	}
	if t.GovernmentFen == 0 {
		return false, ErrNoShareToPay.With("tranche %d has no government share", n)
	}
	if err := payable(t); err != nil {
		return false, err
	}
	t.GovernmentPaid, t.GovernmentRef, t.GovernmentPaidAt = true, ref, now
	p.settle(t, now)
	return true, nil
}

// DonationStep is where the payment of a donation share stands.
type DonationStep int

// The steps of a donation-share payment.
const (
	DonationStart    DonationStep = iota // not started: record the intent, then reserve and release
	DonationInFlight                     // started under this reference: reserve and release again, then record it
	DonationDone                         // paid under this reference: nothing to do
)

// DonationPayment says what paying a tranche's donation share under ref involves now, or refuses it.
func (p *Plan) DonationPayment(n int, ref string) (DonationStep, error) {
	t, err := p.Tranche(n)
	if err != nil {
		return 0, err
	}
	switch {
	case t.DonationPaid && t.DonationRef == ref:
		return DonationDone, nil
	case t.DonationPaid:
		return 0, ErrShareAlreadyPaid.With("the donation share of tranche %d was paid under reference %s", n, t.DonationRef)
	case t.DonationRef == ref:
		return DonationInFlight, nil
	case t.DonationRef != "":
		return 0, ErrPaymentInProgress.With("the donation share of tranche %d is being paid under reference %s", n, t.DonationRef)
	}
	if t.DonationFen == 0 {
		return 0, ErrNoShareToPay.With("tranche %d has no donation share", n)
	}
	if err := payable(t); err != nil {
		return 0, err
	}
	return DonationStart, nil
}

// StartDonation records the intent to pay a tranche's donation share under ref, before the donations
// service is asked to move it: from then on the payment is completed by retries whatever happens to the plan
// (suspension and termination leave it alone), so money the donations service moved is always recorded.
func (p *Plan) StartDonation(n int, ref string) error {
	step, err := p.DonationPayment(n, ref)
	if err != nil || step != DonationStart {
		return err
	}
	t, _ := p.Tranche(n)
	t.DonationRef = ref
	return nil
}

// FinishDonation records that the donations service released the donation share started under ref.
func (p *Plan) FinishDonation(n int, ref string, now time.Time) error {
	step, err := p.DonationPayment(n, ref)
	switch {
	case err != nil || step == DonationDone:
		return err
	case step != DonationInFlight:
		return ErrTrancheState.With("the donation share of tranche %d was not started", n)
	}
	t, _ := p.Tranche(n)
	t.DonationPaid, t.DonationPaidAt = true, now
	p.settle(t, now)
	return nil
}

// AbortDonation forgets a donation payment started under ref that the donations service refused outright
// (nothing was reserved), so the share can be paid again later.
func (p *Plan) AbortDonation(n int, ref string) error {
	t, err := p.Tranche(n)
	if err != nil {
		return err
	}
	if !t.DonationPaid && t.DonationRef == ref {
		t.DonationRef = ""
	}
	return nil
}
