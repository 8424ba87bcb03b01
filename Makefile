# The hub's everyday commands. `make test` is the one CI runs (through .ci/run).

AUDIT_DIR := graph/server/testdata/audit
E2E_DIR := cmd/ponte/testdata/e2e
NPM_CI := npm ci --no-audit --no-fund --silent

.PHONY: test demo generate lint audit-deps e2e-deps web web-deps screenshots bench load load-deps

## test: the whole suite against a throw-away PostgreSQL (or DATABASE_URL when set)
test: audit-deps e2e-deps web-deps
	go run ./cmd/ponte with-db -- go test -count=1 -timeout 20m ./...
	# Root fields share the request's slabs from goroutines of their own: checked under the race detector.
	go run ./cmd/ponte with-db -- go test -race -count=1 -run 'TestConcurrentRootFields' ./graph/server/

## audit-deps: install the graphql-http audit (npm) used by the GraphQL-over-HTTP test
audit-deps:
	@if command -v npm >/dev/null 2>&1; then \
		cd $(AUDIT_DIR) && npm ci --no-audit --no-fund --silent; \
	else \
		echo "npm not found: the GraphQL-over-HTTP audit test will be skipped"; \
	fi

## e2e-deps: install playwright-core (npm), which drives Chromium in the dashboard and IDE browser test
e2e-deps:
	@if command -v npm >/dev/null 2>&1; then \
		cd $(E2E_DIR) && $(NPM_CI); \
	else \
		echo "npm not found: the browser test will be skipped"; \
	fi

## web: rebuild the GraphQL IDE and the dashboard from web/ into internal/webui/dist (commit the result)
web:
	cd web && npm ci --no-audit --no-fund && npm run build

## web-deps: install web/'s build tools when its lock file changed; the test that rebuilds web/ uses them
web-deps:
	@if command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory web/node_modules/.package-lock.json; \
	else \
		echo "npm not found: the check that web/ rebuilds to internal/webui/dist will be skipped"; \
	fi

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && $(NPM_CI)

## screenshots: the README's screenshots of the dashboard and the IDE (docs/img), taken by the browser test
screenshots: e2e-deps
	go run ./cmd/ponte with-db -- env PONTE_SCREENSHOTS=$(CURDIR)/docs/img go test -count=1 -run TestDashboardAndIDE ./cmd/ponte/

## demo: the local demo (see README)
demo:
	go run ./cmd/ponte demo

## generate: regenerate the GraphQL executor and models from schema/
generate:
	go generate ./...

## lint: formatting and vet
lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	go vet ./...

## bench: the benchmarks whose figures the issues quote
bench:
	go run ./cmd/ponte with-db -- go test -run '^$$' -bench . -benchtime 1x ./...

## load: the case page under load, against PostGraphile 5 and the hub's SQL under pgbench (bench/load/README.md);
## LOAD_FLAGS passes flags (-scale 1000 -rounds 5 …), DATABASE_URL a database of your own
load: load-deps
	go run ./cmd/ponte with-db -- go run ./bench/load $(LOAD_FLAGS)

## load-deps: install PostGraphile 5 and the Node 22 it runs on (npm) when its lock file changed
load-deps: bench/load/postgraphile/node_modules/.package-lock.json

bench/load/postgraphile/node_modules/.package-lock.json: bench/load/postgraphile/package-lock.json
	cd bench/load/postgraphile && $(NPM_CI)
