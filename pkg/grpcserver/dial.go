package grpcserver

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// Keepalive of every connection between the suite's processes. A client pings a connection that has calls in
// flight and has been silent for ClientKeepaliveTime, and drops it when the ping is not answered within
// ClientKeepaliveTimeout, so a call to a vanished pod (a node lost without a TCP reset) fails over instead of
// hanging until its deadline. Idle connections are not pinged (PermitWithoutStream false): the servers'
// enforcement policy (ServerKeepaliveMinTime) would otherwise answer with GOAWAY "too_many_pings".
const (
	ClientKeepaliveTime    = 30 * time.Second
	ClientKeepaliveTimeout = 10 * time.Second
	// ServerKeepaliveMinTime is the shortest ping interval a server tolerates: under ClientKeepaliveTime.
	ServerKeepaliveMinTime = 15 * time.Second
	// MaxConnectionAge makes a server close each client connection (gracefully, MaxConnectionAgeGrace for
	// its calls) after this long, so that clients resolve the peer's addresses again and spread their calls
	// over replicas that started since (a Kubernetes headless Service's new pods).
	MaxConnectionAge      = 5 * time.Minute
	MaxConnectionAgeGrace = time.Minute
)

// Retry policy of the calls that are safe to repeat (see Retryable): up to RetryMaxAttempts attempts on
// UNAVAILABLE, with exponential backoff; a client whose calls mostly fail stops retrying (retryThrottling).
const RetryMaxAttempts = 3

// serverKeepalive are the server options matching the clients' keepalive.
func serverKeepalive() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: ServerKeepaliveMinTime, PermitWithoutStream: false}),
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionAge: MaxConnectionAge, MaxConnectionAgeGrace: MaxConnectionAgeGrace}),
	}
}

// clientOptions are the options of every client connection: round_robin over the target's addresses (a
// dns:/// name resolving to every replica, or static:///host1:port1,host2:port2), the retry policy of the
// safe calls, and keepalive.
func clientOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithDefaultServiceConfig(ServiceConfig()),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: ClientKeepaliveTime, Timeout: ClientKeepaliveTimeout, PermitWithoutStream: false}),
	}
}

// ServiceConfig is the default gRPC service config of the suite's clients (JSON): the round_robin balancer
// and a retry policy on UNAVAILABLE for every method Retryable names among the services registered in this
// binary (protoregistry.GlobalFiles, filled by the generated packages it links).
func ServiceConfig() string {
	type name struct {
		Service string `json:"service"`
		Method  string `json:"method"`
	}
	var names []name
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		for i := 0; i < fd.Services().Len(); i++ {
			sd := fd.Services().Get(i)
			for j := 0; j < sd.Methods().Len(); j++ {
				if md := sd.Methods().Get(j); Retryable(md) {
					names = append(names, name{string(sd.FullName()), string(md.Name())})
				}
			}
		}
		return true
	})
	slices.SortFunc(names, func(a, b name) int { return strings.Compare(a.Service+"/"+a.Method, b.Service+"/"+b.Method) })
	cfg := map[string]any{
		"loadBalancingConfig": []any{map[string]any{"round_robin": map[string]any{}}},
		"retryThrottling":     map[string]any{"maxTokens": 10, "tokenRatio": 0.1},
	}
	if len(names) > 0 {
		cfg["methodConfig"] = []any{map[string]any{
			"name": names,
			"retryPolicy": map[string]any{
				"maxAttempts":          RetryMaxAttempts,
				"initialBackoff":       "0.05s",
				"maxBackoff":           "1s",
				"backoffMultiplier":    2,
				"retryableStatusCodes": []string{"UNAVAILABLE"},
			},
		}}
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Retryable says whether a call of md may be sent again after UNAVAILABLE: it reads and changes nothing. That
// is a unary method whose HTTP binding (google.api.http) is GET — the API promises a GET is safe — or, for
// a method without an HTTP binding (the service-to-service and standard ones), whose name starts with Get,
// BatchGet, List or Check (e.g. grpc.health.v1.Health/Check). Mutations are never retried automatically,
// although those carrying a request_id would be replayed safely: whether the first attempt took effect is
// for the caller to decide, with the same request_id.
func Retryable(md protoreflect.MethodDescriptor) bool {
	if md.IsStreamingClient() || md.IsStreamingServer() {
		return false
	}
	if opts := md.Options(); opts != nil && proto.HasExtension(opts, annotations.E_Http) {
		rule, _ := proto.GetExtension(opts, annotations.E_Http).(*annotations.HttpRule)
		if rule.GetPattern() != nil {
			return rule.GetGet() != ""
		}
	}
	n := string(md.Name())
	for _, p := range []string{"Get", "BatchGet", "List", "Check"} {
		if strings.HasPrefix(n, p) && (len(n) == len(p) || n[len(p)] >= 'A' && n[len(p)] <= 'Z') {
			return true
		}
	}
	return false
}
