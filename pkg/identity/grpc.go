package identity

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/commonweal/commonweal/pkg/addrs"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/tlsconf"
)

// Authenticator finds who makes each call to a service: a suite service from the client certificate the TLS
// handshake verified; an end user from the identity the gateway forwarded, accepted only on a connection
// whose certificate names the gateway; anyone else is anonymous (PUBLIC).
type Authenticator struct {
	verifier *Verifier
	peer     func(context.Context) (string, bool)
}

// NewAuthenticator returns the authenticator of a service whose forwarded user identities v verifies (nil: the
// server accepts none, e.g. a test fake only services call).
func NewAuthenticator(v *Verifier) *Authenticator {
	return &Authenticator{verifier: v, peer: tlsconf.PeerName}
}

// UnaryServerInterceptor puts the caller's identity in the context; a call with a forwarded identity that
// does not verify, or that does not come from the gateway, is refused as UNAUTHENTICATED.
func (a *Authenticator) UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := a.incoming(ctx)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// StreamServerInterceptor is UnaryServerInterceptor for streams: a stream's handler sees the verified
// identity in its context too, and a stream with a bad one is refused before the handler runs.
func (a *Authenticator) StreamServerInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, err := a.incoming(ss.Context())
		if err != nil {
			return err
		}
		return handler(srv, &identityStream{ServerStream: ss, ctx: ctx})
	}
}

// incoming returns ctx with the identity the call proves.
func (a *Authenticator) incoming(ctx context.Context) (context.Context, error) {
	name, certified := a.peer(ctx)
	var tokens []string
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		tokens = md.Get(MetadataKey)
	}
	refuse := func(format string, args ...any) error {
		return grpcerr.Status(ctx, errs.ErrUnauthenticated.With(format, args...))
	}
	id := Anonymous
	switch {
	case len(tokens) > 0 && (!certified || name != Gateway):
		return nil, refuse("a forwarded user identity is accepted from the gateway only")
	case len(tokens) > 1:
		return nil, refuse("more than one forwarded user identity")
	case len(tokens) == 1:
		if a.verifier == nil {
			return nil, refuse("this server accepts no forwarded user identity")
		}
		v, err := a.verifier.Verify(tokens[0])
		if err != nil {
			return nil, refuse("forwarded identity rejected: %v", err)
		}
		id = v
	case certified && name != Gateway:
		if _, known := addrs.Default[name]; !known {
			return nil, refuse("the client certificate names %q, which is not a suite service", name)
		}
		id = ServiceIdentity(name)
	}
	ctx = With(ctx, id)
	if certified && name == Gateway {
		ctx = withForwardedNetwork(ctx)
	}
	return ctx, nil
}

// withForwardedNetwork returns ctx with the client network the gateway forwarded: exactly one value that is a
// /24 IPv4 or /64 IPv6 prefix; anything else is ignored (the network is a signal, not a credential, so a bad
// one is dropped rather than refused). Only the gateway's calls are read: another service or an uncertified
// caller could name any network.
func withForwardedNetwork(ctx context.Context) context.Context {
	md, ok := metadata.FromIncomingContext(ctx)
	if !ok {
		return ctx
	}
	values := md.Get(ClientNetworkKey)
	if len(values) != 1 {
		return ctx
	}
	if network, ok := ParseClientNetwork(values[0]); ok {
		return WithClientNetwork(ctx, network)
	}
	return ctx
}

// identityStream is a server stream whose context carries the verified identity.
type identityStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *identityStream) Context() context.Context { return s.ctx }

// Outgoing returns ctx with id signed for the service aud into the outgoing gRPC metadata.
func (is *Issuer) Outgoing(ctx context.Context, id Identity, aud string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, MetadataKey, is.Sign(id, aud))
}

// DialOptions make every call on a gateway's connection to the service aud carry the end user's identity
// from the call's context (With), signed for aud; an anonymous caller's calls carry none. The client network
// in the context (WithClientNetwork) goes along, for anyone.
func (is *Issuer) DialOptions(aud string) []grpc.DialOption {
	sign := func(ctx context.Context) context.Context { return is.forward(ctx, aud) }
	return []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			return invoker(sign(ctx), method, req, reply, cc, opts...)
		}),
		grpc.WithChainStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
			return streamer(sign(ctx), desc, cc, method, opts...)
		}),
	}
}

// forward returns ctx with what a gateway call to aud carries in its metadata: the user's signed identity
// when authenticated, and the client network when known (for anonymous callers too: voters are anonymous).
func (is *Issuer) forward(ctx context.Context, aud string) context.Context {
	if network := ClientNetwork(ctx); network != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, ClientNetworkKey, network)
	}
	if id := From(ctx); id.Authenticated() {
		return is.Outgoing(ctx, id, aud)
	}
	return ctx
}
