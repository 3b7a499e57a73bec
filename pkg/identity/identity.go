// Package identity carries the caller's identity to every service: a suite service is known from its client
// certificate; an end user's identity is signed by the gateway (Ed25519, bound to the target service and a
// short lifetime) and verified by each service with the gateway's public key. Handlers authorise by role and
// then by object ownership.
package identity

import (
	"context"
	"slices"
)

// Role is one of the programme's roles (DOMAIN.md §1).
type Role string

// The roles.
const (
	Organizer         Role = "ORGANIZER"
	Operator          Role = "OPERATOR"
	Committee         Role = "COMMITTEE"
	Finance           Role = "FINANCE"
	Auditor           Role = "AUDITOR"
	CharityFederation Role = "CHARITY_FEDERATION"
	LotteryCenter     Role = "LOTTERY_CENTER"
	Reviewer          Role = "REVIEWER"
	Applicant         Role = "APPLICANT"
	Donor             Role = "DONOR"
	Public            Role = "PUBLIC"
	// Department is a functional department or a sub-district or community office (职能部门、街道社区): it
	// records community needs for the needs catalogue.
	Department Role = "DEPARTMENT"
	// Service is a suite service calling another one on its own behalf.
	Service Role = "SERVICE"
)

// AllRoles lists the roles a token may carry.
var AllRoles = []Role{Organizer, Operator, Committee, Finance, Auditor, CharityFederation, LotteryCenter, Reviewer, Applicant, Donor, Public, Service, Department}

// StaffRoles are the programme's staff: they read every application.
var StaffRoles = []Role{Organizer, Operator, Committee, Finance, Auditor}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(AllRoles, r) }

// Identity is who is calling.
type Identity struct {
	Subject string `json:"sub"`
	Roles   []Role `json:"roles"`
	OrgID   string `json:"org,omitempty"`
	DonorID string `json:"donor,omitempty"`
}

// Anonymous is the identity of an unauthenticated caller.
var Anonymous = Identity{Roles: []Role{Public}}

// Has reports whether the identity holds any of the roles.
func (id Identity) Has(roles ...Role) bool {
	for _, r := range roles {
		if slices.Contains(id.Roles, r) {
			return true
		}
	}
	return false
}

// IsStaff reports whether the identity holds a staff role.
func (id Identity) IsStaff() bool { return id.Has(StaffRoles...) }

// Authenticated reports whether the caller proved who it is.
func (id Identity) Authenticated() bool { return id.Subject != "" }

type ctxKey struct{}

// With returns a context carrying id.
func With(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// From returns the identity in ctx, or Anonymous.
func From(ctx context.Context) Identity {
	if id, ok := ctx.Value(ctxKey{}).(Identity); ok {
		return id
	}
	return Anonymous
}

// ServiceIdentity is the identity of a suite service calling another one on its own behalf: the server gives it
// to a caller whose verified client certificate names the service (Authenticator).
func ServiceIdentity(service string) Identity {
	return Identity{Subject: "service:" + service, Roles: []Role{Service}}
}

// IsService reports whether the caller is the named suite service.
func (id Identity) IsService(service string) bool {
	return id.Has(Service) && id.Subject == "service:"+service
}

// ReadsAll reports whether the caller may read every object: staff and suite services.
func (id Identity) ReadsAll() bool { return id.IsStaff() || id.Has(Service) }
