# LifeOps — `make help` lists the targets.

VERSION  := $(shell cat VERSION)
LDFLAGS  := -s -w -X main.version=$(VERSION)
GOFLAGS_BUILD := -trimpath -ldflags "$(LDFLAGS)"

# Tests talk to a real PostgreSQL and Mosquitto; these defaults are the
# machine's own services (scripts/services starts them when they are stopped).
export LIFEOPS_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
export LIFEOPS_TEST_MQTT_URL ?= tcp://127.0.0.1:1883

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-z-]*:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## build bin/lifeops (CGO off, -trimpath, version injected)
	CGO_ENABLED=0 go build $(GOFLAGS_BUILD) -o bin/lifeops ./cmd/lifeops

.PHONY: run
run: build services ## run LifeOps (with a demo household in an empty database) against the local PostgreSQL and Mosquitto
	LIFEOPS_LOG_FORMAT=$${LIFEOPS_LOG_FORMAT:-console} ./bin/lifeops serve --demo $(ARGS)

.PHONY: services
services: ## start (installing if needed) the local PostgreSQL and Mosquitto
	@bash scripts/services

.PHONY: test-services
test-services: ## services, plus the tools only the tests use (linters, jq, curl, Chromium)
	@bash scripts/services --test-tools

.PHONY: test
test: test-services ## run every test (race detector on) against real PostgreSQL and Mosquitto
	go test -race -count=1 ./...

.PHONY: lint
lint: ## go vet, staticcheck, gofmt, the layering rules and the alert rules' unit tests (promtool)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: the files above need formatting"; exit 1; }
	go vet ./...
	go tool staticcheck ./...
	go test -count=1 ./internal/archtest/
	@command -v promtool >/dev/null || bash scripts/services promtool
	promtool check rules deploy/prometheus/alerts.yaml
	promtool test rules deploy/prometheus/alerts_test.yaml

.PHONY: bench
bench: services ## run every benchmark and print one table of ratios against baselines measured in the same run
	@mkdir -p bin
	go test -run '^$$' -bench . -benchmem -timeout 60m ./... > bin/bench.txt || { cat bin/bench.txt; exit 1; }
	go run ./internal/tools/benchtable < bin/bench.txt

FUZZTIME ?= 10s

.PHONY: fuzz
fuzz: test-services ## run every Fuzz target for FUZZTIME each (default 10s); seeds in testdata/fuzz/
	FUZZTIME=$(FUZZTIME) bash scripts/fuzz

.PHONY: openapi
openapi: ## regenerate the checked-in openapi.json and the Go client in apiclient/
	go run -ldflags "-X main.version=$(VERSION)" ./cmd/lifeops openapi > openapi.json.tmp && mv openapi.json.tmp openapi.json || { rm -f openapi.json.tmp; exit 1; }
	go test ./internal/httpapi/ -run TestGeneratedClientIsCurrent -count=1 -update

.PHONY: clean
clean: ## remove build output
	rm -rf bin
