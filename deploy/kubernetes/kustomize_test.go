package kubernetes

import (
	"fmt"
	"sort"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// overlays are the directories `kubectl apply -k` is meant for; base must build on its own too.
var overlays = []string{"overlays/dev", "overlays/production"}

// kinds are the types an object may decode into, by apiVersion and kind: the Kubernetes API's own, and for
// the custom resources the fields of their schemas these manifests use (certmanager.go, cnpg.go).
var kinds = map[string]func() any{
	"apps/v1/Deployment":                     func() any { return new(appsv1.Deployment) },
	"batch/v1/Job":                           func() any { return new(batchv1.Job) },
	"v1/Service":                             func() any { return new(corev1.Service) },
	"v1/ConfigMap":                           func() any { return new(corev1.ConfigMap) },
	"v1/Secret":                              func() any { return new(corev1.Secret) },
	"policy/v1/PodDisruptionBudget":          func() any { return new(policyv1.PodDisruptionBudget) },
	"autoscaling/v2/HorizontalPodAutoscaler": func() any { return new(autoscalingv2.HorizontalPodAutoscaler) },
	"networking.k8s.io/v1/NetworkPolicy":     func() any { return new(networkingv1.NetworkPolicy) },
	"networking.k8s.io/v1/Ingress":           func() any { return new(networkingv1.Ingress) },
	"cert-manager.io/v1/Certificate":         func() any { return new(Certificate) },
	"cert-manager.io/v1/Issuer":              func() any { return new(Issuer) },
	"postgresql.cnpg.io/v1/Cluster":          func() any { return new(Cluster) },
}

// manifests is one built overlay, decoded.
type manifests struct {
	dir          string
	Deployments  map[string]*appsv1.Deployment
	Jobs         map[string]*batchv1.Job
	Services     map[string]*corev1.Service
	ConfigMaps   map[string]*corev1.ConfigMap
	Secrets      map[string]*corev1.Secret
	PDBs         map[string]*policyv1.PodDisruptionBudget
	HPAs         map[string]*autoscalingv2.HorizontalPodAutoscaler
	Policies     []*networkingv1.NetworkPolicy
	Ingresses    map[string]*networkingv1.Ingress
	Certificates map[string]*Certificate
	Issuers      map[string]*Issuer
	Clusters     map[string]*Cluster
}

// build runs Kustomize on dir (relative to this directory) from the files on disk and decodes every object
// strictly.
// Built once per test binary: the checks read the result and never change it.
func build(t *testing.T, dir string) *manifests {
	t.Helper()
	if m, ok := built[dir]; ok {
		return m
	}
	m, err := buildDir(dir)
	if err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	built[dir] = m
	return m
}

var built = map[string]*manifests{}

func buildDir(dir string) (*manifests, error) {
	res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build: %w", err)
	}
	m := &manifests{dir: dir, Deployments: map[string]*appsv1.Deployment{}, Jobs: map[string]*batchv1.Job{},
		Services: map[string]*corev1.Service{}, ConfigMaps: map[string]*corev1.ConfigMap{}, Secrets: map[string]*corev1.Secret{},
		PDBs: map[string]*policyv1.PodDisruptionBudget{}, HPAs: map[string]*autoscalingv2.HorizontalPodAutoscaler{},
		Ingresses: map[string]*networkingv1.Ingress{}, Certificates: map[string]*Certificate{}, Issuers: map[string]*Issuer{},
		Clusters: map[string]*Cluster{}}
	for _, r := range res.Resources() {
		gvk := r.GetGvk()
		key := gvk.Kind
		if gvk.Group != "" {
			key = gvk.Group + "/" + gvk.Version + "/" + gvk.Kind
		} else {
			key = gvk.Version + "/" + gvk.Kind
		}
		newObj, ok := kinds[key]
		if !ok {
			return nil, fmt.Errorf("%s %s: a kind these checks do not know (add its type to kinds)", key, r.GetName())
		}
		data, err := r.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", key, r.GetName(), err)
		}
		obj := newObj()
		strict, err := kjson.UnmarshalStrict(data, obj, kjson.DisallowUnknownFields)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", key, r.GetName(), err)
		}
		if len(strict) > 0 {
			return nil, fmt.Errorf("%s %s: not a valid %s: %v", key, r.GetName(), gvk.Kind, strict)
		}
		name := r.GetName()
		switch o := obj.(type) {
		case *appsv1.Deployment:
			m.Deployments[name] = o
		case *batchv1.Job:
			m.Jobs[name] = o
		case *corev1.Service:
			m.Services[name] = o
		case *corev1.ConfigMap:
			m.ConfigMaps[name] = o
		case *corev1.Secret:
			m.Secrets[name] = o
		case *policyv1.PodDisruptionBudget:
			m.PDBs[name] = o
		case *autoscalingv2.HorizontalPodAutoscaler:
			m.HPAs[name] = o
		case *networkingv1.NetworkPolicy:
			m.Policies = append(m.Policies, o)
		case *networkingv1.Ingress:
			m.Ingresses[name] = o
		case *Certificate:
			m.Certificates[name] = o
		case *Issuer:
			m.Issuers[name] = o
		case *Cluster:
			m.Clusters[name] = o
		}
	}
	return m, nil
}

func TestEveryOverlayBuildsAndDecodesStrictly(t *testing.T) {
	for _, dir := range append([]string{"base"}, overlays...) {
		m := build(t, dir)
		if len(m.Deployments) != len(binaries(t)) {
			t.Errorf("%s: %d Deployments, want one per binary (%v)", dir, len(m.Deployments), binaries(t))
		}
	}
}

// TestStrictDecodingRejectsUnknownFields proves the decoding above fails on a misspelt field.
func TestStrictDecodingRejectsUnknownFields(t *testing.T) {
	for _, tc := range []struct{ kind, json string }{
		{"apps/v1/Deployment", `{"apiVersion":"apps/v1","kind":"Deployment","spec":{"replica":2}}`},
		{"cert-manager.io/v1/Certificate", `{"apiVersion":"cert-manager.io/v1","kind":"Certificate","spec":{"uri":["spiffe://commonweal/x"]}}`},
		{"postgresql.cnpg.io/v1/Cluster", `{"apiVersion":"postgresql.cnpg.io/v1","kind":"Cluster","spec":{"instance":3}}`},
	} {
		strict, err := kjson.UnmarshalStrict([]byte(tc.json), kinds[tc.kind](), kjson.DisallowUnknownFields)
		if err == nil && len(strict) == 0 {
			t.Errorf("%s: a misspelt field decoded without error", tc.kind)
		}
	}
}

// workload is the pod template of a workload, for the checks common to Deployments and Jobs.
type workload struct {
	kind, name string
	pod        *corev1.PodTemplateSpec
}

func (m *manifests) workloads() []workload {
	var ws []workload
	for _, name := range sortedKeys(m.Deployments) {
		ws = append(ws, workload{"Deployment", name, &m.Deployments[name].Spec.Template})
	}
	for _, name := range sortedKeys(m.Jobs) {
		ws = append(ws, workload{"Job", name, &m.Jobs[name].Spec.Template})
	}
	return ws
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// selects reports whether sel selects the labels l.
func selects(t *testing.T, sel *metav1.LabelSelector, l map[string]string) bool {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatalf("selector %v: %v", sel, err)
	}
	return s.Matches(labels.Set(l))
}

// metav1Selector is a Service's selector as a label selector.
func metav1Selector(sel map[string]string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: sel}
}
