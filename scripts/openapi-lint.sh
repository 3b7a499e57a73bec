#!/usr/bin/env bash
# Lints the committed API documents (Swagger 2.0 and OpenAPI 3) with Redocly CLI, an OpenAPI linter
# independent of the generator, at a pinned version installed from the npm registry into .cache (git-ignored).
# Rules: gateway/internal/openapi/redocly.yaml. Fails on any error; warnings are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
version=2.77.0
dir=.cache/redocly-$version
if [ ! -x "$dir/node_modules/.bin/redocly" ]; then
  mkdir -p "$dir"
  npm install --silent --no-audit --no-fund --prefix "$dir" "@redocly/cli@$version" >/dev/null
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
"$dir/node_modules/.bin/redocly" lint --config gateway/internal/openapi/redocly.yaml --format=stylish \
  gateway/internal/openapi/commonweal.openapi3.json gateway/internal/openapi/commonweal.swagger.json
