package domain

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Account codes of the charity federation's donation account (DOMAIN.md §4).
const (
	AccountBank           = "bank"             // money received by the federation's bank account (external world)
	AccountInKindExternal = "in_kind_external" // the counterpart of approved in-kind values (external world)
	AccountRefunds        = "refunds"          // money returned to donors
	AccountRedirected     = "redirected"       // money redirected before redirections named their target's earmark (see RedirectAccount)
	AccountPayoutPending  = "payout_pending"   // donation shares reserved or paid out to projects
)

// EarmarkedAccount holds an application's confirmed cash donations.
func EarmarkedAccount(applicationID string) string { return "earmarked:" + applicationID }

// LateAccount holds cash that arrived after the donation cutoff.
func LateAccount(applicationID string) string { return "late:" + applicationID }

// InKindAccount holds an application's approved in-kind values.
func InKindAccount(applicationID string) string { return "in_kind:" + applicationID }

// InKindLateAccount holds in-kind values approved after the donation cutoff.
func InKindLateAccount(applicationID string) string { return "in_kind_late:" + applicationID }

// MayGoNegative reports whether an account mirrors the external world and so may have a negative balance.
func MayGoNegative(code string) bool { return code == AccountBank || code == AccountInKindExternal }

// ConfirmedAccount is the account a confirmed pledge's value is credited to.
func ConfirmedAccount(p Pledge) string {
	switch {
	case p.Kind == KindCash && p.Late:
		return LateAccount(p.ApplicationID)
	case p.Kind == KindCash:
		return EarmarkedAccount(p.ApplicationID)
	case p.Late:
		return InKindLateAccount(p.ApplicationID)
	default:
		return InKindAccount(p.ApplicationID)
	}
}

// RedirectAccount is the account a redirected pledge's value moves to: the target application's earmark,
// its earmarked account for cash (from which its donation share is paid) and its in-kind account for goods
// (which are delivered, never paid out). A redirection that recorded no target (made before redirections
// moved on to a target) went to the redirected account.
func RedirectAccount(p Pledge) string {
	switch {
	case p.RedirectApplicationID == "":
		return AccountRedirected
	case p.Kind == KindCash:
		return EarmarkedAccount(p.RedirectApplicationID)
	default:
		return InKindAccount(p.RedirectApplicationID)
	}
}

// SourceAccount is the external account a confirmed pledge's value is debited from.
func SourceAccount(p Pledge) string {
	if p.Kind == KindCash {
		return AccountBank
	}
	return AccountInKindExternal
}

// TransferKind is what a transfer does (TigerBeetle's two-phase transfers).
type TransferKind string

// The kinds of transfer.
const (
	TransferPosted      TransferKind = "POSTED"
	TransferPending     TransferKind = "PENDING"
	TransferPostPending TransferKind = "POST_PENDING"
	TransferVoidPending TransferKind = "VOID_PENDING"
)

// Transfer is one immutable ledger transfer. A POST_PENDING or VOID_PENDING transfer repeats the accounts
// and amount of the pending transfer it resolves.
type Transfer struct {
	ID            string
	Kind          TransferKind
	Debit, Credit string
	AmountFen     int64
	PendingID     string
	Reason        string
	ApplicationID string
	PledgeID      string
	RequestedBy   string
	RequestID     string
	CreatedAt     time.Time
}

// SameBody reports whether a retried transfer asks for exactly what the stored one did.
func (t Transfer) SameBody(o Transfer) bool {
	return t.Kind == o.Kind && t.Debit == o.Debit && t.Credit == o.Credit && t.AmountFen == o.AmountFen &&
		t.PendingID == o.PendingID && t.Reason == o.Reason
}

// Balance is an account's four TigerBeetle balances. Its balance is credits − debits: an account that may
// not go negative keeps debits_posted + debits_pending ≤ credits_posted.
type Balance struct {
	DebitsPosted, CreditsPosted, DebitsPending, CreditsPending int64
}

// Posted is the posted balance, credits minus debits.
func (b Balance) Posted() int64 { return b.CreditsPosted - b.DebitsPosted }

// Available is what the account could still be debited by: posted balance minus pending debits.
func (b Balance) Available() int64 { return b.CreditsPosted - b.DebitsPosted - b.DebitsPending }

// Apply changes the debit and credit accounts' balances for t. For a POST or VOID, t carries the pending
// transfer's accounts and amount.
func Apply(debit, credit *Balance, t Transfer) {
	a := t.AmountFen
	switch t.Kind {
	case TransferPosted:
		debit.DebitsPosted += a
		credit.CreditsPosted += a
	case TransferPending:
		debit.DebitsPending += a
		credit.CreditsPending += a
	case TransferPostPending:
		debit.DebitsPending -= a
		credit.CreditsPending -= a
		debit.DebitsPosted += a
		credit.CreditsPosted += a
	case TransferVoidPending:
		debit.DebitsPending -= a
		credit.CreditsPending -= a
	}
}

// CheckLimit refuses a transfer that would make an account that may not go negative do so.
func CheckLimit(code string, after Balance) error {
	if MayGoNegative(code) || after.Available() >= 0 {
		return nil
	}
	return ErrInsufficientFunds.With("account %s would be short by %d fen", code, -after.Available())
}

// Verification is the result of recomputing the ledger from its transfers.
type Verification struct {
	Balanced   bool
	Accounts   int
	Transfers  int
	Mismatches []string
}

// Verify recomputes every account's balances from the transfers (in insertion order) and compares them with
// the stored balances; it checks that posted and pending balances each sum to zero, that no account that may
// not go negative is, and that no pending transfer was resolved twice.
func Verify(stored map[string]Balance, transfers []Transfer) Verification {
	v := Verification{Accounts: len(stored), Transfers: len(transfers)}
	computed := map[string]*Balance{}
	get := func(code string) *Balance {
		if computed[code] == nil {
			computed[code] = &Balance{}
		}
		return computed[code]
	}
	pending := map[string]Transfer{}
	resolved := map[string]bool{}
	for _, t := range transfers {
		if t.AmountFen <= 0 {
			v.Mismatches = append(v.Mismatches, fmt.Sprintf("transfer %s: non-positive amount %d", t.ID, t.AmountFen))
		}
		switch t.Kind {
		case TransferPending:
			pending[t.ID] = t
		case TransferPostPending, TransferVoidPending:
			p, ok := pending[t.PendingID]
			if !ok {
				v.Mismatches = append(v.Mismatches, fmt.Sprintf("transfer %s resolves unknown pending transfer %s", t.ID, t.PendingID))
			} else if p.Debit != t.Debit || p.Credit != t.Credit || p.AmountFen != t.AmountFen {
				v.Mismatches = append(v.Mismatches, fmt.Sprintf("transfer %s does not match pending transfer %s", t.ID, t.PendingID))
			}
			if resolved[t.PendingID] {
				v.Mismatches = append(v.Mismatches, fmt.Sprintf("pending transfer %s resolved twice", t.PendingID))
			}
			resolved[t.PendingID] = true
		}
		Apply(get(t.Debit), get(t.Credit), t)
	}
	codes := map[string]bool{}
	for c := range stored {
		codes[c] = true
	}
	for c := range computed {
		codes[c] = true
	}
	sorted := make([]string, 0, len(codes))
	for c := range codes {
		sorted = append(sorted, c)
	}
	sort.Strings(sorted)
	var sumPosted, sumPending int64
	for _, c := range sorted {
		s, ok := stored[c]
		if !ok {
			v.Mismatches = append(v.Mismatches, fmt.Sprintf("account %s has transfers but no row", c))
		}
		comp := Balance{}
		if b := computed[c]; b != nil {
			comp = *b
		}
		if s != comp {
			v.Mismatches = append(v.Mismatches, fmt.Sprintf("account %s: stored %+v, recomputed %+v", c, s, comp))
		}
		sumPosted += s.Posted()
		sumPending += s.CreditsPending - s.DebitsPending
		if !MayGoNegative(c) && s.Available() < 0 {
			v.Mismatches = append(v.Mismatches, fmt.Sprintf("account %s is negative: %d fen", c, s.Available()))
		}
	}
	if sumPosted != 0 {
		v.Mismatches = append(v.Mismatches, fmt.Sprintf("posted balances sum to %d, not zero", sumPosted))
	}
	if sumPending != 0 {
		v.Mismatches = append(v.Mismatches, fmt.Sprintf("pending balances sum to %d, not zero", sumPending))
	}
	v.Balanced = len(v.Mismatches) == 0
	return v
}

// VerifyWithPledges is Verify, plus a reconciliation of the ledger with the pledges (from which confirmed
// totals, matching and the naming right are computed): every confirmed pledge has exactly its confirmation
// transfer (same accounts, same value), a refunded or redirected one its return transfer, an unconfirmed one
// none, and every transfer booked for a pledge belongs to one.
func VerifyWithPledges(stored map[string]Balance, transfers []Transfer, pledges []Pledge) Verification {
	v := Verify(stored, transfers)
	byID := map[string]Transfer{}
	for _, t := range transfers {
		byID[t.ID] = t
	}
	seen := map[string]bool{}
	expect := func(p Pledge, verb string, want bool, debit, credit string) {
		id := "pledge:" + p.ID + ":" + verb
		seen[id] = true
		t, ok := byID[id]
		switch {
		case ok != want:
			v.Mismatches = append(v.Mismatches, fmt.Sprintf("pledge %s (%s): %s transfer present=%t", p.ID, p.State, verb, ok))
		case ok && (t.Kind != TransferPosted || t.Debit != debit || t.Credit != credit || t.AmountFen != p.ConfirmedValue() || t.PledgeID != p.ID):
			v.Mismatches = append(v.Mismatches, fmt.Sprintf("pledge %s: %s transfer %s → %s %d fen, pledge says %s → %s %d fen",
				p.ID, verb, t.Debit, t.Credit, t.AmountFen, debit, credit, p.ConfirmedValue()))
		}
	}
	for _, p := range pledges {
		confirmed := p.State == StateDeposited || p.State == StateApproved || p.State == StateRefunded || p.State == StateRedirected
		expect(p, "confirm", confirmed, SourceAccount(p), ConfirmedAccount(p))
		expect(p, "refund", p.State == StateRefunded, ConfirmedAccount(p), AccountRefunds)
		expect(p, "redirect", p.State == StateRedirected, ConfirmedAccount(p), RedirectAccount(p))
	}
	for _, t := range transfers {
		if (t.PledgeID != "" || strings.HasPrefix(t.ID, "pledge:")) && !seen[t.ID] {
			v.Mismatches = append(v.Mismatches, fmt.Sprintf("transfer %s is booked for no pledge in that state", t.ID))
		}
	}
	v.Balanced = len(v.Mismatches) == 0
	return v
}

// ValidClientTransferID refuses transfer IDs a client may not choose: empty, too long, or in the namespace
// this service uses for its own transfers.
func ValidClientTransferID(field, id string) error {
	if id == "" || len(id) > 128 || strings.HasPrefix(id, "pledge:") {
		return errInvalid("INVALID_TRANSFER_ID", field, "a transfer ID of 1 to 128 characters not starting with \"pledge:\" is required")
	}
	return nil
}
