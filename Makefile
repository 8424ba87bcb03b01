# The hub's everyday commands. `make test` is the one CI runs (through .ci/run).

AUDIT_DIR := graph/server/testdata/audit

.PHONY: test demo generate lint audit-deps bench

## test: the whole suite against a throw-away PostgreSQL (or DATABASE_URL when set)
test: audit-deps
	go run ./cmd/ponte with-db -- go test -count=1 -timeout 20m ./...

## audit-deps: install the graphql-http audit (npm) used by the GraphQL-over-HTTP test
audit-deps:
	@if command -v npm >/dev/null 2>&1; then \
		cd $(AUDIT_DIR) && npm ci --no-audit --no-fund --silent; \
	else \
		echo "npm not found: the GraphQL-over-HTTP audit test will be skipped"; \
	fi

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
