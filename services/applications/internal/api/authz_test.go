package api_test

import (
	"context"
	"net"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/authz"
	"github.com/commonweal/commonweal/pkg/grpcserver"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/services/applications/internal/api"
)

// Every RPC of the service has a rule, and every rule names an RPC.
func TestPolicyCoversEveryRPC(t *testing.T) {
	noRule, unknown := api.Policy.Missing(pb.ApplicationsService_ServiceDesc)
	if len(noRule) > 0 || len(unknown) > 0 {
		t.Fatalf("RPCs without a rule: %v; rules without an RPC: %v", noRule, unknown)
	}
}

// callers are the identities tried against every RPC: each role alone, and an anonymous caller.
func callers() map[string]*identity.Identity {
	out := map[string]*identity.Identity{"anonymous": nil}
	for _, r := range identity.AllRoles {
		out[string(r)] = &identity.Identity{Subject: "subject-" + string(r), Roles: []identity.Role{r}}
	}
	return out
}

// allowed is who may call what, written out from what the use cases allowed before the table existed, so a
// change of the table shows here: the public reads, the readers, and the one role of each mutation.
var allowed = func() map[string][]string {
	readers := []string{"APPLICANT", "SERVICE", "ORGANIZER", "OPERATOR", "COMMITTEE", "FINANCE", "AUDITOR"}
	everyone := []string{"anonymous"}
	for _, r := range identity.AllRoles {
		everyone = append(everyone, string(r))
	}
	return map[string][]string{
		"CreateRound": {"ORGANIZER"}, "GetRound": everyone, "UpdateRound": {"ORGANIZER"}, "AdvanceRound": {"ORGANIZER"},
		"CreateOrganization": {"APPLICANT", "OPERATOR"}, "VerifyOrganization": {"OPERATOR"}, "GetOrganization": readers,
		"CreateApplication": {"APPLICANT"}, "UpdateApplication": {"APPLICANT"}, "SubmitApplication": {"APPLICANT"},
		"ReviewApplication": {"OPERATOR"}, "GetApplication": everyone, "ListApplications": readers,
		"ListApplicationRevisions": readers, "SetApplicationStage": {"SERVICE"},
	}
}()

// A caller whose role the table does not list is refused with PERMISSION_DENIED by a real gRPC server
// running the authorisation interceptor, before any handler runs (the handlers here have no use cases).
func TestWrongRoleRefusedThroughGRPC(t *testing.T) {
	signer := identity.NewSigner([]byte("authz-test-key"))
	srv := grpcserver.New(signer, grpcserver.Option{Unary: authz.Unary(api.Policy)})
	pb.RegisterApplicationsServiceServer(srv.GRPC, api.NewServer(nil, nil))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, lis, time.Second) }()
	t.Cleanup(func() { cancel(); <-done })
	conn, err := grpcserver.Dial(lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })

	for _, m := range pb.ApplicationsService_ServiceDesc.Methods {
		method := "/" + pb.ApplicationsService_ServiceDesc.ServiceName + "/" + m.MethodName
		for name, who := range callers() {
			may := slices.Contains(allowed[m.MethodName], name)
			if err := api.Policy.Check(method, identityOf(who)); (err == nil) != may {
				t.Errorf("%s by %s: table says %v, want allowed=%v", m.MethodName, name, err, may)
			}
			if may {
				continue // a handler would run; the use cases' tests cover what it does
			}
			callCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if who != nil {
				callCtx = signer.Outgoing(callCtx, *who)
			}
			err := conn.Invoke(callCtx, method, &emptypb.Empty{}, &emptypb.Empty{}, grpc.WaitForReady(true))
			cancel()
			if status.Code(err) != codes.PermissionDenied {
				t.Errorf("%s by %s: %v, want PERMISSION_DENIED", m.MethodName, name, err)
			}
		}
	}
}

func identityOf(who *identity.Identity) identity.Identity {
	if who == nil {
		return identity.Anonymous
	}
	return *who
}
