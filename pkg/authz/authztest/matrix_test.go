package authztest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/commonweal/commonweal/pkg/authz"
	"github.com/commonweal/commonweal/pkg/identity"
)

// twoMethods is a service with one method for organizers and one for applicants; both answer OK.
var twoMethods = func() grpc.ServiceDesc {
	handler := func(srv any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor, method string) (any, error) {
		in := new(emptypb.Empty)
		if err := dec(in); err != nil {
			return nil, err
		}
		info := &grpc.UnaryServerInfo{Server: srv, FullMethod: "/authztest.Two/" + method}
		return icpt(ctx, in, info, func(ctx context.Context, _ any) (any, error) {
			seenMu.Lock()
			defer seenMu.Unlock()
			seen[identity.From(ctx).Subject] = true
			return &emptypb.Empty{}, nil
		})
	}
	desc := grpc.ServiceDesc{ServiceName: "authztest.Two", HandlerType: (*any)(nil)}
	for _, name := range []string{"ForOrganizers", "ForApplicants"} {
		desc.Methods = append(desc.Methods, grpc.MethodDesc{MethodName: name,
			Handler: func(srv any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
				return handler(srv, ctx, dec, icpt, name)
			}})
	}
	return desc
}()

// seen are the subjects the handlers were reached by.
var (
	seenMu sync.Mutex
	seen   = map[string]bool{}
)

var twoPolicy = authz.Policy{Service: "authztest.Two", Rules: map[string]authz.Rule{
	"ForOrganizers": authz.Allow(identity.Organizer),
	"ForApplicants": authz.Allow(identity.Applicant),
}}

// recorder is a testing.TB that keeps the failures instead of failing.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func TestRoleMatrix(t *testing.T) {
	var impl any = struct{}{}
	srv := Serve(t, twoPolicy, func(s *grpc.Server) { s.RegisterService(&twoMethods, impl) })
	right := map[string][]identity.Role{"ForOrganizers": {identity.Organizer}, "ForApplicants": {identity.Applicant}}
	rec := &recorder{TB: t}
	srv.RoleMatrix(rec, twoMethods, right, nil)
	if len(rec.failures) != 0 {
		t.Fatalf("the table as written: %v", rec.failures)
	}

	wrong := map[string][]identity.Role{"ForOrganizers": {identity.Organizer, identity.Operator}}
	rec = &recorder{TB: t}
	srv.RoleMatrix(rec, twoMethods, wrong, nil)
	joined := strings.Join(rec.failures, "\n")
	if len(rec.failures) != 3 || !strings.Contains(joined, "ForOrganizers as OPERATOR") || !strings.Contains(joined, "ForApplicants: the test does not say") {
		t.Fatalf("a wrong table: %v", rec.failures)
	}

	// adjust changes the caller before the call: the handlers see the subject it gave.
	rec = &recorder{TB: t}
	srv.RoleMatrix(rec, twoMethods, right, func(m string, who *identity.Identity) { who.Subject = "service:" + m })
	seenMu.Lock()
	defer seenMu.Unlock()
	if len(rec.failures) != 0 || !seen["service:ForOrganizers"] || !seen["service:ForApplicants"] {
		t.Fatalf("adjusted callers: %v, handlers saw %v", rec.failures, seen)
	}
}
