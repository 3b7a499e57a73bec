package identity

import (
	"context"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/commonweal/commonweal/pkg/grpcerr"
)

var testInfo = &grpc.UnaryServerInfo{FullMethod: "/commonweal.test.v1.TestService/Get"}

// callInterceptor runs the interceptor with ctx and reports what the handler saw.
func callInterceptor(t *testing.T, s *Signer, ctx context.Context) (seen *Identity, resp any, err error) {
	t.Helper()
	handler := func(ctx context.Context, req any) (any, error) {
		id := From(ctx)
		seen = &id
		return "ok", nil
	}
	resp, err = s.UnaryServerInterceptor()(ctx, "req", testInfo, handler)
	return seen, resp, err
}

func TestUnaryServerInterceptor(t *testing.T) {
	s := NewSigner(testKey)
	alice := Identity{Subject: "alice", Roles: []Role{Applicant}, OrgID: "org-1"}

	past := time.Now().Add(-time.Hour)
	old := fixedSigner(testKey, &past)

	tests := []struct {
		name string
		ctx  context.Context
		want *Identity // nil: refused
	}{
		{"no metadata", context.Background(), &Anonymous},
		{"metadata without identity", metadata.NewIncomingContext(context.Background(), metadata.Pairs("other", "x")), &Anonymous},
		{"valid token", metadata.NewIncomingContext(context.Background(), metadata.Pairs(MetadataKey, s.Sign(alice))), &alice},
		{"identity set in ctx without metadata is not trusted", With(context.Background(), alice), &Anonymous},
		{"garbage token", metadata.NewIncomingContext(context.Background(), metadata.Pairs(MetadataKey, "garbage")), nil},
		{"empty token", metadata.NewIncomingContext(context.Background(), metadata.Pairs(MetadataKey, "")), nil},
		{"other key", metadata.NewIncomingContext(context.Background(), metadata.Pairs(MetadataKey, NewSigner([]byte("other")).Sign(alice))), nil},
		{"expired", metadata.NewIncomingContext(context.Background(), metadata.Pairs(MetadataKey, old.Sign(alice))), nil},
		{"bad first of two", metadata.NewIncomingContext(context.Background(), metadata.Pairs(MetadataKey, "garbage", MetadataKey, s.Sign(alice))), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen, resp, err := callInterceptor(t, s, tt.ctx)
			if tt.want == nil {
				if seen != nil {
					t.Errorf("handler was called with %+v", *seen)
				}
				if resp != nil {
					t.Errorf("resp = %v, want nil", resp)
				}
				if code := status.Code(err); code != codes.Unauthenticated {
					t.Errorf("code = %v (%v), want Unauthenticated", code, err)
				}
				if r := grpcerr.Reason(err); r != "UNAUTHENTICATED" {
					t.Errorf("reason = %q, want UNAUTHENTICATED", r)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if resp != "ok" {
				t.Errorf("resp = %v, want the handler's", resp)
			}
			if seen == nil {
				t.Fatal("handler not called")
			}
			if seen.Subject != tt.want.Subject || seen.OrgID != tt.want.OrgID || !slices.Equal(seen.Roles, tt.want.Roles) {
				t.Errorf("handler saw %+v, want %+v", *seen, *tt.want)
			}
		})
	}
}

func TestUnaryServerInterceptorAnonymousIsPublic(t *testing.T) {
	seen, _, err := callInterceptor(t, NewSigner(testKey), context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if seen.Authenticated() || !seen.Has(Public) || seen.IsStaff() || len(seen.Roles) != 1 {
		t.Errorf("anonymous caller = %+v, want PUBLIC only", *seen)
	}
}

func TestOutgoing(t *testing.T) {
	s := NewSigner(testKey)
	bob := Identity{Subject: "bob", Roles: []Role{Service}}
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-keep", "1")
	ctx = s.Outgoing(ctx, bob)

	md, ok := metadata.FromOutgoingContext(ctx)
	if !ok {
		t.Fatal("no outgoing metadata")
	}
	if got := md.Get("x-keep"); len(got) != 1 {
		t.Errorf("Outgoing dropped existing metadata: %v", md)
	}
	vals := md.Get(MetadataKey)
	if len(vals) != 1 {
		t.Fatalf("%s = %v, want one token", MetadataKey, vals)
	}
	got, err := s.Verify(vals[0])
	if err != nil || got.Subject != "bob" || !slices.Equal(got.Roles, bob.Roles) {
		t.Errorf("Verify(outgoing token) = %+v, %v", got, err)
	}

	// What the client sends is what the server's interceptor accepts.
	seen, _, err := callInterceptor(t, s, metadata.NewIncomingContext(context.Background(), md))
	if err != nil || seen == nil || seen.Subject != "bob" {
		t.Errorf("interceptor on outgoing metadata: %v, %v", seen, err)
	}
}
