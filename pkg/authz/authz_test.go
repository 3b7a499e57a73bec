package authz

import (
	"slices"
	"testing"

	"google.golang.org/grpc"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/identity"
)

var policy = Policy{Service: "commonweal.demo.v1.DemoService", Rules: map[string]Rule{
	"GetThing":    Public,
	"CreateThing": Allow(identity.Operator, identity.Organizer),
	"Internal":    Allow(identity.Service),
}}

func who(roles ...identity.Role) identity.Identity {
	return identity.Identity{Subject: "u", Roles: roles}
}

func TestCheck(t *testing.T) {
	const svc = "/commonweal.demo.v1.DemoService/"
	cases := []struct {
		name   string
		method string
		who    identity.Identity
		want   *errs.Error
	}{
		{"public method, anonymous", svc + "GetThing", identity.Anonymous, nil},
		{"role allowed", svc + "CreateThing", who(identity.Operator), nil},
		{"one of several roles", svc + "CreateThing", who(identity.Applicant, identity.Organizer), nil},
		{"role not allowed", svc + "CreateThing", who(identity.Applicant), errs.ErrPermissionDenied},
		{"anonymous on a role method", svc + "CreateThing", identity.Anonymous, errs.ErrPermissionDenied},
		{"service-only method, staff", svc + "Internal", who(identity.Organizer), errs.ErrPermissionDenied},
		{"service-only method, service", svc + "Internal", who(identity.Service), nil},
		{"method missing from the table fails closed", svc + "DeleteThing", who(identity.Organizer, identity.Service), ErrNoRule},
		{"other services' methods pass (health)", "/grpc.health.v1.Health/Check", identity.Anonymous, nil},
		{"same prefix, other service", "/commonweal.demo.v1.DemoServiceX/CreateThing", identity.Anonymous, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := policy.Check(c.method, c.who)
			switch {
			case c.want == nil && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != nil && !c.want.Is(err):
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}

func TestMissing(t *testing.T) {
	desc := grpc.ServiceDesc{ServiceName: "commonweal.demo.v1.DemoService",
		Methods: []grpc.MethodDesc{{MethodName: "GetThing"}, {MethodName: "CreateThing"}, {MethodName: "DeleteThing"}},
		Streams: []grpc.StreamDesc{{StreamName: "WatchThings"}}}
	noRule, unknown := policy.Missing(desc)
	if !slices.Equal(noRule, []string{"DeleteThing", "WatchThings"}) {
		t.Errorf("noRule = %v", noRule)
	}
	if !slices.Equal(unknown, []string{"Internal"}) {
		t.Errorf("unknown = %v", unknown)
	}
	if _, unknown := policy.Missing(grpc.ServiceDesc{ServiceName: "other"}); len(unknown) != 1 {
		t.Errorf("a policy checked against another service passed: %v", unknown)
	}
}

// TestUnownedSuiteServiceFailsClosed checks a suite service registered without a table is refused, while
// infrastructure services (health, reflection) pass.
func TestUnownedSuiteServiceFailsClosed(t *testing.T) {
	other := Policy{Service: "commonweal.other.v1.OtherService", Rules: map[string]Rule{"Get": Public}}
	for _, c := range []struct {
		method string
		want   error
	}{
		{"/commonweal.demo.v1.DemoService/GetThing", nil},
		{"/commonweal.other.v1.OtherService/Get", nil},
		{"/commonweal.third.v1.ThirdService/Get", ErrNoRule},
		{"/grpc.health.v1.Health/Check", nil},
	} {
		err := checkAll([]Policy{policy, other}, c.method, who(identity.Organizer))
		if (c.want == nil) != (err == nil) || c.want != nil && !ErrNoRule.Is(err) {
			t.Errorf("%s: err = %v, want %v", c.method, err, c.want)
		}
	}
}
