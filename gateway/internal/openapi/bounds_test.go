package openapi

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/commonweal/commonweal/gateway/internal/openapi/build"
	"github.com/commonweal/commonweal/pkg/bounds"
)

// TestEveryRequestFieldIsBounded walks every message reachable from an RPC's request and fails naming each
// string, bytes, repeated or map field without a documented maximum (ARCHITECTURE: bounded input).
func TestEveryRequestFieldIsBounded(t *testing.T) {
	rpcs := build.Methods()
	if len(rpcs) < 100 {
		t.Fatalf("only %d RPCs registered", len(rpcs))
	}
	seen := map[protoreflect.FullName]bool{}
	var missing []string
	var visit func(md protoreflect.MessageDescriptor)
	visit = func(md protoreflect.MessageDescriptor) {
		if seen[md.FullName()] || !strings.HasPrefix(string(md.FullName()), "commonweal.") {
			return
		}
		seen[md.FullName()] = true
		for i := 0; i < md.Fields().Len(); i++ {
			fd := md.Fields().Get(i)
			l := bounds.Of(fd)
			kind := fd.Kind()
			switch {
			case fd.IsMap():
				kind = fd.MapValue().Kind()
				if l.MaxProperties == 0 {
					missing = append(missing, fmt.Sprintf("%s: a map without max_properties", fd.FullName()))
				}
			case fd.IsList() && l.MaxItems == 0:
				missing = append(missing, fmt.Sprintf("%s: a list without max_items", fd.FullName()))
			}
			if (kind == protoreflect.StringKind || kind == protoreflect.BytesKind) && l.MaxLength == 0 {
				missing = append(missing, fmt.Sprintf("%s: %s without max_length", fd.FullName(), kind))
			}
			switch {
			case fd.IsMap() && fd.MapValue().Message() != nil:
				visit(fd.MapValue().Message())
			case !fd.IsMap() && fd.Message() != nil:
				visit(fd.Message())
			}
		}
	}
	for _, md := range rpcs {
		visit(md.Input())
	}
	if len(seen) < 100 {
		t.Fatalf("only %d request messages visited", len(seen))
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Error(m)
	}
}

// TestParametersCarryBounds checks the maxima in the served document: body fields (from the generator) and
// path and query parameters (added by Document).
func TestParametersCarryBounds(t *testing.T) {
	raw, err := Document(false)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Parameters  []struct {
				Name      string `json:"name"`
				In        string `json:"in"`
				MaxLength int    `json:"maxLength"`
				MaxItems  int    `json:"maxItems"`
				Items     struct {
					MaxLength int `json:"maxLength"`
				} `json:"items"`
			} `json:"parameters"`
		} `json:"paths"`
		Definitions map[string]struct {
			Properties map[string]struct {
				MaxLength     int `json:"maxLength"`
				MaxItems      int `json:"maxItems"`
				MaxProperties int `json:"maxProperties"`
			} `json:"properties"`
		} `json:"definitions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	param := func(path, method, name string) (maxLength, maxItems, itemLength int) {
		for _, p := range doc.Paths[path][method].Parameters {
			if p.Name == name {
				return p.MaxLength, p.MaxItems, p.Items.MaxLength
			}
		}
		t.Fatalf("%s %s has no parameter %s", method, path, name)
		return
	}
	if l, _, _ := param("/v1/rounds", "get", "pageToken"); l != 512 {
		t.Errorf("ListRounds pageToken: maxLength %d, want 512", l)
	}
	if l, _, _ := param("/v1/rounds/{roundId}", "get", "roundId"); l != 64 {
		t.Errorf("GetRound roundId: maxLength %d, want 64", l)
	}
	if l := doc.Definitions["v1Document"].Properties["title"].MaxLength; l != 200 {
		t.Errorf("Document.title: maxLength %d, want 200", l)
	}
	if n := doc.Definitions["v1Document"].Properties["attachments"].MaxItems; n != 50 {
		t.Errorf("Document.attachments: maxItems %d, want 50", n)
	}
	// Every string, bytes or list parameter of the API documents its maximum.
	rpcs := build.Methods()
	checked := 0
	for path, ops := range doc.Paths {
		for method, op := range ops {
			md, ok := rpcs[op.OperationID]
			if !ok {
				continue
			}
			for _, p := range op.Parameters {
				if p.In != "query" && p.In != "path" {
					continue
				}
				fd := build.FieldByJSONPath(md.Input(), p.Name)
				if fd == nil {
					t.Errorf("%s %s: parameter %s is no field of %s", method, path, p.Name, md.Input().FullName())
					continue
				}
				textual := fd.Kind() == protoreflect.StringKind || fd.Kind() == protoreflect.BytesKind
				switch {
				case fd.IsList() && (p.MaxItems == 0 || textual && p.Items.MaxLength == 0):
					t.Errorf("%s %s: list parameter %s has no maxItems or item maxLength", method, path, p.Name)
				case !fd.IsList() && textual && p.MaxLength == 0:
					t.Errorf("%s %s: parameter %s has no maxLength", method, path, p.Name)
				case textual || fd.IsList():
					checked++
				}
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d bounded parameters checked", checked)
	}
}
