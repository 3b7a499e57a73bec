package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Every request the suite's helpers send (Do, DoInvalid, download, health) and every answer is checked against
// the OpenAPI 3 document the gateway serves (/openapi.v3.json), the one partners generate clients from: the
// route and method must be in it, the request must match its parameters, headers, security and body schema,
// and the answer must have a declared status and match its schema (a field sent as null where the document
// says string, an enum value the document does not list, ...). A test fails naming each violation: method,
// route, and what was wrong.

// badInputHeader marks a request a test sends invalid on purpose (DoInvalid): only its answer is checked.
// Do removes it before the request leaves.
const badInputHeader = "X-E2e-Bad-Input"

// DoInvalid is Do for a request that is deliberately outside the document (bad input, a missing token, a
// route that does not exist): the answer must still match the document.
func (s *Suite) DoInvalid(method, path, token string, body any, headers ...string) (int, map[string]any) {
	s.t.Helper()
	return s.Do(method, path, token, body, append(append([]string{}, headers...), badInputHeader, "1")...)
}

// apiCheck is one suite's validator: the served document's router and the violations found so far.
type apiCheck struct {
	once   sync.Once
	router routers.Router
	err    error

	mu         sync.Mutex
	violations map[string]int // "METHOD route: problem" → times seen
}

var apiChecks sync.Map // *Suite → *apiCheck

// api returns the suite's validator, loading the served document on first use and reporting the violations
// when the test ends.
func (s *Suite) api() *apiCheck {
	c, loaded := apiChecks.LoadOrStore(s, &apiCheck{violations: map[string]int{}})
	check := c.(*apiCheck)
	if !loaded {
		s.t.Cleanup(func() {
			apiChecks.Delete(s)
			check.report(s)
		})
	}
	check.once.Do(func() {
		resp, err := s.Client.Get(s.URL + "/openapi.v3.json")
		if err != nil {
			check.err = err
			return
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			check.err = err
			return
		}
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(raw)
		if err != nil {
			check.err = fmt.Errorf("loading /openapi.v3.json: %w", err)
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			check.err = fmt.Errorf("/openapi.v3.json is not valid OpenAPI 3: %w", err)
			return
		}
		check.router, check.err = gorillamux.NewRouter(doc)
	})
	return check
}

// report fails the test with every violation its requests met.
func (c *apiCheck) report(s *Suite) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		s.t.Errorf("OpenAPI validation: %v", c.err)
		return
	}
	if len(c.violations) == 0 {
		return
	}
	lines := make([]string, 0, len(c.violations))
	for v, n := range c.violations {
		if n > 1 {
			v += fmt.Sprintf(" (%d times)", n)
		}
		lines = append(lines, v)
	}
	sort.Strings(lines)
	s.t.Errorf("%d requests or answers differ from /openapi.v3.json:\n%s", len(lines), strings.Join(lines, "\n"))
}

// markedInvalid reports whether req was sent by DoInvalid, and removes the mark.
func markedInvalid(req *http.Request) bool {
	bad := req.Header.Get(badInputHeader) != ""
	req.Header.Del(badInputHeader)
	return bad
}

// checkAPI validates one exchange: the request unless the test sent it invalid on purpose, and the answer.
// req's body is read again through GetBody (http.NewRequest sets it for in-memory bodies).
func (s *Suite) checkAPI(req *http.Request, badInput bool, resp *http.Response, body []byte) {
	c := s.api()
	if c.err != nil {
		return // reported once at the end
	}
	// The route as the document names it (e.g. /v1/rounds/{roundId}), for the report.
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		if !badInput || resp.StatusCode < 400 {
			c.add(req.Method, req.URL.Path, fmt.Sprintf("not in the document (answered %d): %v", resp.StatusCode, err))
		}
		return
	}
	name := route.Path
	ctx := context.Background()
	opts := &openapi3filter.Options{
		MultiError:            true,
		IncludeResponseStatus: true,
		AuthenticationFunc: func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
			if in.SecuritySchemeName == "bearer" && strings.HasPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ") {
				return nil
			}
			return errors.New("no bearer token")
		},
	}
	in := &openapi3filter.RequestValidationInput{Request: req.Clone(ctx), PathParams: params, Route: route, Options: opts}
	if req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			in.Request.Body = b
		}
	}
	if !badInput {
		if route.Operation.RequestBody != nil && in.Request.Body != nil {
			if raw, err := io.ReadAll(in.Request.Body); err == nil {
				// The validator re-reads the body through GetBody (e.g. after the security check).
				body := camelCase(raw, route.Operation.RequestBody.Value)
				in.Request.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
				in.Request.Body, _ = in.Request.GetBody()
				in.Request.ContentLength = int64(len(body))
			}
		}
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			for _, e := range flatten(err) {
				c.add(req.Method, name, "request: "+e)
			}
		}
	}
	// A file answer (text/csv, a spreadsheet) is checked for its declared media type; its bytes are the file.
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		declared := false
		if r := route.Operation.Responses.Status(resp.StatusCode); r != nil && r.Value != nil {
			declared = r.Value.Content.Get(mt) != nil
		}
		if !declared {
			c.add(req.Method, name, fmt.Sprintf("answer %d: media type %q not declared", resp.StatusCode, mt))
		}
		return
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Options: opts}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		for _, e := range flatten(err) {
			c.add(req.Method, name, fmt.Sprintf("answer %d: %s", resp.StatusCode, e))
		}
	}
}

func (c *apiCheck) add(method, route, problem string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.violations[method+" "+route+": "+problem]++
}

// flatten splits a validation error into one line per problem, each naming the field where known.
func flatten(err error) []string {
	var multi openapi3.MultiError
	if errors.As(err, &multi) {
		var out []string
		for _, e := range multi {
			out = append(out, flatten(e)...)
		}
		return out
	}
	var req *openapi3filter.RequestError
	if errors.As(err, &req) && req.Err != nil {
		prefix := ""
		if req.Parameter != nil {
			prefix = req.Parameter.In + " parameter " + req.Parameter.Name + ": "
		}
		var out []string
		for _, e := range flatten(req.Err) {
			out = append(out, prefix+e)
		}
		return out
	}
	var schema *openapi3.SchemaError
	if errors.As(err, &schema) {
		field := "/" + strings.Join(schema.JSONPointer(), "/")
		return []string{fmt.Sprintf("%s: %s", field, schema.Reason)}
	}
	var resp *openapi3filter.ResponseError
	if errors.As(err, &resp) && resp.Err != nil {
		return flatten(resp.Err)
	}
	return []string{strings.ReplaceAll(err.Error(), "\n", " ")}
}

// camelCase rewrites the field names of a JSON request body that are written in snake_case (org_id), which the
// gateway accepts as protojson does, to the lowerCamelCase names the document lists (orgId), so that the body
// is checked field by field; likewise an int64 written as a JSON number becomes the string the document states. Only names that are not properties of their schema but whose lowerCamelCase form
// is are renamed: map keys (criteria's "PUBLIC_BENEFIT") stay as they are.
func camelCase(raw []byte, body *openapi3.RequestBody) []byte {
	mt := body.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return raw
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return raw // the validator reports it
	}
	out, err := json.Marshal(renameFields(v, mt.Schema.Value))
	if err != nil {
		return raw
	}
	return out
}

func renameFields(v any, schema *openapi3.Schema) any {
	if schema == nil {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			if _, ok := schema.Properties[k]; !ok && len(schema.Properties) > 0 {
				if camel := lowerCamel(k); schema.Properties[camel] != nil {
					k = camel
				}
			}
			var sub *openapi3.Schema
			if p := schema.Properties[k]; p != nil {
				sub = p.Value
			} else if ap := schema.AdditionalProperties.Schema; ap != nil {
				sub = ap.Value
			}
			out[k] = renameFields(val, sub)
		}
		return out
	case []any:
		if schema.Items == nil {
			return x
		}
		for i := range x {
			x[i] = renameFields(x[i], schema.Items.Value)
		}
		return x
	case json.Number:
		// protojson takes an int64 as a number too; the document states the string form it answers with.
		if schema.Type.Is("string") && (schema.Format == "int64" || schema.Format == "uint64") {
			return x.String()
		}
	}
	return v
}

// lowerCamel is protojson's JSON name of a field: org_id → orgId.
func lowerCamel(name string) string {
	var b strings.Builder
	upper := false
	for _, r := range name {
		switch {
		case r == '_':
			upper = true
		case upper && 'a' <= r && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
			upper = false
		default:
			b.WriteRune(r)
			upper = false
		}
	}
	return b.String()
}

// TestAPIDocuments reads what partners read: the Swagger 2.0 and OpenAPI 3 documents and the /docs page, each
// without a token.
func TestAPIDocuments(t *testing.T) {
	s := Start(t)
	get := func(path string) (int, string, []byte) {
		resp, err := s.Client.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), raw
	}
	st, ct, raw := get("/openapi.v3.json")
	var v3 struct {
		OpenAPI    string                    `json:"openapi"`
		Paths      map[string]map[string]any `json:"paths"`
		Components struct {
			SecuritySchemes map[string]any `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &v3); st != 200 || ct != "application/json" || err != nil {
		t.Fatalf("/openapi.v3.json: %d %s %v", st, ct, err)
	}
	if !strings.HasPrefix(v3.OpenAPI, "3.") || v3.Paths["/v1/rounds"] == nil || v3.Paths["/healthz"] == nil || v3.Paths["/v1/dev/tokens"] == nil || v3.Components.SecuritySchemes["bearer"] == nil {
		t.Errorf("/openapi.v3.json: openapi %q, %d paths, security schemes %v", v3.OpenAPI, len(v3.Paths), v3.Components.SecuritySchemes)
	}
	st, _, raw = get("/openapi.json")
	var v2 struct {
		Swagger string `json:"swagger"`
	}
	if err := json.Unmarshal(raw, &v2); st != 200 || err != nil || v2.Swagger != "2.0" {
		t.Errorf("/openapi.json: %d %q %v", st, v2.Swagger, err)
	}
	st, ct, raw = get("/docs")
	page := string(raw)
	if st != 200 || !strings.HasPrefix(ct, "text/html") || !strings.Contains(page, `spec-url="/openapi.v3.json"`) ||
		!strings.Contains(page, `integrity="sha384-`) || !strings.Contains(page, "redoc@2.5.4/bundles/redoc.standalone.js") {
		t.Errorf("/docs: %d %s\n%s", st, ct, page)
	}
	// The old routes still answer.
	if st, body := s.Do("GET", "/v1/rounds", "", nil); st != 200 || body["rounds"] == nil {
		t.Errorf("GET /v1/rounds: %d %v", st, body)
	}
}
