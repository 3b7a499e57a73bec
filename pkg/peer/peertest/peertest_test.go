package peertest

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/commonweal/commonweal/pkg/identity"
)

// whoAmI is a one-method service answering with the caller's verified subject and roles.
var whoAmI = grpc.ServiceDesc{
	ServiceName: "peertest.WhoAmI",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{MethodName: "Get", Handler: func(srv any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
		in := new(wrapperspb.StringValue)
		if err := dec(in); err != nil {
			return nil, err
		}
		handle := func(ctx context.Context, _ any) (any, error) {
			who := identity.From(ctx)
			return wrapperspb.String(who.Subject + " " + string(who.Roles[0])), nil
		}
		return icpt(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: "/peertest.WhoAmI/Get"}, handle)
	}}},
}

func TestDialCarriesTheServiceIdentity(t *testing.T) {
	var impl any = struct{}{}
	conn := Dial(t, "supervision", 0, func(s *grpc.Server) { s.RegisterService(&whoAmI, impl) })
	out := new(wrapperspb.StringValue)
	if err := conn.Invoke(context.Background(), "/peertest.WhoAmI/Get", wrapperspb.String(""), out); err != nil {
		t.Fatal(err)
	}
	if out.GetValue() != "service:supervision SERVICE" {
		t.Fatalf("the fake saw %q, want the supervision service, named by its certificate", out.GetValue())
	}
}

func TestUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := Unreachable(t, "supervision").Invoke(ctx, "/peertest.WhoAmI/Get", wrapperspb.String(""), new(wrapperspb.StringValue))
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("call to nothing: %v, want UNAVAILABLE", err)
	}
}
