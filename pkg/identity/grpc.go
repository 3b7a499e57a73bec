package identity

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/grpcerr"
)

// UnaryServerInterceptor verifies the signed identity in the metadata and puts it in the context. A call
// without one is anonymous (PUBLIC); a call with a bad one is refused as UNAUTHENTICATED.
func (s *Signer) UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		id := Anonymous
		if md, ok := metadata.FromIncomingContext(ctx); ok {
			if vals := md.Get(MetadataKey); len(vals) > 0 {
				v, err := s.Verify(vals[0])
				if err != nil {
					return nil, grpcerr.Status(ctx, errs.ErrUnauthenticated.With("internal identity rejected: %v", err))
				}
				id = v
			}
		}
		return handler(With(ctx, id), req)
	}
}

// Outgoing returns ctx with id signed into the outgoing gRPC metadata.
func (s *Signer) Outgoing(ctx context.Context, id Identity) context.Context {
	return metadata.AppendToOutgoingContext(ctx, MetadataKey, s.Sign(id))
}

// ServiceClientInterceptor signs the calling service's own identity into every outgoing call.
func (s *Signer) ServiceClientInterceptor(service string) grpc.UnaryClientInterceptor {
	id := ServiceIdentity(service)
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return invoker(s.Outgoing(ctx, id), method, req, reply, cc, opts...)
	}
}
