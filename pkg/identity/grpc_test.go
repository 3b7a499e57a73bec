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

// peerKey carries, in a test's context, the name a verified client certificate would give the caller.
type peerKey struct{}

func fromPeer(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, peerKey{}, name)
}

// testAuthenticator is the authenticator of the service "donations", reading the caller's certificate name
// from the context (fromPeer) instead of a TLS handshake.
func testAuthenticator(v *Verifier) *Authenticator {
	a := NewAuthenticator(v)
	a.peer = func(ctx context.Context) (string, bool) {
		name, ok := ctx.Value(peerKey{}).(string)
		return name, ok
	}
	return a
}

// callInterceptor runs the interceptor with ctx and reports what the handler saw.
func callInterceptor(t *testing.T, a *Authenticator, ctx context.Context) (seen *Identity, resp any, err error) {
	t.Helper()
	handler := func(ctx context.Context, req any) (any, error) {
		id := From(ctx)
		seen = &id
		return "ok", nil
	}
	resp, err = a.UnaryServerInterceptor()(ctx, "req", testInfo, handler)
	return seen, resp, err
}

// authCases are the callers every server interceptor must tell apart (the service is "donations").
func authCases() []struct {
	name string
	ctx  context.Context
	want *Identity // nil: refused
} {
	is := NewIssuer(testKey)
	alice := Identity{Subject: "alice", Roles: []Role{Applicant}, OrgID: "org-1"}
	past := time.Now().Add(-time.Hour)
	old, _ := at(&past)
	_, otherKey := mustKey()
	bg := context.Background()
	with := func(ctx context.Context, tokens ...string) context.Context {
		md := metadata.MD{}
		for _, tok := range tokens {
			md.Append(MetadataKey, tok)
		}
		return metadata.NewIncomingContext(ctx, md)
	}
	gw := fromPeer(bg, Gateway)
	funding := ServiceIdentity("funding")
	return []struct {
		name string
		ctx  context.Context
		want *Identity
	}{
		{"no certificate, no metadata", bg, &Anonymous},
		{"gateway without identity", gw, &Anonymous},
		{"gateway, metadata without identity", metadata.NewIncomingContext(gw, metadata.Pairs("other", "x")), &Anonymous},
		{"gateway, valid token", with(gw, is.Sign(alice, "donations")), &alice},
		{"service from its certificate", fromPeer(bg, "funding"), &funding},
		{"a certificate naming no suite service", fromPeer(bg, "intruder"), nil},
		{"identity set in ctx without metadata is not trusted", With(bg, alice), &Anonymous},
		{"gateway, token for another service (replay)", with(gw, is.Sign(alice, "funding")), nil},
		{"gateway, garbage token", with(gw, "garbage"), nil},
		{"gateway, empty token", with(gw, ""), nil},
		{"gateway, other key", with(gw, NewIssuer(otherKey).Sign(alice, "donations")), nil},
		{"gateway, expired", with(gw, old.Sign(alice, "donations")), nil},
		{"gateway, two tokens", with(gw, is.Sign(alice, "donations"), is.Sign(alice, "donations")), nil},
		{"gateway, bad first of two", with(gw, "garbage", is.Sign(alice, "donations")), nil},
		{"service with a valid user token", with(fromPeer(bg, "funding"), is.Sign(alice, "donations")), nil},
		{"no certificate with a valid user token", with(bg, is.Sign(alice, "donations")), nil},
	}
}

func TestUnaryServerInterceptor(t *testing.T) {
	a := testAuthenticator(NewVerifier("donations", testPub))
	for _, tt := range authCases() {
		t.Run(tt.name, func(t *testing.T) {
			seen, resp, err := callInterceptor(t, a, tt.ctx)
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
	seen, _, err := callInterceptor(t, testAuthenticator(NewVerifier("donations", testPub)), context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if seen.Authenticated() || !seen.Has(Public) || seen.IsStaff() || len(seen.Roles) != 1 {
		t.Errorf("anonymous caller = %+v, want PUBLIC only", *seen)
	}
}

// TestNoVerifier: a server without the gateway's key refuses every forwarded identity but still knows services.
func TestNoVerifier(t *testing.T) {
	a := testAuthenticator(nil)
	ctx := metadata.NewIncomingContext(fromPeer(context.Background(), Gateway),
		metadata.Pairs(MetadataKey, NewIssuer(testKey).Sign(Identity{Subject: "u", Roles: []Role{Donor}}, "donations")))
	if _, _, err := callInterceptor(t, a, ctx); status.Code(err) != codes.Unauthenticated {
		t.Errorf("forwarded identity without a verifier: %v, want Unauthenticated", err)
	}
	if seen, _, err := callInterceptor(t, a, fromPeer(context.Background(), "reviews")); err != nil || !seen.IsService("reviews") {
		t.Errorf("service caller: %+v, %v", seen, err)
	}
}

func TestDialOptionsSignForTheTarget(t *testing.T) {
	is := NewIssuer(testKey)
	bob := Identity{Subject: "bob", Roles: []Role{Donor}}
	opts := is.DialOptions("donations")
	if len(opts) != 2 {
		t.Fatalf("DialOptions = %d options, want a unary and a stream interceptor", len(opts))
	}
	// Outgoing is what the interceptors add: one token for the target, existing metadata kept.
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-keep", "1")
	md, _ := metadata.FromOutgoingContext(is.Outgoing(ctx, bob, "donations"))
	if got := md.Get("x-keep"); len(got) != 1 {
		t.Errorf("Outgoing dropped existing metadata: %v", md)
	}
	vals := md.Get(MetadataKey)
	if len(vals) != 1 {
		t.Fatalf("%s = %v, want one token", MetadataKey, vals)
	}
	if got, err := NewVerifier("donations", testPub).Verify(vals[0]); err != nil || got.Subject != "bob" {
		t.Errorf("donations verifying the token: %+v, %v", got, err)
	}
	if _, err := NewVerifier("funding", testPub).Verify(vals[0]); err == nil {
		t.Error("funding accepted a token signed for donations")
	}
	// What the gateway sends is what the service's interceptor accepts.
	seen, _, err := callInterceptor(t, testAuthenticator(NewVerifier("donations", testPub)), metadata.NewIncomingContext(fromPeer(context.Background(), Gateway), md))
	if err != nil || seen == nil || seen.Subject != "bob" {
		t.Errorf("interceptor on outgoing metadata: %v, %v", seen, err)
	}
}

func TestStreamServerInterceptor(t *testing.T) {
	a := testAuthenticator(NewVerifier("donations", testPub))
	info := &grpc.StreamServerInfo{FullMethod: "/commonweal.test.v1.TestService/Watch", IsServerStream: true}
	for _, tt := range authCases() {
		t.Run(tt.name, func(t *testing.T) {
			var seen *Identity
			handler := func(srv any, ss grpc.ServerStream) error {
				id := From(ss.Context())
				seen = &id
				return nil
			}
			err := a.StreamServerInterceptor()(nil, fakeStream{ctx: tt.ctx}, info, handler)
			if tt.want == nil {
				if seen != nil || status.Code(err) != codes.Unauthenticated || grpcerr.Reason(err) != "UNAUTHENTICATED" {
					t.Fatalf("handler saw %v, err %v; want refused UNAUTHENTICATED", seen, err)
				}
				return
			}
			if err != nil || seen == nil || seen.Subject != tt.want.Subject || !slices.Equal(seen.Roles, tt.want.Roles) {
				t.Fatalf("handler saw %v, err %v; want %+v", seen, err, *tt.want)
			}
		})
	}
}

// fakeStream is a server stream with a context and nothing else.
type fakeStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (f fakeStream) Context() context.Context { return f.ctx }
