#!/usr/bin/env bash
# Runs `go test` over the given packages against one PostgreSQL server: DATABASE_URL when set, otherwise a
# private server started here (as the unprivileged postgres user when run as root) and stopped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=go1.27.3 # the Go release go.work requires (README: Requirements)
started=""
if [ -z "${DATABASE_URL:-}" ]; then
  # Under /tmp: the postgres user may not be able to traverse the checkout's parents (e.g. /root).
  dir=$(mktemp -d /tmp/commonweal-pgtest.XXXXXX)
  chmod 755 "$dir"
  # Fast mode (no fsync): a test server holds nothing worth a crash-safe write.
  DATABASE_URL=$(deploy/local/pg.sh --fast start "$dir")
  export DATABASE_URL
  started="$dir"
  trap 'deploy/local/pg.sh stop "$started" >/dev/null 2>&1 || true; rm -rf "$started"' EXIT
fi
# -parallel 4: the e2e tests each run their own suite and mostly wait (deadlines, publicity periods).
# gotestsum (built by make from tools/go.mod) prints go test's output and closes with "DONE N tests, M failures".
runner=(go test)
[ -x .bin/gotestsum ] && runner=(.bin/gotestsum --format pkgname-and-test-fails --)
"${runner[@]}" -count=1 -timeout 15m -parallel 4 "$@"
