# Commonweal: `make run` starts the whole suite, `make test` runs every test. See README.md.
SHELL := /bin/bash
export GOFLAGS ?= -buildvcs=false
# The Go release the suite is built with (go.work and every go.mod require it): the go command takes it from
# the module proxy once per machine. A machine's own Go ignores go.mod's version (GOTOOLCHAIN=local), so say it.
export GOTOOLCHAIN := go1.27.3

SERVICES := applications donations funding reviews supervision
MODULES  := pkg gen/go gateway $(addprefix services/,$(SERVICES))
PKGS     := $(foreach m,$(MODULES),./$(m)/...)
BIN      := .bin
TOOLS    := $(BIN)/buf $(BIN)/protoc-gen-go $(BIN)/protoc-gen-go-grpc $(BIN)/protoc-gen-grpc-gateway $(BIN)/protoc-gen-openapiv2

.PHONY: all build run test test-race test-unit lint generate check-generated tools fuzz bench bench-votes bench-deposits bench-statistics ci clean

all: build

## build: compile every service and the gateway into .bin/
build:
	go build -o $(BIN)/ ./gateway $(addprefix ./services/,$(SERVICES))

## run: start PostgreSQL (private, unless DATABASE_URL is set), migrate, every service and the gateway
run: build
	@scripts/run.sh

## demo: drive one complete round through the gateway at GATEWAY_URL (default :8080), starting the suite as `make run` does when none answers
.PHONY: demo
demo: build
	@scripts/demo.sh

## test: unit, integration and end-to-end tests against a private PostgreSQL (or DATABASE_URL)
test: $(BIN)/gotestsum
	@scripts/test.sh $(PKGS)
	@$(MAKE) --no-print-directory test-kubernetes

## test-kubernetes: build every Kustomize overlay of deploy/kubernetes and check it offline (its own module, not in go.work)
.PHONY: test-kubernetes
test-kubernetes: $(BIN)/gotestsum
	cd deploy/kubernetes && GOWORK=off ../../$(BIN)/gotestsum --format pkgname-and-test-fails -- -count=1 ./...

## test-race: $(BIN)/gotestsum unit and integration tests under the race detector (CI runs it too)
test-race: $(BIN)/gotestsum
	@scripts/test.sh -race $(filter-out ./gateway/...,$(PKGS)) ./gateway/internal/...

## test-unit: tests that need no database (in -short mode pgtest skips every test that asks for one, and starts no server)
test-unit:
	go test -short $(PKGS)

## lint: go vet, go.mod/go.sum tidy in every module of go.work (and deploy/kubernetes), and buf lint
# Tidiness is checked per module with GOWORK=off, as a user of the module builds it (the replace directives
# point at the sibling modules): go.mod and go.sum must be exactly what `go mod tidy` makes.
lint: $(BIN)/buf
	go vet $(PKGS)
	@mods=$$(go list -m -f '{{.Dir}}') || exit 1; untidy=""; \
	for dir in $$mods; do \
		echo "go mod tidy -diff: $${dir#$(CURDIR)/}"; \
		(cd "$$dir" && GOWORK=off go mod tidy -diff) || untidy="$$untidy $${dir#$(CURDIR)/}"; \
	done; \
	if [ -n "$$untidy" ]; then echo "not tidy:$$untidy (run 'GOWORK=off go mod tidy' there)"; exit 1; fi
	@echo "go vet, go mod tidy -diff: deploy/kubernetes (its own module, not in go.work)"
	cd deploy/kubernetes && GOWORK=off go vet ./... && GOWORK=off go mod tidy -diff
	scripts/protodeps.sh
	$(BIN)/buf lint
	scripts/openapi-lint.sh # Redocly CLI (pinned, from npm) on the committed API documents: zero errors

## breaking: buf breaking (buf.yaml's FILE rules) of proto/ against the base commit (scripts/buf-breaking.sh says which)
.PHONY: breaking
breaking: $(BIN)/buf
	scripts/buf-breaking.sh

# gotestsum (pinned in tools/go.mod) runs go test and closes with a count of the tests run and failed.
$(BIN)/gotestsum:
	cd tools && GOWORK=off go build -o ../$(BIN)/ gotest.tools/gotestsum

## tools: build the pinned code generators (versions in tools/go.mod)
tools: $(TOOLS)
$(TOOLS) &:
	cd tools && GOWORK=off go build -o ../$(BIN)/ \
		github.com/bufbuild/buf/cmd/buf \
		google.golang.org/protobuf/cmd/protoc-gen-go \
		google.golang.org/grpc/cmd/protoc-gen-go-grpc \
		github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway \
		github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2

## generate: regenerate gen/go and the OpenAPI document from proto/ (offline, pinned tools)
generate: tools
	scripts/protodeps.sh
	rm -rf gen/go/commonweal gateway/internal/openapi/commonweal.swagger.json
	$(BIN)/buf generate
	go run ./gateway/internal/openapi/cmd/openapigen gateway/internal/openapi # /healthz, error details; OpenAPI 3

## check-generated: fail when the committed generated code differs from what `make generate` makes
check-generated: generate
	@if [ -n "$$(git status --porcelain -- gen gateway/internal/openapi)" ]; then \
		echo "generated code is stale: run 'make generate' and commit"; git status --porcelain -- gen gateway/internal/openapi; exit 1; fi

## fuzz: run every fuzz target briefly (FUZZTIME=10s by default)
FUZZTIME ?= 10s
fuzz:
	@scripts/fuzz.sh $(FUZZTIME)

## bench-votes: cast BENCH_VOTES votes through the gateway (whole suite, private PostgreSQL) and print votes/s
BENCH_VOTES ?= 3000
bench-votes:
	PGTEST_DURABLE=1 go test -count=1 -run '^$$' -bench '^BenchmarkCastVotes$$' -benchtime $(BENCH_VOTES)x ./gateway/e2e/

## bench: the whole suite against PostgreSQL itself on a private durable server, in one table (deploy/PERFORMANCE.md):
## each scenario's figure, its pgbench/psql baseline on the same server and their ratio, BENCH_ROUNDS interleaved
## rounds of BENCH_SECONDS each; BENCH_SCENARIOS picks scenarios (1,2,3,5,6 by default; all adds 4 and kill)
BENCH_ROUNDS ?= 3
BENCH_SECONDS ?= 10
BENCH_SCENARIOS ?=
## BENCH_PPROF=dir also saves CPU profiles of the gateway, reviews, applications, donations and the load generator
## during the first measurement of scenarios 1, 2 and 3, as dir/votes-, deposits- and list-<process>.pprof
## (go tool pprof -top dir/votes-gateway.pprof)
BENCH_PPROF ?=
## BENCH_GOMAXPROCS: the CPUs each service and the gateway use (GOMAXPROCS; 1 by default, as under a container
## limit of one CPU each; 0: Go's default, every CPU of the machine)
BENCH_GOMAXPROCS ?= 1
bench:
	env -u DATABASE_URL PGTEST_DURABLE=1 BENCH_ROUNDS=$(BENCH_ROUNDS) BENCH_SECONDS=$(BENCH_SECONDS) BENCH_SCENARIOS=$(BENCH_SCENARIOS) BENCH_PPROF=$(BENCH_PPROF) BENCH_GOMAXPROCS=$(BENCH_GOMAXPROCS) \
		go test -count=1 -timeout 90m -run '^$$' -bench '^BenchmarkSuite$$' -benchtime 1x ./gateway/e2e/

## vuln: govulncheck (pinned in tools/go.mod) over every module of go.work, offline: the vulnerability database
## is the module golang.org/x/vulndb at VULNDB_VERSION from the module proxy, checked against VULNDB_SUM
VULNDB_VERSION := v0.0.0-20261105234957-e22db6528018
VULNDB_SUM     := h1:mfngRv0Yoh0VApsXKEN82CjD99kl7mtparN3bs3JnqI=
.PHONY: vuln
vuln: $(BIN)/govulncheck
	@scripts/vuln.sh $(VULNDB_VERSION) $(VULNDB_SUM)

$(BIN)/govulncheck: tools/go.mod
	cd tools && GOWORK=off go build -o ../$(BIN)/ golang.org/x/vuln/cmd/govulncheck

## ci: what .ci/run does
ci: lint breaking check-generated vuln test test-race

## bench-deposits: confirm BENCH_DEPOSITS cash deposits over gRPC (real donations + applications servers) and print confirmations/s
BENCH_DEPOSITS ?= 2000
bench-deposits:
	PGTEST_DURABLE=1 go test -count=1 -run '^$$' -bench '^BenchmarkDepositConfirmations$$' -benchtime $(BENCH_DEPOSITS)x ./services/donations/internal/api/

## bench-statistics: GetRoundStatistics over a generated round (100,000 applications, 1,000,000 votes) beside psql running the same aggregate, BENCH_STATISTICS runs each, interleaved
BENCH_STATISTICS ?= 3
bench-statistics:
	PGTEST_DURABLE=1 go test -count=1 -timeout 60m -run '^$$' -bench '^BenchmarkStatistics$$' -benchtime $(BENCH_STATISTICS)x ./gateway/e2e/

## grpcurl: call a service of `make run` directly with grpcurl (pinned in tools/go.mod), as the gateway with a dev
## identity: make grpcurl SVC=applications ARGS='list'; ARGS="-d '{\"page_size\":5}' commonweal.applications.v1.ApplicationsService/ListRounds";
## ROLES=FINANCE make grpcurl SVC=funding ARGS=... (scripts/grpcurl.sh says more)
.PHONY: grpcurl
grpcurl: $(BIN)/grpcurl
	@scripts/grpcurl.sh "$(SVC)" $(ARGS)

$(BIN)/grpcurl: tools/go.mod
	cd tools && GOWORK=off go build -o ../$(BIN)/ github.com/fullstorydev/grpcurl/cmd/grpcurl

clean:
	rm -rf $(BIN) .cache
