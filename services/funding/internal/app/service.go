// Package app holds the funding service's use cases, one file per aggregate (pool, quote, plans, contract,
// tranches, settlement, prizes, ledger). Each mutating use case owns its unit of work: it answers a retried
// request from its stored answer, asks other services what it needs with no transaction open, then re-checks
// under lock and writes in one transaction that also records its request_id. Roles are the api's
// authorisation table; the use cases check objects (own plan, which share, which party).
package app

import (
	"context"
	"time"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

// Ledger is the funding ledger (pkg/ledger's semantics, kept by pkg/ledger/pgledger).
type Ledger interface {
	// CreateTransfers makes transfers, all or none, in the context's unit of work; a retried transfer (same ID
	// and body) is answered from the ledger and moves nothing. Every account they touch is locked up front, in
	// one global order: a unit of work makes its transfers in one call.
	CreateTransfers(ctx context.Context, ts ...ledger.Transfer) ([]ledger.Transfer, error)
	// Balances reads accounts' balances without a lock; an account never used is absent.
	Balances(ctx context.Context, codes ...string) (map[string]ledger.Balance, error)
	// ListTransfers returns the transfers f selects, oldest first, for the audit trail.
	ListTransfers(ctx context.Context, f ledger.TransferFilter) ([]ledger.Transfer, error)
}

// Sealer seals personal values at rest (pkg/sealed's Box), each bound to its row and column (sealed.Binding).
type Sealer interface {
	Seal(plaintext, binding string) ([]byte, error)
	Open(sealed []byte, binding string) (string, error)
}

// payeeBinding binds a plan's sealed payee account number to the plan's row.
func payeeBinding(planID string) string {
	return sealed.Binding("funding", "plans", "payee_account_sealed", planID)
}

// Repositories is all the storage the use cases need; each use case file declares its own part.
type Repositories interface {
	Pools
	Plans
	Prizes
	LedgerAudit
	Chains
}

// Deps are what the use cases are built from.
type Deps struct {
	Repo         Repositories
	Ledger       Ledger
	Requests     idempotency.Store
	Box          Sealer
	Applications Applications
	Reviews      Reviews
	Donations    Donations
	Supervision  Supervision
	Now          func() time.Time
}

// Service is the use cases.
type Service struct {
	pools       Pools
	plans       Plans
	prizes      Prizes
	audit       LedgerAudit
	chains      Chains
	ledger      Ledger
	requests    idempotency.Store
	box         Sealer
	apps        Applications
	reviews     Reviews
	donations   Donations
	supervision Supervision
	now         func() time.Time
}

// New returns the use cases.
func New(d Deps) *Service {
	// PostgreSQL keeps microseconds: answers built from memory then match answers read back later.
	return &Service{pools: d.Repo, plans: d.Repo, prizes: d.Repo, audit: d.Repo, chains: d.Repo, ledger: d.Ledger, requests: d.Requests, box: d.Box,
		apps: d.Applications, reviews: d.Reviews, donations: d.Donations, supervision: d.Supervision,
		now: func() time.Time { return d.Now().Truncate(time.Microsecond) }}
}

// subject is who is calling, for the records of every change.
func subject(ctx context.Context) string { return identity.From(ctx).Subject }

// owns reports whether the caller is an applicant acting for the organisation.
func owns(who identity.Identity, orgID string) bool {
	return who.Has(identity.Applicant) && who.OrgID != "" && who.OrgID == orgID
}

// approverRole is the role under which the caller approves a termination or a transfer.
func approverRole(who identity.Identity) string {
	if who.Has(identity.Organizer) {
		return string(domain.PartyOrganizer)
	}
	return string(domain.PartyOperator)
}
