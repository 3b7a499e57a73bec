package kubernetes

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// adminSecret is the Secret with the database's admin role: the migration jobs' alone.
const adminSecret = "commonweal-db-admin"

// TestWorkloadsAreHardened: every pod of every overlay runs as non-root on a read-only root filesystem with
// no privilege escalation, no capabilities, the runtime's seccomp profile and no API token, with requests
// and limits; every Deployment has readiness and liveness probes (the services by the gRPC health protocol on
// the health listener; the gateway ready by GET /healthz, alive while it accepts connections).
func TestWorkloadsAreHardened(t *testing.T) {
	for _, dir := range append([]string{"base"}, overlays...) {
		m := build(t, dir)
		for _, w := range m.workloads() {
			where := fmt.Sprintf("%s: %s %s", dir, w.kind, w.name)
			spec := w.pod.Spec
			if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
				t.Errorf("%s: automountServiceAccountToken is not false", where)
			}
			psc := spec.SecurityContext
			if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
				t.Errorf("%s: the pod's securityContext lacks runAsNonRoot and seccompProfile RuntimeDefault: %+v", where, psc)
			}
			if spec.HostNetwork || spec.HostPID || spec.HostIPC {
				t.Errorf("%s: shares a host namespace", where)
			}
			if len(spec.InitContainers) > 0 || len(spec.Containers) != 1 {
				t.Errorf("%s: %d containers and %d init containers, want the binary alone", where, len(spec.Containers), len(spec.InitContainers))
			}
			for _, c := range spec.Containers {
				sc := c.SecurityContext
				switch {
				case sc == nil:
					t.Errorf("%s: container %s has no securityContext", where, c.Name)
				case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
					t.Errorf("%s: container %s: root filesystem not read-only", where, c.Name)
				case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
					t.Errorf("%s: container %s: allowPrivilegeEscalation is not false", where, c.Name)
				case sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0:
					t.Errorf("%s: container %s: capabilities are not drop [ALL]", where, c.Name)
				case sc.Privileged != nil && *sc.Privileged:
					t.Errorf("%s: container %s is privileged", where, c.Name)
				}
				for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
					if _, ok := c.Resources.Requests[r]; !ok {
						t.Errorf("%s: container %s has no %s request", where, c.Name, r)
					}
					if _, ok := c.Resources.Limits[r]; !ok {
						t.Errorf("%s: container %s has no %s limit", where, c.Name, r)
					}
				}
				for _, v := range c.VolumeMounts {
					if !v.ReadOnly {
						t.Errorf("%s: volume %s is mounted writable", where, v.Name)
					}
				}
				if w.kind != "Deployment" {
					continue
				}
				for probe, p := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
					switch {
					case p == nil:
						t.Errorf("%s: no %s probe", where, probe)
					case w.name == "gateway" && probe == "readiness" && (p.HTTPGet == nil || p.HTTPGet.Path != "/healthz" || p.HTTPGet.Port.String() != "http"):
						t.Errorf("%s: %s probe is not GET /healthz on the http port: %+v", where, probe, p.ProbeHandler)
					case w.name == "gateway" && probe == "liveness" && (p.TCPSocket == nil || p.TCPSocket.Port.String() != "http"):
						t.Errorf("%s: %s probe is not a connection to the http port (/healthz follows the services): %+v", where, probe, p.ProbeHandler)
					case w.name != "gateway" && (p.GRPC == nil || p.GRPC.Port != 8086):
						t.Errorf("%s: %s probe is not gRPC health on the health port 8086: %+v", where, probe, p.ProbeHandler)
					}
				}
			}
		}
	}
}

// env is what one container's environment says: values from env and ConfigMaps, and where the keys of
// Secrets come from.
type env struct {
	values  map[string]string   // literal or ConfigMap values
	secrets map[string][]string // Secret → the keys taken one by one (secretKeyRef); nil slice: all (envFrom)
}

// envOf resolves a container's environment against the ConfigMaps of m; a ConfigMap that is not in m fails.
func envOf(t *testing.T, m *manifests, where string, c corev1.Container) env {
	t.Helper()
	e := env{values: map[string]string{}, secrets: map[string][]string{}}
	for _, from := range c.EnvFrom {
		switch {
		case from.ConfigMapRef != nil:
			cm, ok := m.ConfigMaps[from.ConfigMapRef.Name]
			if !ok {
				t.Fatalf("%s: ConfigMap %s is not in the build", where, from.ConfigMapRef.Name)
			}
			for k, v := range cm.Data {
				e.values[from.Prefix+k] = v
			}
		case from.SecretRef != nil:
			e.secrets[from.SecretRef.Name] = nil
		}
	}
	for _, v := range c.Env {
		switch {
		case v.ValueFrom == nil:
			e.values[v.Name] = v.Value
		case v.ValueFrom.SecretKeyRef != nil:
			ref := v.ValueFrom.SecretKeyRef
			if keys, ok := e.secrets[ref.Name]; !ok || keys != nil {
				e.secrets[ref.Name] = append(keys, ref.Key)
			}
		case v.ValueFrom.ConfigMapKeyRef != nil:
			ref := v.ValueFrom.ConfigMapKeyRef
			e.values[v.Name] = m.ConfigMaps[ref.Name].Data[ref.Key]
		}
	}
	return e
}

// secretNames are every Secret a pod reads, by env, envFrom or volume.
func secretNames(p *corev1.PodTemplateSpec) []string {
	var names []string
	for _, c := range p.Spec.Containers {
		for _, f := range c.EnvFrom {
			if f.SecretRef != nil {
				names = append(names, f.SecretRef.Name)
			}
		}
		for _, v := range c.Env {
			if v.ValueFrom != nil && v.ValueFrom.SecretKeyRef != nil {
				names = append(names, v.ValueFrom.SecretKeyRef.Name)
			}
		}
	}
	for _, v := range p.Spec.Volumes {
		if v.Secret != nil {
			names = append(names, v.Secret.SecretName)
		}
		if v.Projected != nil {
			for _, s := range v.Projected.Sources {
				if s.Secret != nil {
					names = append(names, s.Secret.Name)
				}
			}
		}
	}
	return names
}

// TestOnlyMigrationJobsHoldTheAdminRole: per service a Job running `<svc> migrate` from the service's image
// with the admin Secret; no serving pod reads that Secret, and the DATABASE_URL they get names no user and no
// password (pkg/db CheckServe: `serve` connects as the service's own role).
func TestOnlyMigrationJobsHoldTheAdminRole(t *testing.T) {
	c := readCode(t, nil)
	for _, dir := range overlays {
		m := build(t, dir)
		for _, name := range sortedKeys(m.Deployments) {
			d := m.Deployments[name]
			if slices.Contains(secretNames(&d.Spec.Template), adminSecret) {
				t.Errorf("%s: Deployment %s reads the admin Secret %s", dir, name, adminSecret)
			}
			e := envOf(t, m, dir+": Deployment "+name, d.Spec.Template.Spec.Containers[0])
			for k, v := range e.values {
				if k == "DATABASE_URL" || strings.HasSuffix(k, "_DATABASE_URL") || k == "PGUSER" || k == "PGPASSWORD" {
					if k == "PGUSER" || k == "PGPASSWORD" {
						t.Errorf("%s: Deployment %s sets %s", dir, name, k)
						continue
					}
					u, err := url.Parse(v)
					if err != nil {
						t.Errorf("%s: Deployment %s: %s is not a URL", dir, name, k)
						continue
					}
					if u.User != nil || u.Query().Has("user") || u.Query().Has("password") {
						t.Errorf("%s: Deployment %s: %s carries credentials", dir, name, k)
					}
					if u.Query().Get("sslmode") != "verify-full" || u.Query().Get("sslrootcert") == "" {
						t.Errorf("%s: Deployment %s: %s is not sslmode=verify-full with sslrootcert", dir, name, k)
					}
				}
			}
		}
		for _, svc := range sortedKeys(c.ports) {
			job, ok := m.Jobs[svc+"-migrate"]
			if !ok {
				t.Errorf("%s: no migration Job %s-migrate", dir, svc)
				continue
			}
			ctr := job.Spec.Template.Spec.Containers[0]
			if !slices.Equal(ctr.Args, []string{"migrate"}) || len(ctr.Command) > 0 {
				t.Errorf("%s: Job %s-migrate runs %v %v, want the image's binary with [migrate]", dir, svc, ctr.Command, ctr.Args)
			}
			if d, ok := m.Deployments[svc]; !ok || d.Spec.Template.Spec.Containers[0].Image != ctr.Image {
				t.Errorf("%s: Job %s-migrate runs image %s, not the Deployment's", dir, svc, ctr.Image)
			} else if serve := d.Spec.Template.Spec.Containers[0]; !slices.Equal(serve.Args, []string{"serve"}) || len(serve.Command) > 0 {
				t.Errorf("%s: Deployment %s runs %v %v, want [serve]", dir, svc, serve.Command, serve.Args)
			}
			e := envOf(t, m, dir+": Job "+svc+"-migrate", ctr)
			if !slices.Equal(e.secrets[adminSecret], []string{"username", "password"}) {
				t.Errorf("%s: Job %s-migrate does not take PGUSER and PGPASSWORD from %s (%v)", dir, svc, adminSecret, e.secrets)
			}
			if e.values["DATABASE_URL"] == "" {
				t.Errorf("%s: Job %s-migrate has no DATABASE_URL", dir, svc)
			}
		}
		for _, name := range sortedKeys(m.Jobs) {
			if !strings.HasSuffix(name, "-migrate") {
				t.Errorf("%s: Job %s is not a migration", dir, name)
			}
		}
	}
}

// TestEveryBinaryHasItsCertificate: per binary a cert-manager Certificate from the suite's CA Issuer whose URI
// SAN names the binary (pkg/tlsconf), its Secret mounted read-only where TLS_*_FILE point.
func TestEveryBinaryHasItsCertificate(t *testing.T) {
	for _, dir := range overlays {
		m := build(t, dir)
		for _, name := range binaries(t) {
			cert, ok := m.Certificates[name]
			if !ok {
				t.Errorf("%s: no Certificate %s", dir, name)
				continue
			}
			if !slices.Equal(cert.Spec.URIs, []string{"spiffe://commonweal/" + name}) {
				t.Errorf("%s: Certificate %s has URIs %v, want spiffe://commonweal/%s", dir, name, cert.Spec.URIs, name)
			}
			if issuer, ok := m.Issuers[cert.Spec.IssuerRef.Name]; !ok || issuer.Spec.CA == nil {
				t.Errorf("%s: Certificate %s is not issued by the suite's CA Issuer", dir, name)
			}
			wantUsages := []string{"server auth", "client auth"}
			if name == "gateway" {
				wantUsages = []string{"client auth"}
			}
			if !slices.Equal(cert.Spec.Usages, wantUsages) {
				t.Errorf("%s: Certificate %s usages %v, want %v", dir, name, cert.Spec.Usages, wantUsages)
			}
			d := m.Deployments[name]
			if d == nil {
				continue
			}
			mounted := ""
			for _, v := range d.Spec.Template.Spec.Volumes {
				if v.Secret != nil && v.Secret.SecretName == cert.Spec.SecretName {
					for _, vm := range d.Spec.Template.Spec.Containers[0].VolumeMounts {
						if vm.Name == v.Name && vm.ReadOnly {
							mounted = vm.MountPath
						}
					}
				}
			}
			if mounted == "" {
				t.Errorf("%s: Deployment %s does not mount its certificate's Secret %s read-only", dir, name, cert.Spec.SecretName)
				continue
			}
			e := envOf(t, m, dir+": Deployment "+name, d.Spec.Template.Spec.Containers[0])
			for k, file := range map[string]string{"TLS_CERT_FILE": "tls.crt", "TLS_KEY_FILE": "tls.key", "TLS_CA_FILE": "ca.crt"} {
				if e.values[k] != mounted+"/"+file {
					t.Errorf("%s: Deployment %s: %s=%q, want %s/%s", dir, name, k, e.values[k], mounted, file)
				}
			}
		}
	}
}

// TestAddressesMatchTheCode: each service listens on its pkg/addrs port behind a headless Service of that
// port, and every binary reaches each peer the code names at dns:///<peer>:<port> (round_robin over the
// headless Service's pods); the health and metrics listeners are where the probes and Prometheus look.
func TestAddressesMatchTheCode(t *testing.T) {
	c := readCode(t, nil)
	for _, dir := range overlays {
		m := build(t, dir)
		for _, name := range binaries(t) {
			d, ok := m.Deployments[name]
			if !ok {
				t.Errorf("%s: no Deployment %s", dir, name)
				continue
			}
			e := envOf(t, m, dir+": Deployment "+name, d.Spec.Template.Spec.Containers[0])
			want := map[string]string{"ADMIN_ADDR": "0.0.0.0:9464"}
			if name == "gateway" {
				want["GATEWAY_ADDR"] = "0.0.0.0:8080"
			} else {
				want[strings.ToUpper(name)+"_GRPC_ADDR"] = fmt.Sprintf("0.0.0.0:%d", c.ports[name])
				want["HEALTH_ADDR"] = "0.0.0.0:8086"
				svc, ok := m.Services[name]
				if !ok || svc.Spec.ClusterIP != corev1.ClusterIPNone || len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != c.ports[name] {
					t.Errorf("%s: no headless Service %s on port %d", dir, name, c.ports[name])
				} else if !selects(t, metav1Selector(svc.Spec.Selector), d.Spec.Template.Labels) {
					t.Errorf("%s: Service %s does not select Deployment %s's pods", dir, name, name)
				}
			}
			for _, peer := range c.calls[name] {
				want[strings.ToUpper(peer)+"_ADDR"] = fmt.Sprintf("dns:///%s:%d", peer, c.ports[peer])
			}
			for k, v := range want {
				if e.values[k] != v {
					t.Errorf("%s: Deployment %s: %s=%q, want %q", dir, name, k, e.values[k], v)
				}
			}
			ports := map[string]int32{}
			for _, p := range d.Spec.Template.Spec.Containers[0].Ports {
				ports[p.Name] = p.ContainerPort
			}
			if ports["metrics"] != 9464 || d.Spec.Template.Annotations["prometheus.io/port"] != "9464" {
				t.Errorf("%s: Deployment %s does not expose metrics on 9464: %v %v", dir, name, ports, d.Spec.Template.Annotations)
			}
		}
	}
}

// TestAvailability: a PodDisruptionBudget per Deployment, HorizontalPodAutoscalers for the gateway and
// reviews, the Ingress to the gateway's Service, and in production at least two replicas of everything
// and three PostgreSQL instances.
func TestAvailability(t *testing.T) {
	for _, dir := range overlays {
		m := build(t, dir)
		for _, name := range sortedKeys(m.Deployments) {
			d := m.Deployments[name]
			covered := false
			for _, pdb := range m.PDBs {
				covered = covered || selects(t, pdb.Spec.Selector, d.Spec.Template.Labels)
			}
			if !covered {
				t.Errorf("%s: no PodDisruptionBudget covers Deployment %s", dir, name)
			}
			if hpa, ok := m.HPAs[name]; ok {
				if d.Spec.Replicas != nil {
					t.Errorf("%s: Deployment %s sets replicas, which its HorizontalPodAutoscaler owns", dir, name)
				}
				if dir == "overlays/production" && (hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < 2) {
					t.Errorf("%s: HorizontalPodAutoscaler %s allows fewer than 2 replicas", dir, name)
				}
			} else if dir == "overlays/production" && (d.Spec.Replicas == nil || *d.Spec.Replicas < 2) {
				t.Errorf("%s: Deployment %s has fewer than 2 replicas", dir, name)
			}
		}
		for _, name := range []string{"gateway", "reviews"} {
			hpa, ok := m.HPAs[name]
			if !ok || hpa.Spec.ScaleTargetRef.Kind != "Deployment" || hpa.Spec.ScaleTargetRef.Name != name || m.Deployments[name] == nil {
				t.Errorf("%s: no HorizontalPodAutoscaler of Deployment %s", dir, name)
			}
		}
		ing, ok := m.Ingresses["gateway"]
		if !ok || len(ing.Spec.Rules) != 1 || ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Name != "gateway" {
			t.Errorf("%s: no Ingress to the gateway's Service", dir)
		} else if svc := m.Services["gateway"]; svc == nil || svc.Spec.Ports[0].Name != ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Port.Name {
			t.Errorf("%s: the Ingress names a port the gateway's Service does not have", dir)
		}
		if dir == "overlays/production" {
			for name, cl := range m.Clusters {
				if cl.Spec.Instances < 3 {
					t.Errorf("%s: Cluster %s has %d instances, want at least 3", dir, name, cl.Spec.Instances)
				}
			}
			if ing != nil && (len(ing.Spec.TLS) == 0 || ing.Spec.Rules[0].Host == "") {
				t.Errorf("%s: the Ingress has no host and TLS", dir)
			}
		}
	}
}

// required are the settings each binary needs in production (`<binary> -h`: the secrets with development
// defaults, and what production refuses to start without), beyond the addresses TestAddressesMatchTheCode
// checks.
func required(name string) []string {
	tls := []string{"TLS_CERT_FILE", "TLS_KEY_FILE", "TLS_CA_FILE"}
	if name == "gateway" {
		return append(tls, "GATEWAY_IDENTITY_KEY", "JWT_ISSUER", "JWT_AUDIENCE", "JWT_JWKS_URL", "TRUSTED_PROXIES")
	}
	r := append(tls, "DATABASE_URL", strings.ToUpper(name)+"_DB_PASSWORD", "GATEWAY_IDENTITY_PUBLIC_KEY", "DATA_ENCRYPTION_KEY", "PAGE_TOKEN_KEY")
	if name == "reviews" {
		r = append(r, "VOTER_HMAC_KEY", "VOTER_CODE_SENDER", "VOTER_CODE_WEBHOOK_URL", "VOTER_CODE_WEBHOOK_SECRET")
	}
	return r
}

// documentedSecrets reads the Secrets deploy/README.md tells an operator to create: lines
// "- Secret `name`: `KEY`, `KEY`, …".
func documentedSecrets(t *testing.T) map[string][]string {
	readme, err := readFile("deploy/README.md")
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile("(?m)^- Secret `([a-z0-9-]+)`[^:]*: (.*)$")
	key := regexp.MustCompile("`([A-Za-z0-9_]+)`")
	secrets := map[string][]string{}
	for _, l := range line.FindAllStringSubmatch(readme, -1) {
		for _, k := range key.FindAllStringSubmatch(l[2], -1) {
			secrets[l[1]] = append(secrets[l[1]], k[1])
		}
	}
	if len(secrets) == 0 {
		t.Fatal("deploy/README.md lists no Secret (lines \"- Secret `name`: `KEY`, …\")")
	}
	return secrets
}

// TestProductionSettingsAreComplete: in production every binary (and each migration job) gets every required
// setting, from a ConfigMap of the build or from a Secret deploy/README.md tells the operator to create with
// that key; the Secrets the workloads read are exactly the documented ones, those cert-manager makes
// (<binary>-tls) and the database's CA.
func TestProductionSettingsAreComplete(t *testing.T) {
	m := build(t, "overlays/production")
	docs := documentedSecrets(t)
	made := map[string]bool{"commonweal-db-ca": true}
	for _, cert := range m.Certificates {
		made[cert.Spec.SecretName] = true
	}
	read := map[string]bool{}
	for _, w := range m.workloads() {
		where := "production: " + w.kind + " " + w.name
		for _, s := range secretNames(w.pod) {
			read[s] = true
			if _, ok := docs[s]; !ok && !made[s] {
				t.Errorf("%s reads Secret %s, which deploy/README.md does not list", where, s)
			}
		}
		e := envOf(t, m, where, w.pod.Spec.Containers[0])
		name := strings.TrimSuffix(w.name, "-migrate")
		reqs := required(name)
		if w.kind == "Job" {
			// `<svc> migrate` requires only the database's secrets (pkg/service); the keys the service serves
			// with must stay out of the job.
			reqs = []string{"DATABASE_URL", strings.ToUpper(name) + "_DB_PASSWORD"}
			for _, k := range []string{"GATEWAY_IDENTITY_PUBLIC_KEY", "DATA_ENCRYPTION_KEY", "PAGE_TOKEN_KEY", "VOTER_HMAC_KEY"} {
				for s, keys := range e.secrets {
					if keys == nil && slices.Contains(docs[s], k) || slices.Contains(keys, k) {
						t.Errorf("%s: gets %s (Secret %s), which migrate does not need", where, k, s)
					}
				}
			}
		}
		for _, k := range reqs {
			if e.values[k] != "" {
				continue
			}
			found := false
			for s, keys := range e.secrets {
				if keys == nil {
					keys = docs[s]
				}
				found = found || slices.Contains(keys, k) && slices.Contains(docs[s], k)
			}
			if !found {
				t.Errorf("%s: %s is set by no ConfigMap and no documented Secret key", where, k)
			}
		}
	}
	for _, cl := range m.Clusters {
		for _, ref := range []*NameReference{cl.Spec.Bootstrap.InitDB.Secret, cl.Spec.Managed.Roles[0].PasswordSecret} {
			if ref != nil && !slices.Equal(docs[ref.Name], []string{"username", "password"}) {
				t.Errorf("Cluster %s reads Secret %s, which deploy/README.md does not list with `username`, `password`", cl.Name, ref.Name)
			}
			read[ref.Name] = true
		}
	}
	for s := range docs {
		if !read[s] {
			t.Errorf("deploy/README.md lists Secret %s, which no workload reads", s)
		}
	}
}
