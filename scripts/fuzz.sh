#!/usr/bin/env bash
# Runs every fuzz target of the repository for the given time each.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=go1.27.3 # the Go release go.work requires (README: Requirements)
t=${1:-10s}
grep -rl --include='*_test.go' '^func Fuzz' pkg services gateway | while read -r f; do
  dir=$(dirname "$f")
  for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | cut -d' ' -f2); do
    echo "== $dir $target"
    go test -run='^$' -fuzz="^${target}\$" -fuzztime="$t" "./$dir"
  done
done
