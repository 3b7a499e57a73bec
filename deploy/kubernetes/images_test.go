package kubernetes

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDockerfileBuildsEveryBinary: the one Dockerfile builds each binary statically and reproducibly with the
// Go release go.work names, onto distroless static as non-root; the overlays' images are those binaries'.
func TestDockerfileBuildsEveryBinary(t *testing.T) {
	df, err := readFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	work, err := readFile("go.work")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindStringSubmatch(work)
	if goVersion == nil || !strings.Contains(df, "ARG GO_VERSION="+goVersion[1]+"\n") || !strings.Contains(df, "GOTOOLCHAIN=go${GO_VERSION}") {
		t.Errorf("the Dockerfile does not pin go.work's Go release (%v) with GOTOOLCHAIN", goVersion)
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-ldflags=-buildid=", "GOFLAGS=-buildvcs=false", "USER 65532:65532"} {
		if !strings.Contains(df, want) {
			t.Errorf("the Dockerfile lacks %s", want)
		}
	}
	froms := regexp.MustCompile(`(?m)^FROM (\S+)`).FindAllStringSubmatch(df, -1)
	if len(froms) == 0 || froms[len(froms)-1][1] != "gcr.io/distroless/static-debian12:nonroot" {
		t.Errorf("the final stage is %v, want gcr.io/distroless/static-debian12:nonroot", froms)
	}
	cases := regexp.MustCompile(`(?m)^\s+([a-z|]+)\) pkg=`).FindAllStringSubmatch(df, -1)
	var built []string
	for _, c := range cases {
		built = append(built, strings.Split(c[1], "|")...)
	}
	slices.Sort(built)
	if !slices.Equal(built, binaries(t)) {
		t.Errorf("the Dockerfile builds %v, want every binary %v", built, binaries(t))
	}
	for _, dir := range overlays {
		m := build(t, dir)
		for _, w := range m.workloads() {
			image := w.pod.Spec.Containers[0].Image
			name := strings.TrimSuffix(w.name, "-migrate")
			if !regexp.MustCompile(`/commonweal/` + name + `:[^:]+$`).MatchString(image) {
				t.Errorf("%s: %s %s runs image %s, want <registry>/commonweal/%s:<tag>", dir, w.kind, w.name, image, name)
			}
		}
	}
}

// TestDevIsSelfContained: the dev overlay makes every Secret its pods read, but those cert-manager and
// CloudNativePG make.
func TestDevIsSelfContained(t *testing.T) {
	m := build(t, "overlays/dev")
	made := map[string]bool{"commonweal-db-ca": true}
	for _, cert := range m.Certificates {
		made[cert.Spec.SecretName] = true
	}
	for _, w := range m.workloads() {
		for _, s := range secretNames(w.pod) {
			if _, ok := m.Secrets[s]; !ok && !made[s] {
				t.Errorf("dev: %s %s reads Secret %s, which the overlay does not make", w.kind, w.name, s)
			}
		}
	}
	for _, cl := range m.Clusters {
		if _, ok := m.Secrets[cl.Spec.Bootstrap.InitDB.Secret.Name]; !ok {
			t.Errorf("dev: Cluster %s reads Secret %s, which the overlay does not make", cl.Name, cl.Spec.Bootstrap.InitDB.Secret.Name)
		}
	}
}
