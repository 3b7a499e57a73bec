// Command openapigen completes the API document protoc-gen-openapiv2 wrote into DIR/commonweal.swagger.json
// (the gateway's /healthz, the error detail schemas, the maxima of path and query parameters) and writes its
// OpenAPI 3 version to DIR/commonweal.openapi3.json. `make generate` runs it after `buf generate`.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/commonweal/commonweal/gateway/internal/openapi/build"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: openapigen DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "openapigen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	v2Path := filepath.Join(dir, "commonweal.swagger.json")
	generated, err := os.ReadFile(v2Path)
	if err != nil {
		return err
	}
	v2, err := build.Complete(generated)
	if err != nil {
		return err
	}
	v3, err := build.V3(v2)
	if err != nil {
		return err
	}
	if err := os.WriteFile(v2Path, v2, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "commonweal.openapi3.json"), v3, 0o644)
}
