// Package authz is each service's authorisation table: which roles may call which RPC, checked in one
// interceptor before any handler runs. A method of the service that the table does not name is refused
// (fail closed); the use cases then check the object (ownership, panel membership, …).
package authz

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"google.golang.org/grpc"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/identity"
)

// Rule says who may call one RPC.
type Rule struct {
	// Anyone lets every caller in, anonymous ones included (the method decides what they see).
	Anyone bool
	// Roles lets in a caller holding any of them.
	Roles []identity.Role
}

// Allow is the rule of an RPC open to the given roles.
func Allow(roles ...identity.Role) Rule { return Rule{Roles: roles} }

// Public is the rule of an RPC anyone may call.
var Public = Rule{Anyone: true}

// Policy is a service's table: its proto service name and a rule per method (short name, e.g. "GetRound").
type Policy struct {
	// Service is the full proto service name, e.g. "commonweal.donations.v1.DonationsService".
	Service string
	Rules   map[string]Rule
}

// ErrNoRule refuses a method missing from the table.
var ErrNoRule = errs.New(errs.PermissionDenied, "PERMISSION_DENIED", "no authorisation rule for this method")

// Check authorises a call of the method (full name, "/pkg.Service/Method") by who. Methods of other
// services (health, reflection) are not this table's business and pass.
func (p Policy) Check(fullMethod string, who identity.Identity) error {
	prefix := "/" + p.Service + "/"
	if !strings.HasPrefix(fullMethod, prefix) {
		return nil
	}
	rule, ok := p.Rules[strings.TrimPrefix(fullMethod, prefix)]
	switch {
	case !ok:
		slog.Error("authz: method missing from the table", "method", fullMethod)
		return ErrNoRule
	case rule.Anyone:
		return nil
	case who.Has(rule.Roles...):
		return nil
	}
	return errs.ErrPermissionDenied.With("requires one of %v", rule.Roles)
}

// Unary returns the interceptor applying the policies; it must run after the identity interceptor.
func Unary(policies ...Policy) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if err := checkAll(policies, info.FullMethod, identity.From(ctx)); err != nil {
			return nil, grpcerr.Status(ctx, err)
		}
		return handler(ctx, req)
	}
}

// Stream returns the stream interceptor applying the policies (no service streams today: every streamed
// method of a service is refused unless its table names it).
func Stream(policies ...Policy) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if err := checkAll(policies, info.FullMethod, identity.From(ss.Context())); err != nil {
			return grpcerr.Status(ss.Context(), err)
		}
		return handler(srv, ss)
	}
}

// SuitePrefix starts the full method name of every suite service; such a method that no policy owns is
// refused, so a service registered without its table is closed, not open.
const SuitePrefix = "/commonweal."

func checkAll(policies []Policy, fullMethod string, who identity.Identity) error {
	owned := false
	for _, p := range policies {
		if strings.HasPrefix(fullMethod, "/"+p.Service+"/") {
			owned = true
		}
		if err := p.Check(fullMethod, who); err != nil {
			return err
		}
	}
	if !owned && strings.HasPrefix(fullMethod, SuitePrefix) {
		slog.Error("authz: no table for this service", "method", fullMethod)
		return ErrNoRule
	}
	return nil
}

// Missing lists the methods of desc that the policy has no rule for, and the rules naming no method of
// desc; a service's test asserts both are empty.
func (p Policy) Missing(desc grpc.ServiceDesc) (noRule, unknown []string) {
	if desc.ServiceName != p.Service {
		return nil, []string{fmt.Sprintf("policy is for %s, not %s", p.Service, desc.ServiceName)}
	}
	methods := map[string]bool{}
	for _, m := range desc.Methods {
		methods[m.MethodName] = true
	}
	for _, s := range desc.Streams {
		methods[s.StreamName] = true
	}
	for m := range methods {
		if _, ok := p.Rules[m]; !ok {
			noRule = append(noRule, m)
		}
	}
	for m := range p.Rules {
		if !methods[m] {
			unknown = append(unknown, m)
		}
	}
	sort.Strings(noRule)
	sort.Strings(unknown)
	return noRule, unknown
}
