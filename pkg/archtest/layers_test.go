package archtest

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/commonweal/commonweal/"

// allowed lists, per layer, the layers of the same service it may import.
var allowed = map[string][]string{
	"domain":  {},
	"app":     {"domain"},
	"api":     {"app", "domain"},
	"store":   {"app", "domain"},
	"clients": {"app", "domain"},
}

// forbiddenExternal lists import prefixes a layer must not use: the domain is pure, the use cases know no
// SQL and no wire format.
var forbiddenExternal = map[string][]string{
	"domain": {"github.com/jackc/", "google.golang.org/grpc", "google.golang.org/protobuf", module + "gen/", module + "pkg/db", module + "pkg/idempotency", module + "pkg/outbox"},
	"app":    {"github.com/jackc/", "google.golang.org/grpc", module + "gen/", module + "pkg/db", module + "pkg/grpcerr", module + "pkg/outbox"},
}

type pkgInfo struct {
	ImportPath string
	Imports    []string
}

// layerOf splits services/<svc>/internal/<layer>/... into the service and the layer.
func layerOf(path string) (svc, layer string, ok bool) {
	rest, found := strings.CutPrefix(path, module+"services/")
	if !found {
		return "", "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) < 3 || parts[1] != "internal" {
		return parts[0], "", true
	}
	return parts[0], parts[2], true
}

func listServices(t *testing.T) []pkgInfo {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	mods, err := filepath.Glob(filepath.Join(root, "services", "*", "go.mod"))
	if err != nil || len(mods) == 0 {
		t.Fatalf("no service modules under %s/services: %v", root, err)
	}
	args := []string{"list", "-test", "-json=ImportPath,Imports"}
	for _, m := range mods {
		rel, _ := filepath.Rel(root, filepath.Dir(m))
		args = append(args, "./"+rel+"/...")
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkgInfo
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p pkgInfo
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// violations returns every import of pkgs that breaks the layering.
func violations(pkgs []pkgInfo) []string {
	var bad []string
	for _, p := range pkgs {
		path := strings.Fields(p.ImportPath)[0]                                   // "x [x.test]" for test variants
		if strings.HasSuffix(path, ".test") || strings.HasSuffix(path, "_test") { // test mains and external test packages wire anything
			continue
		}
		svc, layer, ok := layerOf(path)
		if !ok {
			continue
		}
		testVariant := strings.Contains(p.ImportPath, "[")
		for _, imp := range p.Imports {
			isvc, ilayer, internal := layerOf(imp)
			switch {
			case internal && isvc != svc:
				bad = append(bad, path+" imports another service: "+imp)
			case internal && layer != "" && ilayer != layer && !contains(allowed[layer], ilayer) && !testVariant:
				bad = append(bad, path+" ("+layer+") imports "+imp+" ("+ilayer+")")
			case !internal && !testVariant:
				for _, f := range forbiddenExternal[layer] {
					if strings.HasPrefix(imp, f) {
						bad = append(bad, path+" ("+layer+") imports "+imp)
					}
				}
			}
		}
		if _, known := allowed[layer]; layer != "" && !known {
			bad = append(bad, path+": unknown layer "+layer+" (want one of domain, app, api, store, clients)")
		}
	}
	return bad
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestServiceLayers fails when a package of a service imports a layer it must not.
func TestServiceLayers(t *testing.T) {
	pkgs := listServices(t)
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages under services/", len(pkgs))
	}
	for _, v := range violations(pkgs) {
		t.Error(v)
	}
}

// TestViolationsDetected checks the rule itself on made-up packages, so a broken rule cannot pass silently.
func TestViolationsDetected(t *testing.T) {
	s := module + "services/donations/internal/"
	cases := []struct {
		name string
		pkg  pkgInfo
		bad  bool
	}{
		{"app imports store", pkgInfo{s + "app", []string{s + "store"}}, true},
		{"api imports store", pkgInfo{s + "api", []string{s + "store", s + "app"}}, true},
		{"domain imports app", pkgInfo{s + "domain", []string{s + "app"}}, true},
		{"domain imports pgx", pkgInfo{s + "domain", []string{"github.com/jackc/pgx/v5"}}, true},
		{"app imports generated proto", pkgInfo{s + "app", []string{module + "gen/go/commonweal/donations/v1"}}, true},
		{"service imports another", pkgInfo{s + "clients", []string{module + "services/applications/internal/domain"}}, true},
		{"api imports app and domain", pkgInfo{s + "api", []string{s + "app", s + "domain", module + "gen/go/commonweal/donations/v1"}}, false},
		{"store imports domain and pgx", pkgInfo{s + "store", []string{s + "domain", "github.com/jackc/pgx/v5"}}, false},
		{"app test imports store", pkgInfo{s + "app [" + s + "app.test]", []string{s + "store"}}, false},
		{"main wires everything", pkgInfo{module + "services/donations", []string{s + "store", s + "api"}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := violations([]pkgInfo{c.pkg})
			if (len(got) > 0) != c.bad {
				t.Errorf("violations = %v, want bad=%v", got, c.bad)
			}
		})
	}
}
