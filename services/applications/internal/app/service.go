// Package app holds the applications service's use cases. The role a caller needs is checked before a use
// case runs (api.Policy); a use case checks the object (ownership, masking), reads what other services know,
// then runs one unit of work that re-checks under lock and writes.
package app

import (
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// Deps are what the use cases are built from.
type Deps struct {
	Rounds        RoundStore
	Organizations OrganizationStore
	Applications  ApplicationStore
	Queries       ApplicationQueries
	// Requests keeps the request_id records; every mutation's unit of work goes through it.
	Requests idempotency.Store
	Now      func() time.Time
	// Checkers maps a service name (domain.Precondition.Owner) to the client that asks it; a precondition
	// whose owner has no checker is refused, never assumed.
	Checkers map[string]PreconditionChecker
	// Panels asks the reviews service which panels a reviewer sits on (a panel member reads what its panels
	// score); nil refuses a panel member's reads, never guesses them.
	Panels ReviewerPanels

	// Communities and Needs are the communities list and the needs catalogue.
	Communities CommunityStore
	Needs       NeedStore

	// PersonalData serves the data subject's rights (export, erasure) and their audit trail.
	PersonalData PersonalDataStore
}

// Service is the use cases.
type Service struct {
	rounds   RoundStore
	orgs     OrganizationStore
	apps     ApplicationStore
	queries  ApplicationQueries
	requests idempotency.Store
	now      func() time.Time
	checkers map[string]PreconditionChecker
	panels   ReviewerPanels

	// communities and needs are the lists applications choose from.
	communities CommunityStore
	needs       NeedStore

	privacy PersonalDataStore
}

// New returns the use cases over d.
func New(d Deps) *Service {
	return &Service{rounds: d.Rounds, orgs: d.Organizations, apps: d.Applications, queries: d.Queries, requests: d.Requests, now: d.Now, checkers: d.Checkers,
		panels: d.Panels, communities: d.Communities, needs: d.Needs, privacy: d.PersonalData}
}

// checkEtag refuses a change made against another version than the stored one.
func checkEtag(got string, id string, version int) error {
	if got != domain.Etag(id, version) {
		return errs.ErrEtagMismatch
	}
	return nil
}
