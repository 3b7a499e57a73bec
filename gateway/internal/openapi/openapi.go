// Package openapi serves the API document: commonweal.swagger.json (Swagger 2.0, generated from the protos
// and the options in proto/openapiv2.yaml, completed by build) and commonweal.openapi3.json (its OpenAPI 3
// version), both written by `make generate` and committed. At run time only the dev-mode route is added.
package openapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

var (
	//go:embed commonweal.swagger.json
	swagger []byte
	//go:embed commonweal.openapi3.json
	v3Doc []byte
)

// Document returns the Swagger 2.0 document partners code against.
func Document(devMode bool) ([]byte, error) {
	if !devMode {
		return swagger, nil
	}
	return withPath(swagger, "/v1/dev/tokens", devTokens(false))
}

// DocumentV3 returns the same document as OpenAPI 3.0.
func DocumentV3(devMode bool) ([]byte, error) {
	if !devMode {
		return v3Doc, nil
	}
	return withPath(v3Doc, "/v1/dev/tokens", devTokens(true))
}

// withPath returns doc with one more path.
func withPath(doc []byte, path string, item map[string]any) ([]byte, error) {
	var d map[string]any
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	paths, _ := d["paths"].(map[string]any)
	if paths == nil {
		return nil, fmt.Errorf("openapi: the document has no paths")
	}
	paths[path] = item
	return json.MarshalIndent(d, "", "  ")
}

// devTokens describes POST /v1/dev/tokens, served in dev auth mode only.
func devTokens(v3 bool) map[string]any {
	str := map[string]any{"type": "string"}
	request := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"subject":  str,
			"roles":    map[string]any{"type": "array", "items": str},
			"org_id":   str,
			"orgId":    str,
			"donor_id": str,
			"donorId":  str,
		},
		"additionalProperties": false,
	}
	token := map[string]any{"type": "object", "required": []string{"token"}, "properties": map[string]any{"token": map[string]any{"type": "string"}}}
	op := map[string]any{
		"summary":     "Issues a bearer token for any identity. Only in dev auth mode; absent in production.",
		"operationId": "CreateDevToken", "tags": []string{"Operations"},
		"security": []any{},
	}
	errorRef := "#/definitions/rpcStatus"
	if v3 {
		errorRef = "#/components/schemas/rpcStatus"
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": request}}}
		op["responses"] = map[string]any{
			"200":     map[string]any{"description": "{token}", "content": map[string]any{"application/json": map[string]any{"schema": token}}},
			"default": map[string]any{"description": "an error", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": errorRef}}}},
		}
	} else {
		op["parameters"] = []any{map[string]any{"name": "body", "in": "body", "required": true, "schema": request}}
		op["responses"] = map[string]any{
			"200":     map[string]any{"description": "{token}", "schema": token},
			"default": map[string]any{"description": "an error", "schema": map[string]any{"$ref": errorRef}},
		}
	}
	return map[string]any{"post": op}
}

// RedocPage is the documentation page served at /docs: Redoc, loaded from a pinned CDN URL whose content
// its integrity hash fixes, reading /openapi.v3.json.
const RedocPage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Commonweal API</title>
</head>
<body>
<redoc spec-url="/openapi.v3.json"></redoc>
<script src="https://cdn.jsdelivr.net/npm/redoc@2.5.4/bundles/redoc.standalone.js"
  integrity="sha384-w447zOpYfw/1Tv/5AK9NfHTlQIqE3RVR6KY62jCyy9zNDgO64cMwGGP1Fj0zJVf5"
  crossorigin="anonymous"></script>
</body>
</html>
`
