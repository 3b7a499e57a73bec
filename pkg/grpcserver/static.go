package grpcserver

import (
	"fmt"
	"strings"

	"google.golang.org/grpc/resolver"
)

// StaticScheme names a fixed list of replicas in a gRPC address: static:///host1:port1,host2:port2. The
// connection balances its calls over all of them (round_robin) and passes over one that does not answer.
// (dns:///name:port does the same over the addresses a name resolves to, e.g. a Kubernetes headless Service;
// a plain host:port is one address.)
const StaticScheme = "static"

func init() { resolver.Register(staticBuilder{}) }

type staticBuilder struct{}

func (staticBuilder) Scheme() string { return StaticScheme }

func (staticBuilder) Build(target resolver.Target, cc resolver.ClientConn, _ resolver.BuildOptions) (resolver.Resolver, error) {
	var addrs []resolver.Address
	var endpoints []resolver.Endpoint
	for _, a := range strings.Split(target.Endpoint(), ",") {
		if a = strings.TrimSpace(a); a != "" {
			addrs = append(addrs, resolver.Address{Addr: a})
			endpoints = append(endpoints, resolver.Endpoint{Addresses: []resolver.Address{{Addr: a}}})
		}
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("%s:///: no address in %q (want %s:///host1:port1,host2:port2)", StaticScheme, target.URL.String(), StaticScheme)
	}
	if err := cc.UpdateState(resolver.State{Addresses: addrs, Endpoints: endpoints}); err != nil {
		return nil, err
	}
	return staticResolver{}, nil
}

type staticResolver struct{}

func (staticResolver) ResolveNow(resolver.ResolveNowOptions) {}
func (staticResolver) Close()                                {}
