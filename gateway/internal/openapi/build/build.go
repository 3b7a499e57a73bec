// Package build completes the document protoc-gen-openapiv2 writes (`make generate`) with what the protos
// cannot say, and converts it to OpenAPI 3. Both results are committed (gateway/internal/openapi) and checked
// by `make check-generated`; the gateway serves them as they are.
package build

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
)

// Type URLs of the error details the services and the gateway send (pkg/errs, pkg/grpcerr).
const (
	errorInfoType  = "type.googleapis.com/google.rpc.ErrorInfo"
	badRequestType = "type.googleapis.com/google.rpc.BadRequest"
)

// Complete adds to the generated Swagger 2.0 document the gateway's own route (/healthz), the schemas of the
// error details (google.rpc.ErrorInfo, google.rpc.BadRequest) and the maxima of path and query parameters.
func Complete(generated []byte) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(generated, &doc); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	addParameterBounds(doc)
	paths, _ := doc["paths"].(map[string]any)
	if paths == nil {
		return nil, fmt.Errorf("openapi: the generated document has no paths")
	}
	paths["/healthz"] = map[string]any{"get": map[string]any{
		"summary":     "Health of the gateway and every service",
		"description": "200 when the gateway and every service report SERVING, 503 otherwise; `services` names each service's state.",
		"operationId": "Healthz", "tags": []string{"Operations"},
		"security": []any{},
		"responses": map[string]any{
			"200": map[string]any{"description": "every service SERVING", "schema": map[string]any{"$ref": "#/definitions/Health"}},
			"503": map[string]any{"description": "a service is not serving", "schema": map[string]any{"$ref": "#/definitions/Health"}},
		},
	}}
	// The documents themselves and their page.
	for _, d := range []struct{ path, id, summary, mediaType string }{
		{"/openapi.json", "GetOpenAPIDocument", "This document (Swagger 2.0)", "application/json"},
		{"/openapi.v3.json", "GetOpenAPIV3Document", "This document as OpenAPI 3.0", "application/json"},
		{"/docs", "GetDocsPage", "The document as a page to read (Redoc)", "text/html"},
	} {
		schema := map[string]any{"type": "object"}
		if d.mediaType != "application/json" {
			schema = map[string]any{"type": "string"}
		}
		paths[d.path] = map[string]any{"get": map[string]any{
			"summary": d.summary, "operationId": d.id, "tags": []string{"Operations"}, "security": []any{},
			"produces":  []string{d.mediaType},
			"responses": map[string]any{"200": map[string]any{"description": d.summary, "schema": schema}},
		}}
	}
	tags, _ := doc["tags"].([]any)
	if _, done := defs(doc)["Health"]; !done {
		doc["tags"] = append(tags, map[string]any{"name": "Operations", "description": "The gateway's own routes."})
	}
	defs := defs(doc)
	str := map[string]any{"type": "string"}
	defs["Health"] = map[string]any{
		"type": "object", "required": []string{"status", "services"},
		"properties": map[string]any{
			"status":   map[string]any{"type": "string", "enum": []string{"SERVING", "NOT_SERVING"}},
			"services": map[string]any{"type": "object", "additionalProperties": str, "description": "each service's state: SERVING, NOT_SERVING, UNKNOWN, SERVICE_UNKNOWN or UNREACHABLE"},
		},
	}
	defs["rpcErrorInfo"] = map[string]any{
		"type":        "object",
		"description": "google.rpc.ErrorInfo: the stable reason of an error; every error body has one.",
		"required":    []string{"@type", "reason"},
		"properties": map[string]any{
			"@type":    map[string]any{"type": "string", "enum": []string{errorInfoType}},
			"reason":   map[string]any{"type": "string", "description": "stable UPPER_SNAKE reason, e.g. FIELD_TOO_LONG"},
			"domain":   str,
			"metadata": map[string]any{"type": "object", "additionalProperties": str},
		},
	}
	defs["rpcBadRequest"] = map[string]any{
		"type":        "object",
		"description": "google.rpc.BadRequest: the fields of a request that were refused (400).",
		"required":    []string{"@type", "fieldViolations"},
		"properties": map[string]any{
			"@type": map[string]any{"type": "string", "enum": []string{badRequestType}},
			"fieldViolations": map[string]any{"type": "array", "items": map[string]any{
				"type": "object",
				"properties": map[string]any{
					"field":            map[string]any{"type": "string", "description": "the field's path, e.g. budget_items[2].name"},
					"description":      str,
					"reason":           str,
					"localizedMessage": map[string]any{"type": "object", "properties": map[string]any{"locale": str, "message": str}},
				},
			}},
		},
	}
	if status, ok := defs["rpcStatus"].(map[string]any); ok {
		status["description"] = "The body of every error answer."
		status["required"] = []string{"code", "message", "details"}
		props, _ := status["properties"].(map[string]any)
		props["code"] = map[string]any{"type": "integer", "format": "int32", "description": "the gRPC status code"}
		props["details"] = map[string]any{
			"type":        "array",
			"description": "a google.rpc.ErrorInfo (rpcErrorInfo) always, and a google.rpc.BadRequest (rpcBadRequest) naming the fields of bad input",
			"items":       map[string]any{"$ref": "#/definitions/protobufAny"},
		}
	}
	return indent(doc)
}

func defs(doc map[string]any) map[string]any {
	d, _ := doc["definitions"].(map[string]any)
	if d == nil {
		d = map[string]any{}
		doc["definitions"] = d
	}
	return d
}

// indent writes v as indented JSON, leaving <, > and & as they are (descriptions hold `<JWT>`).
func indent(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// V3 converts a completed Swagger 2.0 document to OpenAPI 3.0, where error details are what they are: one of
// ErrorInfo and BadRequest.
func V3(swagger []byte) ([]byte, error) {
	var doc2 openapi2.T
	if err := json.Unmarshal(swagger, &doc2); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	doc3, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return nil, fmt.Errorf("openapi: converting to OpenAPI 3: %w", err)
	}
	raw, err := json.Marshal(doc3)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	// A file answer (an operation producing more than JSON) is the file; its errors are JSON.
	paths, _ := doc["paths"].(map[string]any)
	for _, item := range paths {
		ops, _ := item.(map[string]any)
		for _, op := range ops {
			responses, _ := op.(map[string]any)["responses"].(map[string]any)
			for code, r := range responses {
				content, _ := r.(map[string]any)["content"].(map[string]any)
				if len(content) < 2 {
					continue
				}
				for mt := range content {
					if (code == "200") == (mt == "application/json") {
						delete(content, mt)
					}
				}
			}
		}
	}
	// The gateway serves the document itself: its routes are relative to the document's own origin.
	doc["servers"] = []any{map[string]any{"url": "/", "description": "the gateway serving this document"}}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	if status, ok := schemas["rpcStatus"].(map[string]any); ok {
		details := status["properties"].(map[string]any)["details"].(map[string]any)
		details["items"] = map[string]any{"oneOf": []any{
			map[string]any{"$ref": "#/components/schemas/rpcErrorInfo"},
			map[string]any{"$ref": "#/components/schemas/rpcBadRequest"},
		}}
	}
	// Schemas nothing refers to any more (protobufAny, what the details were; ExportFile, sent as the file).
	for removed := true; removed; {
		removed = false
		all, err := json.Marshal(doc)
		if err != nil {
			return nil, err
		}
		for name := range schemas {
			if !bytes.Contains(all, []byte(`"#/components/schemas/`+name+`"`)) {
				delete(schemas, name)
				removed = true
			}
		}
	}
	return indent(doc)
}
