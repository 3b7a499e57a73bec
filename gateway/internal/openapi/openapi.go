// Package openapi serves the merged OpenAPI (Swagger 2.0) document generated from the protos by
// `make generate`, completed with what the gateway adds itself: auth, health, dev tokens and the maxima of
// path and query parameters.
package openapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

//go:embed commonweal.swagger.json
var generated []byte

// Document returns the JSON document partners code against.
func Document(devMode bool) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(generated, &doc); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	doc["info"] = map[string]any{
		"title":   "Commonweal API",
		"version": "v1",
		"description": "The HTTP API of Commonweal, the public-welfare venture philanthropy programme. " +
			"Send `Authorization: Bearer <JWT>`; unauthenticated calls act as PUBLIC. Amounts are int64 fen, written as strings. " +
			"Every error body is {code, message, details[]} where details holds a google.rpc.ErrorInfo whose `reason` is stable. " +
			"HTTP status: 400 INVALID_ARGUMENT, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 NOT_FOUND, " +
			"409 ABORTED (stale etag) or ALREADY_EXISTS, 412 FAILED_PRECONDITION (wrong state or phase), 429 RESOURCE_EXHAUSTED. " +
			"Every string and list of a request states its maximum (maxLength in Unicode characters, maxItems, maxProperties); " +
			"a value over it is 400 FIELD_TOO_LONG or TOO_MANY_ITEMS naming the field.",
	}
	addParameterBounds(doc)
	doc["securityDefinitions"] = map[string]any{
		"bearer": map[string]any{"type": "apiKey", "in": "header", "name": "Authorization", "description": "Bearer <JWT>"},
	}
	doc["security"] = []any{map[string]any{"bearer": []any{}}}
	paths, _ := doc["paths"].(map[string]any)
	if paths == nil {
		paths = map[string]any{}
		doc["paths"] = paths
	}
	paths["/healthz"] = map[string]any{"get": map[string]any{
		"summary":     "200 when the gateway and every service report SERVING, 503 otherwise.",
		"operationId": "Healthz", "tags": []string{"Operations"},
		"responses": map[string]any{"200": map[string]any{"description": "every service SERVING"}, "503": map[string]any{"description": "a service is not serving"}},
	}}
	if devMode {
		paths["/v1/dev/tokens"] = map[string]any{"post": map[string]any{
			"summary":     "Issues a bearer token for any identity. Only in dev auth mode; absent in production.",
			"operationId": "CreateDevToken", "tags": []string{"Identity"},
			"parameters": []any{map[string]any{"name": "body", "in": "body", "required": true, "schema": map[string]any{
				"type": "object",
				"properties": map[string]any{
					"subject":  map[string]any{"type": "string"},
					"roles":    map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
					"org_id":   map[string]any{"type": "string"},
					"donor_id": map[string]any{"type": "string"},
				},
			}}},
			"responses": map[string]any{"200": map[string]any{"description": "{token}", "schema": map[string]any{
				"type": "object", "properties": map[string]any{"token": map[string]any{"type": "string"}},
			}}},
		}}
	}
	return json.MarshalIndent(doc, "", "  ")
}
