#!/usr/bin/env bash
# `make grpcurl SVC=<service> ARGS='...'`: calls one service of a running dev suite (`make run`) directly with
# grpcurl (pinned in tools/go.mod), as the gateway would: over mutual TLS with the gateway's dev client
# certificate (.run/certs; the dev certificates are valid for localhost and name the binary in a URI SAN) and an end-user identity signed with the dev gateway key (pkg/identity/devidentity,
# valid 30 seconds, made for each call). Services serve gRPC reflection in dev mode only, so `list` and
# `describe` work there.
#
#   scripts/grpcurl.sh applications                      # list the services
#   scripts/grpcurl.sh applications describe commonweal.applications.v1.ApplicationsService
#   scripts/grpcurl.sh applications -d '{"page_size": 5}' commonweal.applications.v1.ApplicationsService/ListRounds
#   ROLES=FINANCE SUBJECT=fin-1 scripts/grpcurl.sh funding commonweal.funding.v1.FundingService/VerifyLedger
#
# Arguments after the service are grpcurl's: its flags, then list|describe [symbol] or a method; the service's
# address goes in between. Environment: ROLES (default OPERATOR,AUDITOR), SUBJECT (dev-operator), ORG_ID,
# DONOR_ID, <SERVICE>_ADDR (default: the make-run port), CERT_DIR (.run/certs). Dev mode only: a production
# service refuses the dev identity key and has no reflection.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=go1.27.3 # the Go release go.work requires (README: Requirements)

svc=${1:-}
if [ -z "$svc" ]; then
  echo "usage: scripts/grpcurl.sh SERVICE [grpcurl flags] [list|describe [symbol]|method]   (or: make grpcurl SVC=... ARGS='...')" >&2
  exit 2
fi
shift
declare -A PORTS=([applications]=9101 [reviews]=9102 [donations]=9103 [funding]=9104 [supervision]=9105)
if [ -z "${PORTS[$svc]:-}" ]; then
  echo "grpcurl.sh: unknown service $svc (one of: ${!PORTS[*]})" >&2
  exit 2
fi
addr_var="${svc^^}_ADDR"
addr=${!addr_var:-127.0.0.1:${PORTS[$svc]}}
certs=${CERT_DIR:-.run/certs}
for f in ca.pem gateway.pem gateway-key.pem; do
  if [ ! -f "$certs/$f" ]; then
    echo "grpcurl.sh: $certs/$f is missing: start the suite with 'make run' (it writes the dev certificates)" >&2
    exit 1
  fi
done
grpcurl=.bin/grpcurl
[ -x "$grpcurl" ] || (cd tools && GOWORK=off go build -o ../.bin/ github.com/fullstorydev/grpcurl/cmd/grpcurl)
token=$(go run ./pkg/identity/devidentity -service "$svc" -subject "${SUBJECT:-dev-operator}" -roles "${ROLES:-OPERATOR,AUDITOR}" \
  -org "${ORG_ID:-}" -donor "${DONOR_ID:-}")

# grpcurl wants its flags, then the address, then the verb or method: put the address before the first
# argument that is neither a flag nor a flag's value.
flags=() rest=()
while [ $# -gt 0 ]; do
  case "$1" in
    -plaintext|-insecure|-v|-vv|-emit-defaults|-format-error|-allow-unknown-fields|-use-reflection|-msg-template|-expand-headers|-*=*)
      flags+=("$1"); shift ;;
    -*)
      flags+=("$1"); [ $# -gt 1 ] && flags+=("$2"); shift; shift || true ;;
    *)
      rest=("$@"); break ;;
  esac
done
[ ${#rest[@]} -gt 0 ] || rest=(list)
exec "$grpcurl" -cacert "$certs/ca.pem" -cert "$certs/gateway.pem" -key "$certs/gateway-key.pem" -servername localhost \
  -H "x-commonweal-identity: $token" "${flags[@]}" "$addr" "${rest[@]}"
