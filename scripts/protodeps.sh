#!/usr/bin/env bash
# Fetches the third-party .proto files the API imports into third_party/protos (git-ignored), at pinned
# versions: google/api from the npm registry, and protoc-gen-openapiv2/options (the OpenAPI field options:
# maxLength, maxItems) from the grpc-gateway Go module pinned in tools/go.mod, so that they match the plugin.
# Buf provides the well-known types itself.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=third_party/protos

version=6.0.1
stamp=$dest/.google-proto-files-$version
if [ ! -f "$stamp" ]; then
  cache=.cache/npm
  mkdir -p "$cache" "$dest/google/api"
  tarball=$cache/google-proto-files-$version.tgz
  if [ ! -f "$tarball" ]; then
    (cd "$cache" && npm pack --silent "google-proto-files@$version" >/dev/null)
  fi
  for f in annotations http field_behavior; do
    tar -xzf "$tarball" -O "package/google/api/$f.proto" >"$dest/google/api/$f.proto"
  done
  touch "$stamp"
fi

gateway=github.com/grpc-ecosystem/grpc-gateway/v2
gwversion=$(cd tools && GOWORK=off go list -m -f '{{.Version}}' "$gateway")
stamp=$dest/.grpc-gateway-$gwversion
if [ ! -f "$stamp" ]; then
  dir=$(cd tools && GOWORK=off go mod download -json "$gateway@$gwversion" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] && [ -d "$dir/protoc-gen-openapiv2/options" ] || { echo "protodeps: no $gateway@$gwversion in the module cache" >&2; exit 1; }
  mkdir -p "$dest/protoc-gen-openapiv2/options"
  rm -f "$dest"/.grpc-gateway-*
  for f in annotations openapiv2; do
    cat "$dir/protoc-gen-openapiv2/options/$f.proto" >"$dest/protoc-gen-openapiv2/options/$f.proto"
  done
  touch "$stamp"
fi
