#!/usr/bin/env bash
# Fetches the third-party .proto files the API imports (google/api) from the npm registry, at a pinned
# version, into third_party/protos (git-ignored). Buf provides the well-known types itself.
set -euo pipefail
cd "$(dirname "$0")/.."
version=6.0.1
dest=third_party/protos
stamp=$dest/.google-proto-files-$version
[ -f "$stamp" ] && exit 0
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
