#!/usr/bin/env bash
# Runs govulncheck over every module of go.work against a local copy of the Go vulnerability database, so
# it needs no vulnerability service: the database is the module golang.org/x/vulndb at the given version,
# taken from the module proxy like any module (its data/osv folder holds one OSV file per report, a form
# govulncheck's -db file://… reads) and checked against the pinned go.sum hash. Fails when code calls a
# vulnerable symbol (govulncheck's exit 3); vulnerabilities only in required modules that no code reaches
# are listed and do not fail.
# Usage: scripts/vuln.sh VULNDB_VERSION VULNDB_SUM   (make vuln passes the pinned ones)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=go1.27.3 # the Go release go.work requires (README: Requirements)
version=${1:?vulndb version}
want=${2:?vulndb go.sum hash (h1:…)}
govulncheck=$(realpath "${GOVULNCHECK:-.bin/govulncheck}")

# Outside any module (GOWORK=off in an empty folder), so no go.mod or go.sum of ours changes.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
info=$(cd "$tmp" && GOWORK=off GOFLAGS= go mod download -json "golang.org/x/vulndb@$version")
field() { sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}\$/\1/p" <<<"$info"; }
dir=$(field Dir)
sum=$(field Sum)
if [ -z "$dir" ] || [ "$sum" != "$want" ]; then
  echo "vulndb: golang.org/x/vulndb@$version: got hash '$sum' in '$dir', want $want" >&2
  echo "$info" >&2
  exit 1
fi
db="$dir/data/osv"
echo "vulnerability database: golang.org/x/vulndb@$version ($(ls "$db" | wc -l) reports), $(go version)"

vulnerable="" broken=""
for mod in $(go list -m -f '{{.Dir}}'); do
  rel=${mod#"$PWD"/}
  echo "== govulncheck $rel"
  rc=0
  (cd "$mod" && "$govulncheck" -db "file://$db" ./...) || rc=$?
  case $rc in
    0) ;;
    3) vulnerable="$vulnerable $rel" ;;
    *) broken="$broken $rel" ;;
  esac
done
[ -z "$vulnerable" ] || echo "govulncheck: vulnerable code reached in:$vulnerable" >&2
[ -z "$broken" ] || echo "govulncheck: could not check (see its error above):$broken" >&2
[ -z "$vulnerable$broken" ] || exit 1
echo "govulncheck: no reachable vulnerabilities in any module"
