#!/usr/bin/env bash
# `make run`: starts PostgreSQL (a private, durable server in .run/pg unless DATABASE_URL is set), migrates every
# service, starts each service as its own process and then the gateway. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=go1.27.3 # the Go release go.work requires (README: Requirements)
# One entry per service: its name and gRPC port.
SERVICES=(applications donations funding reviews supervision)
declare -A PORTS=([applications]=9101 [reviews]=9102 [donations]=9103 [funding]=9104 [supervision]=9105)
for svc in "${SERVICES[@]}"; do export "${svc^^}_ADDR=127.0.0.1:${PORTS[$svc]}"; done
GATEWAY_ADDR=${GATEWAY_ADDR:-127.0.0.1:8080}
mkdir -p .run/logs

pids=()
pg_started=""
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$pg_started" ]; then deploy/local/pg.sh stop "$pg_started" >/dev/null 2>&1 || true; fi
  echo "stopped."
  exit "${1:-0}"
}
trap "cleanup 130" INT TERM
trap "cleanup 1" EXIT

if [ -z "${DATABASE_URL:-}" ]; then
  pg_started="$PWD/.run/pg"
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$PWD/.run" 2>/dev/null; then
    # The server runs as the postgres user, who cannot reach this checkout (e.g. under /root): keep the
    # data under /tmp, linked from .run/pg.
    data="/tmp/commonweal-pg-$(printf %s "$PWD" | md5sum | cut -c1-12)"
    mkdir -p "$data" && chmod 755 "$data"
    [ -L .run/pg ] || { rm -rf .run/pg; ln -s "$data" .run/pg; }
    pg_started="$data"
  fi
  # Durable (fsync and synchronous commit on): `make run` may hold real data. Only the tests run fast.
  DATABASE_URL=$(deploy/local/pg.sh start "$pg_started")
  echo "PostgreSQL (private, durable): $DATABASE_URL   data in .run/pg"
fi
export DATABASE_URL
# Every binary is in production mode unless told otherwise: `make run` is a local run with the dev secrets.
export COMMONWEAL_MODE=dev

# mTLS: a throwaway dev CA and a certificate per binary in .run/certs, made once (again when a file is missing).
go run ./pkg/tlsconf/devpki/devcerts -dir .run/certs
export TLS_CA_FILE=$PWD/.run/certs/ca.pem
tls_env() { tls=("TLS_CERT_FILE=$PWD/.run/certs/$1.pem" "TLS_KEY_FILE=$PWD/.run/certs/$1-key.pem"); }

for svc in "${SERVICES[@]}"; do
  .bin/"$svc" migrate
done
for svc in "${SERVICES[@]}"; do
  upper=${svc^^}
  tls_env "$svc"
  env "${tls[@]}" "${upper}_GRPC_ADDR=127.0.0.1:${PORTS[$svc]}" .bin/"$svc" serve >>".run/logs/$svc.log" 2>&1 &
  pids+=($!)
done
tls_env gateway
env "${tls[@]}" GATEWAY_ADDR=$GATEWAY_ADDR .bin/gateway >>.run/logs/gateway.log 2>&1 &
pids+=($!)

url="http://$GATEWAY_ADDR"
for _ in $(seq 1 100); do
  if curl -fsS "$url/healthz" >/dev/null 2>&1; then break; fi
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "a process exited at start; see .run/logs/"; tail -n 20 .run/logs/*.log; exit 1; }
  done
  sleep 0.2
done
curl -fsS "$url/healthz" >/dev/null || { echo "gateway not healthy; see .run/logs/"; exit 1; }

cat <<MSG

Commonweal is running.
  gateway:  $url   (health: $url/healthz, API document: $url/openapi.json)
  logs:     .run/logs/

Get a dev token (dev auth mode) and call the API:
  TOKEN=\$(curl -s -X POST $url/v1/dev/tokens -d '{"subject":"u1","roles":["ORGANIZER"]}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
  curl -s -H "Authorization: Bearer \$TOKEN" -X POST $url/v1/rounds -d '{"name":"2026年度公益创投","year":2026}'

Press Ctrl-C to stop everything.
MSG
wait -n "${pids[@]}" || true
echo "a process exited unexpectedly; see .run/logs/"
