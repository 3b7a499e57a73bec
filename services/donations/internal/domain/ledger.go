package domain

import (
	"strings"

	"github.com/commonweal/commonweal/pkg/ledger"
)

// The chart of the charity federation's donation account (DOMAIN.md §4), kept with pkg/ledger (the rules) and
// pkg/ledger/pgledger (the store). Balance = credits − debits; only the accounts mirroring the outside world
// may go negative (LedgerRules).
const (
	AccountBank           = "bank"             // money received from donors into the federation's bank account (external world)
	AccountInKindExternal = "in_kind_external" // the counterpart of approved in-kind values (external world)
	AccountRefunds        = "refunds"          // money returned to donors
	AccountRedirected     = "redirected"       // money redirected before redirections named their target's earmark (see RedirectAccount)
	AccountPayoutPending  = "payout_pending"   // donation shares reserved or paid out to projects
	// AccountReturnedFromProjects is money projects paid back to the federation (the donation part of a
	// clawback), the counterpart of what goes back into their earmarked accounts (external world).
	AccountReturnedFromProjects = "returned_from_projects"
)

// EarmarkedAccount holds an application's confirmed cash donations.
func EarmarkedAccount(applicationID string) string { return "earmarked:" + applicationID }

// LateAccount holds cash that arrived after the donation cutoff.
func LateAccount(applicationID string) string { return "late:" + applicationID }

// InKindAccount holds an application's approved in-kind values.
func InKindAccount(applicationID string) string { return "in_kind:" + applicationID }

// InKindLateAccount holds in-kind values approved after the donation cutoff.
func InKindLateAccount(applicationID string) string { return "in_kind_late:" + applicationID }

// LedgerRules are the donation ledger's rules: only the accounts mirroring the outside world (money from
// donors, in-kind values, money back from projects) may have a negative balance.
var LedgerRules = ledger.Rules{MayGoNegative: func(code string) bool {
	return code == AccountBank || code == AccountInKindExternal || code == AccountReturnedFromProjects
}}

// What a transfer is about (ledger.Transfer.Reference): a pledge (its confirmation, refund or redirection) or
// an application (its donation shares reserved, released, cancelled and returned).
const (
	pledgeReference      = "pledge:"
	applicationReference = "application:"
)

// PledgeReference is the reference of a pledge's transfers.
func PledgeReference(pledgeID string) string { return pledgeReference + pledgeID }

// ApplicationReference is the reference of an application's donation-share transfers.
func ApplicationReference(applicationID string) string { return applicationReference + applicationID }

// ApplicationOf is the application a donation-share transfer is about, "" for any other transfer.
func ApplicationOf(t ledger.Transfer) string {
	if id, ok := strings.CutPrefix(t.Reference, applicationReference); ok {
		return id
	}
	return ""
}

// PledgeTransferID is the transfer of a pledge's confirmation, refund or redirection (verb), in the namespace
// clients may not use.
func PledgeTransferID(pledgeID, verb string) string { return "pledge:" + pledgeID + ":" + verb }

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

// ValidClientTransferID refuses transfer IDs a client may not choose: empty, too long, or in the namespace
// this service uses for its own transfers.
func ValidClientTransferID(field, id string) error {
	if id == "" || len(id) > 128 || strings.HasPrefix(id, "pledge:") {
		return errInvalid("INVALID_TRANSFER_ID", field, "a transfer ID of 1 to 128 characters not starting with \"pledge:\" is required")
	}
	return nil
}
