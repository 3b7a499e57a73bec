package authztest

import (
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/identity"
)

// RoleMatrix calls every RPC of desc as each role alone and as an anonymous caller, with an empty request,
// and fails tb wherever the table's answer differs from want (method → the roles that may call it, written
// out by the test rather than read from the policy): a role not in want must be refused PERMISSION_DENIED
// before the handler runs; a role in want must reach the handler (which may refuse the empty request in any
// other way). A method of desc missing from want fails tb. adjust, when not nil, may change a caller before a
// call (e.g. name the suite service the use case expects).
func (s *Server) RoleMatrix(tb testing.TB, desc grpc.ServiceDesc, want map[string][]identity.Role, adjust func(method string, who *identity.Identity)) {
	tb.Helper()
	for _, m := range desc.Methods {
		roles, ok := want[m.MethodName]
		if !ok {
			tb.Errorf("%s: the test does not say who may call it", m.MethodName)
			continue
		}
		for name, who := range Callers("user") {
			if who != nil && adjust != nil {
				adjust(m.MethodName, who)
			}
			err := s.Invoke(m.MethodName, who, &emptypb.Empty{}, &emptypb.Empty{})
			refused := status.Code(err) == codes.PermissionDenied
			switch shouldRefuse := who == nil || !who.Has(roles...); {
			case refused != shouldRefuse:
				tb.Errorf("%s as %s: %v; want refused=%t", m.MethodName, name, err, shouldRefuse)
			case refused && grpcerr.Reason(err) != "PERMISSION_DENIED":
				tb.Errorf("%s as %s: reason %q, want PERMISSION_DENIED", m.MethodName, name, grpcerr.Reason(err))
			}
		}
	}
	if len(want) != len(desc.Methods) {
		tb.Errorf("the test names %d RPCs, the service has %d", len(want), len(desc.Methods))
	}
}
