package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/commonweal/commonweal/pkg/ledger"
)

// The chart of the funding ledger, per round. A plan's government share is reserved tranche by tranche as
// pending transfers pool → paid, posted when FINANCE pays the tranche and voided when the tranche is
// cancelled: "committed" is the pool's pending debits, and no tranche can be posted twice.
//
//	allocation         lottery:<round> → pool:<round>   posted (LOTTERY_CENTER or FINANCE)
//	plan created       pool:<round>    → paid:<round>   pending, one per tranche with a government share
//	tranche paid       post of that pending transfer
//	tranche cancelled  void of that pending transfer (suspension, termination)
//	idea prize         pool:<round>    → paid:<round>   posted
//	clawback returned  returns:<round> → pool:<round>   posted (the government part)
//
// So allocated = −lottery, committed = pool's pending debits, paid = paid's posted credits, returned =
// −returns, and available = pool's posted balance minus its pending debits = allocated + returned −
// committed − paid. lottery:<round> and returns:<round> mirror the outside world and may go negative.
const (
	prefixLottery = "lottery:"
	prefixPool    = "pool:"
	prefixPaid    = "paid:"
	prefixReturns = "returns:"
)

// LotteryAccount is the outside source of a round's allocations.
func LotteryAccount(roundID string) string { return prefixLottery + roundID }

// PoolAccount holds a round's pool.
func PoolAccount(roundID string) string { return prefixPool + roundID }

// PaidAccount receives what is paid out of a round's pool (government shares of tranches, idea prizes).
func PaidAccount(roundID string) string { return prefixPaid + roundID }

// ReturnsAccount is the outside source of clawed-back money returned to a round's pool.
func ReturnsAccount(roundID string) string { return prefixReturns + roundID }

// LedgerRules are the funding ledger's rules: only the accounts mirroring the outside world go negative.
var LedgerRules = ledger.Rules{MayGoNegative: func(code string) bool {
	return strings.HasPrefix(code, prefixLottery) || strings.HasPrefix(code, prefixReturns)
}}

// Transfer IDs are derived from what they book, so a retried use case makes the same transfer again and the
// ledger answers it without moving money twice.

// What a transfer is about (its reference): a round's allocations, a plan's tranches and returns, a project's
// idea prize. The audit trail finds a project's transfers by these.

// RoundReference is the reference of a round's allocations.
func RoundReference(roundID string) string { return "round:" + roundID }

// PlanReference is the reference of a plan's transfers.
func PlanReference(planID string) string { return "plan:" + planID }

// PrizeReference is the reference of a project's idea prize.
func PrizeReference(applicationID string) string { return "prize:" + applicationID }

// AllocationTransferID is the transfer of an allocation.
func AllocationTransferID(sourceReference string) string { return "allocation:" + sourceReference }

func trancheTransferID(planID string, number int, what string) string {
	return "plan:" + planID + ":tranche:" + strconv.Itoa(number) + ":" + what
}

// CommitTransferID is the pending transfer reserving a tranche's government share.
func CommitTransferID(planID string, number int) string {
	return trancheTransferID(planID, number, "commit")
}

// PayTransferID posts a tranche's government share.
func PayTransferID(planID string, number int) string { return trancheTransferID(planID, number, "pay") }

// CancelTransferID voids a cancelled tranche's government share.
func CancelTransferID(planID string, number int) string {
	return trancheTransferID(planID, number, "cancel")
}

// ReturnTransferID books a clawback return of the government part.
func ReturnTransferID(planID, paymentReference string) string {
	return "plan:" + planID + ":return:" + paymentReference
}

// PrizeTransferID pays an idea prize.
func PrizeTransferID(roundID, applicationID string) string {
	return "prize:" + roundID + ":" + applicationID
}

// DonationReserveID and DonationReleaseID are the transfer IDs funding gives the donations service's ledger
// for a tranche's donation share: the same on every retry, so the share is reserved and released once.
func DonationReserveID(planID string, number int) string {
	return "funding:" + trancheTransferID(planID, number, "reserve")
}

// DonationReleaseID posts the reservation of DonationReserveID.
func DonationReleaseID(planID string, number int) string {
	return "funding:" + trancheTransferID(planID, number, "release")
}

// DonationReturnID is the transfer ID funding gives the donations service's ledger for a clawback's donation
// part returned under a payment reference: the same on every retry, so the return is booked there once. The
// reference is hashed, so the ID has a fixed length whatever the reference (the donations service takes IDs of
// at most 128 characters).
func DonationReturnID(planID, paymentReference string) string {
	sum := sha256.Sum256([]byte(paymentReference))
	return "funding:plan:" + planID + ":return:" + hex.EncodeToString(sum[:])
}

// Pool is a round's pool as its ledger accounts say.
type Pool struct {
	RoundID      string
	AllocatedFen int64
	CommittedFen int64
	PaidFen      int64
	ReturnedFen  int64
	AvailableFen int64
}

// PoolAccounts are the accounts a round's pool figures are read from.
func PoolAccounts(roundID string) []string {
	return []string{LotteryAccount(roundID), PoolAccount(roundID), PaidAccount(roundID), ReturnsAccount(roundID)}
}

// PoolOf reads a round's pool from its accounts' balances (an absent account is all zero).
func PoolOf(roundID string, b map[string]ledger.Balance) Pool {
	pool := b[PoolAccount(roundID)]
	return Pool{RoundID: roundID, AllocatedFen: -b[LotteryAccount(roundID)].Posted(), CommittedFen: pool.DebitsPending,
		PaidFen: b[PaidAccount(roundID)].CreditsPosted, ReturnedFen: -b[ReturnsAccount(roundID)].Posted(), AvailableFen: pool.Available()}
}
