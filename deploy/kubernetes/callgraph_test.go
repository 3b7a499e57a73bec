package kubernetes

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// repo is the repository's root, from this directory.
const repo = "../.."

// code is what the code declares about the suite's network: which binary calls which, and the services'
// gRPC ports.
type code struct {
	// calls: binary → the services it calls (service.Spec.Peers; the gateway's backends).
	calls map[string][]string
	// ports: service → its gRPC port (pkg/addrs.Default).
	ports map[string]int32
}

// readCode parses the code; sources replaces a file's contents (by path relative to the repository) for the
// tests that prove a change in the code fails the checks.
func readCode(t *testing.T, sources map[string]string) code {
	t.Helper()
	read := func(path string) *ast.File {
		var src any
		if s, ok := sources[path]; ok {
			src = s
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(repo, path), src, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", path, err)
		}
		return f
	}
	c := code{calls: map[string][]string{}, ports: map[string]int32{}}
	// pkg/addrs: var Default = map[string]string{"applications": "127.0.0.1:9101", ...}
	for _, kv := range compositeNamed(read("pkg/addrs/addrs.go"), "Default") {
		name, addr := stringLit(t, kv.(*ast.KeyValueExpr).Key), stringLit(t, kv.(*ast.KeyValueExpr).Value)
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatalf("pkg/addrs: %s: %v", name, err)
		}
		p, _ := strconv.Atoi(port)
		c.ports[name] = int32(p)
	}
	// gateway/main.go: var services = []struct{name string; ...}{{"applications", ...}, ...}
	c.calls["gateway"] = []string{}
	for _, elt := range compositeNamed(read("gateway/main.go"), "services") {
		c.calls["gateway"] = append(c.calls["gateway"], stringLit(t, elt.(*ast.CompositeLit).Elts[0]))
	}
	// services/<svc>/main.go: service.Spec{Name: "<svc>", ..., Peers: []string{...}}
	dirs, err := os.ReadDir(filepath.Join(repo, "services"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		path := "services/" + d.Name() + "/main.go"
		if _, err := os.Stat(filepath.Join(repo, path)); err != nil {
			continue
		}
		found := false
		ast.Inspect(read(path), func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			if sel, ok := lit.Type.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Spec" {
				return true
			}
			var name string
			peers := []string{}
			for _, e := range lit.Elts {
				kv := e.(*ast.KeyValueExpr)
				switch kv.Key.(*ast.Ident).Name {
				case "Name":
					name = stringLit(t, kv.Value)
				case "Peers":
					for _, p := range kv.Value.(*ast.CompositeLit).Elts {
						peers = append(peers, stringLit(t, p))
					}
				}
			}
			if name != d.Name() {
				t.Fatalf("%s: service.Spec names %q", path, name)
			}
			c.calls[name], found = peers, true
			return false
		})
		if !found {
			t.Fatalf("%s: no service.Spec literal found", path)
		}
	}
	return c
}

// compositeNamed returns the elements of the composite literal assigned to the package-level var name.
func compositeNamed(f *ast.File, name string) []ast.Expr {
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, spec := range gen.Specs {
			vs, ok := spec.(*ast.ValueSpec)
			if ok && len(vs.Names) == 1 && vs.Names[0].Name == name && len(vs.Values) == 1 {
				if lit, ok := vs.Values[0].(*ast.CompositeLit); ok {
					return lit.Elts
				}
			}
		}
	}
	return nil
}

func stringLit(t *testing.T, e ast.Expr) string {
	t.Helper()
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		t.Fatalf("want a string literal, got %T at %v", e, e.Pos())
	}
	s, err := strconv.Unquote(lit.Value)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// binaries are the suite's binaries: the gateway and every service.
func binaries(t *testing.T) []string {
	c := readCode(t, nil)
	names := make([]string, 0, len(c.calls))
	for name := range c.calls {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// has reports whether from calls to.
func (c code) has(from, to string) bool {
	for _, p := range c.calls[from] {
		if p == to {
			return true
		}
	}
	return false
}

func (c code) String() string { return fmt.Sprint(c.calls) }

func TestCodeIsRead(t *testing.T) {
	c := readCode(t, nil)
	if len(c.calls) != 6 || len(c.calls["gateway"]) != 5 || len(c.ports) != 5 {
		t.Fatalf("read %v and ports %v: want the gateway, five services and their ports", c.calls, c.ports)
	}
	for from, peers := range c.calls {
		for _, p := range peers {
			if _, ok := c.ports[p]; !ok {
				t.Errorf("%s calls %s, which has no address in pkg/addrs", from, p)
			}
		}
	}
}

func readFile(path string) (string, error) {
	b, err := os.ReadFile(filepath.Join(repo, path))
	return string(b), err
}
