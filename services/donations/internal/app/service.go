// Package app holds the donations service's use cases, one file per use case or aggregate. Each mutating use
// case owns its unit of work: it answers a retried request from its stored answer, asks the applications
// service what it needs with no transaction open, then re-checks under lock and writes in one transaction that
// also records its request_id. Which roles may call which use case is the api's authorisation table; the use
// cases check objects (ownership, masking, which service).
package app

import (
	"context"
	"time"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// ApplicationInfo is what this service needs to know of an application.
type ApplicationInfo struct {
	ID             string
	RoundID        string
	Stage          string // SHORTLISTED, SELECTED, … or "" before any outcome
	BudgetTotalFen int64
}

// RoundInfo is what this service needs to know of a round.
type RoundInfo struct {
	ID                  string
	Phase               string // PUBLICITY, PROMOTION, …
	DonationCutoff      time.Time
	NamingRightShareBps int
}

// Applications is the applications service as this service uses it. A missing application is
// domain.ErrApplicationNotFound; every other failure is already one of this service's errors.
type Applications interface {
	GetApplication(ctx context.Context, id string) (ApplicationInfo, error)
	GetRound(ctx context.Context, id string) (RoundInfo, error)
}

// Repositories is all the storage the use cases need; each use case file declares and uses its own part.
type Repositories interface {
	Donors
	Pledges
	Deposits
	Ledger
	Receipts
	Summaries
	ShareReturns
	AuditTrail
	Chains
	PersonalData
	DepositBatches
}

// Service is the use cases.
type Service struct {
	donors    Donors
	pledges   Pledges
	deposits  Deposits
	ledger    Ledger
	receipts  Receipts
	summaries Summaries
	returns   ShareReturns
	audit     AuditTrail
	chains    Chains
	privacy   PersonalData
	requests  idempotency.Store
	apps      Applications
	now       func() time.Time

	depositLocks     DepositBatches
	depositBatchMax  int             // WithDepositBatch
	depositBatch     *depositBatcher // nil without group commit
	depositBatchHook func(n int)     // tests only (export_test.go)
}

// New returns the use cases over repo, keeping request records in requests and asking apps about
// applications and rounds. Deposit confirmations are group commits of up to DefaultDepositBatch unless an
// option says otherwise (deposit_batcher.go).
func New(repo Repositories, requests idempotency.Store, apps Applications, now func() time.Time, opts ...Option) *Service {
	s := &Service{donors: repo, pledges: repo, deposits: repo, ledger: repo, receipts: repo, summaries: repo, returns: repo, audit: repo,
		chains: repo, privacy: repo, requests: requests, apps: apps,
		// PostgreSQL keeps microseconds: answers built from memory then match answers read back later.
		now: func() time.Time { return now().Truncate(time.Microsecond) }, depositLocks: repo, depositBatchMax: DefaultDepositBatch}
	for _, o := range opts {
		o(s)
	}
	if s.depositBatchMax > 0 {
		s.depositBatch = newDepositBatcher(s, repo, s.depositBatchMax)
	}
	return s
}

// readsAll reports whether the caller sees every donor and pledge: staff, suite services and the federation.
func readsAll(who identity.Identity) bool {
	return who.ReadsAll() || who.Has(identity.CharityFederation)
}

// owns reports whether the caller acts for the donor: its identity names it, or it registered it.
func owns(who identity.Identity, d domain.Donor) bool {
	return who.Has(identity.Donor) && (who.DonorID == d.ID || who.Subject != "" && who.Subject == d.OwnerSubject)
}
