# Synclet: `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

SWIFT          ?= swift
CONFIG         ?= debug
PREFIX         ?= /usr/local
MARIADB_DIR    ?= .local/mariadb
MARIADB_PORT   ?= 3407
SIM_PORT       ?= 8931
SIM_ORDERS     ?= 3000
QBO_PORT       ?= 8932
DEMO_DIR       ?= .local/demo
RUN            ?=
FROM           ?= transform
RELEASE_SCRATCH ?= .build-release
SYSROOT        ?= .local/sysroot-bullseye
CHECK_ROOT     ?= .local/chroot-bullseye
RPM_DIR        ?= .local/rpm
export MARIADB_PORT RELEASE_SCRATCH SYSROOT CHECK_ROOT

BIN = $(shell $(SWIFT) build -c $(CONFIG) --show-bin-path 2>/dev/null)
# The release binaries live in their own scratch folder: `make test`, `make build CONFIG=release`
# and `make bench` build into .build and never overwrite them.
RELEASE_BIN = $(RELEASE_SCRATCH)/release
DB_ENV = eval "$$(scripts/mariadb-private.sh env $(MARIADB_DIR))"
DEMO_ENV = $(DB_ENV); export MAGENTO_BASE_URL=http://127.0.0.1:$(SIM_PORT)/onesaas_connect/index/index \
	MAGENTO_ACCESS_KEY=sim-access-key INITIAL_SYNC_DATE="2025-01-01 00:00:00" SYNCLET_STAGING_DIR=$(DEMO_DIR)/staging \
	SYNCLET_PIPELINE=$(CURDIR)/pipeline.yaml
# The simulated QuickBooks company's app (qbo-sim's own test keys, not secrets).
QBO_DEMO_ENV = export QBO_CLIENT_ID=sim-client-id QBO_CLIENT_SECRET=sim-client-secret QBO_ENVIRONMENT=sandbox \
	QBO_API_URL=http://127.0.0.1:$(QBO_PORT) QBO_TOKEN_URL=http://127.0.0.1:$(QBO_PORT)/oauth2/v1/tokens/bearer \
	QBO_AUTH_URL=http://127.0.0.1:$(QBO_PORT)/connect/oauth2 QBO_REVOKE_URL=http://127.0.0.1:$(QBO_PORT)/v2/oauth2/tokens/revoke

.PHONY: help deps build test demo demo-stop sync extract transform load replay install release release-check rpm sysroot bench bench-push db-start db-stop sim-start sim-stop clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo "  Variables: RUN=<run id>  FROM=extract|transform|load  PREFIX=/usr/local  SIM_ORDERS=3000  MARIADB_PORT=3407  QBO_PORT=8932"

deps: ## Install Connector/C and the MariaDB server when missing (as root), or say how
	@scripts/install-deps.sh test

build: deps ## Build every executable (debug; CONFIG=release for release)
	$(SWIFT) build -c $(CONFIG)

test: build ## Start a private MariaDB, run every test, stop it
	@scripts/mariadb-private.sh start $(MARIADB_DIR)
	@mkdir -p .local; set -o pipefail; $(DB_ENV); export SYNCLET_BIN_DIR=$(BIN); \
	  $(SWIFT) test -c $(CONFIG) --disable-swift-testing 2>&1 | tee .local/test.log; status=$$?; \
	  scripts/mariadb-private.sh stop $(MARIADB_DIR); \
	  summary=$$(grep -E 'Executed [0-9]+ tests?, with [0-9]+ failures?' .local/test.log | tail -1); \
	  total=$$(echo "$$summary" | sed -E 's/.*Executed ([0-9]+) tests?.*/\1/'); \
	  failed=$$(echo "$$summary" | sed -E 's/.*with ([0-9]+) failures?.*/\1/'); \
	  [ -n "$$summary" ] && echo "tests: $$((total - failed)) passed, $$failed failed"; \
	  exit $$status

demo: build ## Run the main job: MariaDB + simulated store + simulated QuickBooks: init, connect, sync (and push), status
	@scripts/mariadb-private.sh start $(MARIADB_DIR)
	@scripts/simulator.sh start $(BIN) $(SIM_PORT) $(SIM_ORDERS) $(DEMO_DIR)
	@scripts/qbo-sim.sh start $(BIN) $(QBO_PORT) $(DEMO_DIR)
	@$(DEMO_ENV); $(QBO_DEMO_ENV); set -x; $(BIN)/synclet init && $(BIN)/synclet test && \
	  scripts/qbo-demo-connect.sh $(BIN) http://127.0.0.1:$(QBO_PORT) $(DEMO_DIR) && \
	  $(BIN)/synclet qbo check --create-missing && $(BIN)/synclet sync && $(BIN)/synclet status && $(BIN)/synclet qbo status
	@echo; echo "The private MariaDB and the simulators are still running: 'make demo-stop' stops them."

demo-stop: ## Stop the demo's simulators and private MariaDB
	@scripts/simulator.sh stop $(DEMO_DIR) || true
	@scripts/qbo-sim.sh stop $(DEMO_DIR) || true
	@scripts/mariadb-private.sh stop $(MARIADB_DIR)

sync: build ## synclet sync with your own configuration (.env or environment)
	$(BIN)/synclet sync

extract: build ## Run the extract stage alone: make extract RUN=<id> (no RUN: plan a new run)
	$(BIN)/extract $(if $(RUN),--run $(RUN)) --verbose

transform: build ## Run the transform stage alone: make transform RUN=<id>
	$(BIN)/transform $(if $(RUN),--run $(RUN)) --verbose

load: build ## Run the load stage alone: make load RUN=<id>
	$(BIN)/load $(if $(RUN),--run $(RUN)) --verbose

replay: build ## Replay a staged run: make replay RUN=<id> [FROM=transform]
	@test -n "$(RUN)" || { echo "make replay needs RUN=<run id> (see synclet status)"; exit 2; }
	$(BIN)/synclet sync --run $(RUN) --from $(FROM)

sysroot: ## Make the Debian 11 roots release and release-check use (debootstrap, as root; once)
	@scripts/install-deps.sh release
	@scripts/make-sysroot.sh build $(SYSROOT)
	@scripts/make-sysroot.sh check $(CHECK_ROOT)

release: ## Static-runtime release build for glibc >= 2.31 (Rocky 9); prints the binaries' folder last
	@scripts/install-deps.sh release
	@scripts/release.sh

release-check: ## Prove the release runs on Rocky 9: symbol versions, needed libraries, a sync in a Debian 11 chroot
	@scripts/install-deps.sh check
	@test -x $(RELEASE_BIN)/synclet || scripts/release.sh
	@scripts/release-check.sh $(RELEASE_BIN)

install: ## Install the checked release into PREFIX: bin/synclet, libexec/synclet/, etc/synclet/pipeline.yaml
	@test -x $(RELEASE_BIN)/synclet || { echo "No release build in $(RELEASE_BIN): run make release && make release-check" >&2; exit 1; }
	@scripts/install.sh $(RELEASE_BIN) "$(DESTDIR)$(PREFIX)"

rpm: ## Build the RPM (checked release binaries, units, man page, completions) into .local/rpm (RPM_DIR)
	@scripts/install-deps.sh rpm
	@scripts/make-rpm.sh $(RELEASE_BIN) $(RPM_DIR)

bench: deps ## Benchmark every stage against the simulator, then the QuickBooks push, release build (5,000 and 100,000 orders; make bench N=5000 for one size)
	@N="$(or $(N),5000 100000)" scripts/bench.sh
	@ORDERS=$(or $(ORDERS),1200) scripts/bench-push.sh

bench-push: build ## Time synclet qbo push of a simulated store into qbo-sim at QuickBooks' limits, beside the floor (ORDERS=1200)
	@BIN=$(BIN) ORDERS=$(or $(ORDERS),1200) scripts/bench-push.sh

db-start: ## Start the private MariaDB in $(MARIADB_DIR)
	@scripts/mariadb-private.sh start $(MARIADB_DIR)

db-stop: ## Stop the private MariaDB
	@scripts/mariadb-private.sh stop $(MARIADB_DIR)

clean: ## Remove build products and the private server's data
	-@scripts/mariadb-private.sh stop $(MARIADB_DIR) 2>/dev/null
	rm -rf .build $(RELEASE_SCRATCH) .local
