#!/usr/bin/env bash
# buf breaking: the protos (proto/) against a base commit, with buf.yaml's rule set (FILE: no field, enum
# value, RPC, message or file removed or renumbered, no type, JSON name or package changed; a superset of
# WIRE_JSON, which is what partners' HTTP clients depend on). Base: BUF_BREAKING_BASE if set; else HEAD when
# proto/ has uncommitted changes; else the merge-base with main when HEAD is not on main; else HEAD~1 (CI's
# clean clone of main: the commit before the one under test). No base (a single commit): nothing to compare.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/protodeps.sh
head=$(git rev-parse HEAD)
base=${BUF_BREAKING_BASE:-}
if [ -z "$base" ] && [ -n "$(git status --porcelain -- proto buf.yaml)" ]; then
  base=$head
fi
if [ -z "$base" ]; then
  for ref in origin/main main; do
    if git rev-parse -q --verify "$ref^{commit}" >/dev/null; then
      mb=$(git merge-base HEAD "$ref" || true)
      if [ -n "$mb" ] && [ "$mb" != "$head" ]; then base=$mb; fi
      break
    fi
  done
fi
if [ -z "$base" ]; then
  base=$(git rev-parse -q --verify 'HEAD~1^{commit}' || true)
fi
if [ -z "$base" ]; then
  echo "buf breaking: no base commit to compare with"
  exit 0
fi
# The base's protos with today's third-party imports (third_party/ is fetched, not committed), built into an image.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git archive "$base" proto buf.yaml | tar -x -C "$tmp"
mkdir -p "$tmp/third_party" && cp -r third_party/protos "$tmp/third_party/"
(cd "$tmp" && "$OLDPWD/.bin/buf" build -o "$tmp/base.binpb")
echo "buf breaking against $(git rev-parse --short "$base")"
.bin/buf breaking --against "$tmp/base.binpb"
