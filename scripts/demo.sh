#!/usr/bin/env bash
# `make demo`: drives one complete round of the programme through the gateway at GATEWAY_URL (default
# http://127.0.0.1:8080) with gateway/cmd/demo, over HTTP only. When nothing answers there it first starts the suite
# as `make run` does (scripts/run.sh, logs in .run/demo-suite.log) and stops it afterwards. Arguments go to the
# driver (-window, -publicity, -voters). Exits non-zero when a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=go1.27.3 # the Go release go.work requires (README: Requirements)
url=${GATEWAY_URL:-http://127.0.0.1:8080}
mkdir -p .bin .run
go build -o .bin/ ./gateway/cmd/demo

suite=""
stop_suite() {
  if [ -n "$suite" ]; then
    kill -TERM "$suite" 2>/dev/null || true
    wait "$suite" 2>/dev/null || true
  fi
}
trap stop_suite EXIT
if ! curl -fsS "$url/healthz" >/dev/null 2>&1; then
  addr=${url#http://}
  addr=${addr%%/*}
  echo "No suite answers at $url: starting one as 'make run' does (log: .run/demo-suite.log)."
  GATEWAY_ADDR=$addr scripts/run.sh >.run/demo-suite.log 2>&1 &
  suite=$!
  for _ in $(seq 1 600); do
    curl -fsS "$url/healthz" >/dev/null 2>&1 && break
    kill -0 "$suite" 2>/dev/null || { echo "the suite did not start:"; tail -n 30 .run/demo-suite.log; exit 1; }
    sleep 0.5
  done
fi
.bin/demo -gateway "$url" "$@"
