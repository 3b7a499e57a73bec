package kubernetes

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// pod is a pod (or an address outside the cluster) as the NetworkPolicies see it.
type pod struct {
	name   string // for messages
	ns     string // "" outside the cluster
	labels map[string]string
	ip     netip.Addr
}

var (
	podIP      = netip.MustParseAddr("10.1.2.3")
	internetIP = netip.MustParseAddr("203.0.113.10")
)

// The parties outside the suite the policies name.
var (
	ingressController = pod{"the ingress controller", "ingress-nginx", map[string]string{"app.kubernetes.io/name": "ingress-nginx"}, podIP}
	prometheus        = pod{"Prometheus", "monitoring", map[string]string{"app.kubernetes.io/name": "prometheus"}, podIP}
	kubeDNS           = pod{"kube-dns", "kube-system", map[string]string{"k8s-app": "kube-dns"}, podIP}
	internet          = pod{"the internet", "", nil, internetIP}
)

// netPolicies evaluates NetworkPolicies as a conforming network plugin does (for the fields used here).
type netPolicies struct {
	t        *testing.T
	ns       string
	policies []*networkingv1.NetworkPolicy
}

// allows reports whether a TCP/UDP connection from src to dst:port is allowed: egress from src and ingress to
// dst. Only the suite's namespace has policies here; pods elsewhere are not isolated.
func (n netPolicies) allows(src, dst pod, proto corev1.Protocol, port int32) bool {
	return n.side(src, dst, proto, port, networkingv1.PolicyTypeEgress) && n.side(dst, src, proto, port, networkingv1.PolicyTypeIngress)
}

func (n netPolicies) side(subject, other pod, proto corev1.Protocol, port int32, dir networkingv1.PolicyType) bool {
	if subject.ns != n.ns {
		return true
	}
	isolated := false
	for _, p := range n.policies {
		if !hasType(p, dir) || !selects(n.t, &p.Spec.PodSelector, subject.labels) {
			continue
		}
		isolated = true
		if dir == networkingv1.PolicyTypeIngress {
			for _, r := range p.Spec.Ingress {
				if n.peers(r.From, other) && n.ports(r.Ports, proto, port) {
					return true
				}
			}
		} else {
			for _, r := range p.Spec.Egress {
				if n.peers(r.To, other) && n.ports(r.Ports, proto, port) {
					return true
				}
			}
		}
	}
	return !isolated
}

func hasType(p *networkingv1.NetworkPolicy, dir networkingv1.PolicyType) bool {
	for _, t := range p.Spec.PolicyTypes {
		if t == dir {
			return true
		}
	}
	return false
}

func (n netPolicies) peers(peers []networkingv1.NetworkPolicyPeer, other pod) bool {
	if len(peers) == 0 {
		return true
	}
	for _, p := range peers {
		switch {
		case p.IPBlock != nil:
			if other.ns != "" {
				continue // pod addresses are in the private ranges every ipBlock here leaves out
			}
			in := netip.MustParsePrefix(p.IPBlock.CIDR).Contains(other.ip)
			for _, ex := range p.IPBlock.Except {
				in = in && !netip.MustParsePrefix(ex).Contains(other.ip)
			}
			if in {
				return true
			}
		case other.ns == "":
			continue
		case p.NamespaceSelector != nil:
			nsLabels := map[string]string{"kubernetes.io/metadata.name": other.ns}
			if selects(n.t, p.NamespaceSelector, nsLabels) && (p.PodSelector == nil || selects(n.t, p.PodSelector, other.labels)) {
				return true
			}
		case p.PodSelector != nil:
			if other.ns == n.ns && selects(n.t, p.PodSelector, other.labels) {
				return true
			}
		}
	}
	return false
}

func (n netPolicies) ports(ports []networkingv1.NetworkPolicyPort, proto corev1.Protocol, port int32) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		pp := corev1.ProtocolTCP
		if p.Protocol != nil {
			pp = *p.Protocol
		}
		if p.Port == nil {
			n.t.Fatalf("a NetworkPolicy port without a number: name each port by number")
		}
		if p.Port.StrVal != "" {
			n.t.Fatalf("NetworkPolicy port %q: name ports by number, so that they can be checked against the code", p.Port.StrVal)
		}
		if pp == proto && p.Port.IntVal == port {
			return true
		}
	}
	return false
}

// pods are the suite's pods in m, by binary (the Deployments) and by migration job.
func (m *manifests) pods(ns string) (map[string]pod, map[string]pod) {
	bins, jobs := map[string]pod{}, map[string]pod{}
	for name, d := range m.Deployments {
		bins[name] = pod{name, ns, d.Spec.Template.Labels, podIP}
	}
	for name, j := range m.Jobs {
		jobs[name] = pod{name, ns, j.Spec.Template.Labels, podIP}
	}
	return bins, jobs
}

// callGraphProblems compares what the NetworkPolicies of m allow between the suite's binaries with the calls
// the code makes: every call on the callee's gRPC port allowed, nothing else between them (no other port, no
// other pair). One line per difference.
func callGraphProblems(t *testing.T, m *manifests, c code) []string {
	const ns = "suite"
	n := netPolicies{t, ns, m.Policies}
	bins, _ := m.pods(ns)
	var problems []string
	for from := range c.calls {
		if _, ok := bins[from]; !ok {
			problems = append(problems, fmt.Sprintf("%s: in the code but no Deployment", from))
		}
		for _, to := range c.calls[from] {
			if _, ok := bins[to]; !ok {
				problems = append(problems, fmt.Sprintf("%s → %s: called in the code, but %s has no Deployment", from, to, to))
			}
		}
	}
	ports := []int32{8080, 8086, 9464}
	for _, p := range c.ports {
		ports = append(ports, p)
	}
	for _, from := range sortedKeys(bins) {
		for _, to := range sortedKeys(bins) {
			for _, port := range ports {
				want := c.has(from, to) && port == c.ports[to]
				got := n.allows(bins[from], bins[to], corev1.ProtocolTCP, port)
				switch {
				case want && !got:
					problems = append(problems, fmt.Sprintf("%s → %s:%d: called in the code (%s), but the NetworkPolicies do not allow it", from, to, port, where(from)))
				case got && !want && c.has(from, to):
					problems = append(problems, fmt.Sprintf("%s → %s:%d: allowed by the NetworkPolicies, but %s serves gRPC on %d (pkg/addrs)", from, to, port, to, c.ports[to]))
				case got && !want:
					problems = append(problems, fmt.Sprintf("%s → %s:%d: allowed by the NetworkPolicies, but the code makes no such call (%s)", from, to, port, where(from)))
				}
			}
		}
	}
	sort.Strings(problems)
	return problems
}

func where(binary string) string {
	if binary == "gateway" {
		return "gateway/main.go services"
	}
	return "services/" + binary + "/main.go service.Spec.Peers"
}

func TestNetworkPoliciesMatchTheCallGraph(t *testing.T) {
	c := readCode(t, nil)
	for _, dir := range overlays {
		if problems := callGraphProblems(t, build(t, dir), c); len(problems) > 0 {
			t.Errorf("%s: the NetworkPolicies and the code's calls differ:\n%s", dir, strings.Join(problems, "\n"))
		}
	}
}

// TestCallGraphCheckFails proves the check above can fail: a new peer in the code without its policy, a
// policy edge the code does not call, and a service the manifests do not have.
func TestCallGraphCheckFails(t *testing.T) {
	m := build(t, "overlays/production")
	src := func(path string) string {
		b, err := readFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	donations := src("services/donations/main.go")
	if !strings.Contains(donations, `Peers: []string{"applications"}`) {
		t.Fatalf("services/donations/main.go changed its peers: update this test")
	}
	for _, tc := range []struct {
		name, from, to string
		want           string
	}{
		{"new peer", `Peers: []string{"applications"}`, `Peers: []string{"applications", "funding"}`,
			"donations → funding:9104: called in the code (services/donations/main.go service.Spec.Peers), but the NetworkPolicies do not allow it"},
		{"peer dropped", `Peers: []string{"applications"}`, `Peers: []string{}`,
			"donations → applications:9101: allowed by the NetworkPolicies, but the code makes no such call"},
		{"unknown service", `Peers: []string{"applications"}`, `Peers: []string{"applications", "ledger"}`,
			"donations → ledger: called in the code, but ledger has no Deployment"},
	} {
		mutated := strings.Replace(donations, tc.from, tc.to, 1)
		problems := callGraphProblems(t, m, readCode(t, map[string]string{"services/donations/main.go": mutated}))
		if !containsLine(problems, tc.want) {
			t.Errorf("%s: problems %q, want one starting %q", tc.name, problems, tc.want)
		}
	}
	// And policies that open more than the code calls: any pod into applications, donations out anywhere.
	openIngress := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "open-ingress"}, Spec: networkingv1.NetworkPolicySpec{
		PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": "applications"}},
		PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
		Ingress:     []networkingv1.NetworkPolicyIngressRule{{}}}}
	openEgress := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "open-egress"}, Spec: networkingv1.NetworkPolicySpec{
		PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": "donations"}},
		PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
		Egress:      []networkingv1.NetworkPolicyEgressRule{{}}}}
	more := *m
	more.Policies = append(append([]*networkingv1.NetworkPolicy{}, m.Policies...), openIngress, openEgress)
	problems := callGraphProblems(t, &more, readCode(t, nil))
	if !containsLine(problems, "donations → applications:8086: allowed by the NetworkPolicies, but applications serves gRPC on 9101") {
		t.Errorf("an open ingress and egress passed the check: %q", problems)
	}
}

func containsLine(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

// TestNetworkPoliciesOutsideTheCallGraph checks the rest of what the policies allow: the ingress controller
// to the gateway only, Prometheus to the metrics port only, the database from the services and their
// migrations only, DNS for all, HTTPS out for the gateway (JWKS) and reviews (voter codes) only, and nothing
// from a stranger pod.
func TestNetworkPoliciesOutsideTheCallGraph(t *testing.T) {
	c := readCode(t, nil)
	for _, dir := range overlays {
		m := build(t, dir)
		const ns = "suite"
		n := netPolicies{t, ns, m.Policies}
		bins, jobs := m.pods(ns)
		stranger := pod{"a stranger pod", ns, map[string]string{"app": "stranger"}, podIP}
		check := func(src, dst pod, proto corev1.Protocol, port int32, want bool) {
			if got := n.allows(src, dst, proto, port); got != want {
				t.Errorf("%s: %s → %s:%d allowed = %v, want %v", dir, src.name, dst.name, port, got, want)
			}
		}
		if len(m.Clusters) != 1 {
			t.Fatalf("%s: %d CloudNativePG Clusters, want 1", dir, len(m.Clusters))
		}
		var db pod
		for name := range m.Clusters {
			db = pod{"PostgreSQL " + name, ns, map[string]string{"cnpg.io/cluster": name, "cnpg.io/podRole": "instance"}, podIP}
		}
		for _, name := range sortedKeys(bins) {
			b := bins[name]
			service := name != "gateway"
			check(ingressController, b, corev1.ProtocolTCP, 8080, name == "gateway")
			check(stranger, b, corev1.ProtocolTCP, 8080, false)
			check(prometheus, b, corev1.ProtocolTCP, 9464, true)
			check(prometheus, b, corev1.ProtocolTCP, 8086, false)
			check(stranger, b, corev1.ProtocolTCP, 9464, false)
			check(b, db, corev1.ProtocolTCP, 5432, service)
			check(b, kubeDNS, corev1.ProtocolUDP, 53, true)
			check(b, internet, corev1.ProtocolTCP, 443, name == "gateway" || name == "reviews")
			check(b, internet, corev1.ProtocolTCP, 80, false)
			if service {
				check(ingressController, b, corev1.ProtocolTCP, c.ports[name], false)
				check(stranger, b, corev1.ProtocolTCP, c.ports[name], false)
			}
		}
		for _, name := range sortedKeys(jobs) {
			check(jobs[name], db, corev1.ProtocolTCP, 5432, true)
			check(jobs[name], kubeDNS, corev1.ProtocolUDP, 53, true)
			check(jobs[name], internet, corev1.ProtocolTCP, 443, false)
			for _, svc := range sortedKeys(c.ports) {
				check(jobs[name], bins[svc], corev1.ProtocolTCP, c.ports[svc], false)
			}
		}
		check(stranger, db, corev1.ProtocolTCP, 5432, false)
	}
}
