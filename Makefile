# The two commands are `make run` and `make test`; everything else supports them.
# Each target installs what it is missing and skips what is already done.

SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
UV := .tools/uv/bin/uv
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PYTEST_ARGS ?=

NODE_MODULES := frontend/node_modules/.installed
FRONTEND_SOURCES := $(shell find frontend/src -type f ! -name '*.test.*' 2>/dev/null) \
	frontend/index.html frontend/vite.config.ts frontend/tsconfig.json
# Debian's Chromium for the browser tests; Playwright never downloads one.
CHROMIUM ?= /usr/bin/chromium
# Debian's PgBouncer for pooled mode's tests, benchmark and fault case; never started as a service.
PGBOUNCER ?= /usr/sbin/pgbouncer
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

export UV_PYTHON_DOWNLOADS := never
# podman reads the repo's config (runc, cgroupfs, no default ulimits): containers/containers.conf.
export CONTAINERS_CONF := $(CURDIR)/containers/containers.conf
APT_INSTALL = $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
	install -y -qq --no-install-recommends
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: help install run test coverage-frontend test-faults test-fuzz test-replay histories replay-env bench lint \
	security review migrate kubeconfig frontend dev chromium openapi pgbouncer bench-density test-pooled \
	podman base-images image ui-image test-containers bench-containers test-compose \
	prod-temporal-images test-prod-temporal cluster-build cluster-up cluster-down bench-deploy \
	bench-cold-builds

help:
	@echo "make run      - build the React app, start Temporal dev server + UI, the worker and the web app"
	@echo "make test     - bring up PostgreSQL and Temporal, run every suite (Vitest, pytest, Playwright)"
	@echo "make lint     - ruff (with bandit rules), ruff format --check, mypy, eslint, prettier --check,"
	@echo "                tsc --noEmit, markdownlint-cli2, security checks"
	@echo "make dev      - Vite dev server on :5173 with hot reload, /api proxied to :8080 (make run)"
	@echo "make openapi  - refresh the frontend's copy of the OpenAPI document and its TypeScript types"
	@echo "make test-faults - only the fault-injection suite (tests/faults); table in artifacts/faults/"
	@echo "make test-pooled - tests/app against a database reached only through PgBouncer"
	@echo "make test-fuzz   - only schemathesis + the route sweep (tests/fuzz); summary in artifacts/fuzz/"
	@echo "make bench       - benchmarks against the raw Temporal SDK; writes docs/benchmarks.md"
	@echo "make bench-density - 100 previews through PgBouncer on one PostgreSQL (max_connections 50)"
	@echo "make histories   - record every job type's workflow histories into tests/histories/"
	@echo "make test-replay - only the replay of tests/histories/ and its mutation tests (tests/replay)"
	@echo "make replay-env  - replay REPLAY_ENV's recent closed histories (envctl histories) on this code"
	@echo "make base-images - podman from Debian, then the local base images (debootstrap), cached"
	@echo "make image       - the Dockerfile built by podman from the local bases: localhost/preview-stack:local"
	@echo "make test-containers - the rendered preview pods under podman, then envctl smoke"
	@echo "make bench-containers - boot time and cgroup memory of the preview pods; docs/benchmarks.md"
	@echo "make test-compose - ci/test's compose smoke test under podman-compose (host network, free ports)"
	@echo "make test-prod-temporal - production Temporal (built from source) on PostgreSQL, upgrade"
	@echo "make cluster-up  - local Kubernetes control plane built from source (kwok nodes);"
	@echo "                   KUBECONFIG=.cluster/kubeconfig. With KUBECONFIG set: that cluster, no build"
	@echo "make cluster-down - stop it"
	@echo "make bench-deploy - envctl deploy/redeploy/destroy times on the local control plane"
	@echo "make bench-cold-builds - CPU and wall time of each Go build make test needs, from empty caches"

$(UV):
	python3 -m pip install --quiet --disable-pip-version-check --target .tools/uv "uv==$(UV_VERSION)"

# Bytecode compiled at install: where PYTHONDONTWRITEBYTECODE is set, every envctl subprocess
# would otherwise compile its imports again: seconds of CPU per call (docs/benchmarks.md).
$(VENV)/.synced-compiled: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python python3.11 --compile-bytecode
	@touch $@

install: $(VENV)/.synced-compiled

migrate: install
	$(PY) -m app.migrate

$(NODE_MODULES): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

# The API types are generated from the committed OpenAPI document, never committed themselves.
API_TYPES := frontend/src/api/schema.d.ts
$(API_TYPES): frontend/src/api/openapi.json frontend/scripts/api-types.mjs $(NODE_MODULES)
	cd frontend && npm run openapi:types

frontend/dist/index.html: $(NODE_MODULES) $(API_TYPES) $(FRONTEND_SOURCES)
	cd frontend && npm run build
	@touch $@

frontend: frontend/dist/index.html

dev: $(NODE_MODULES)
	@echo "  Vite (hot reload)  http://localhost:5173  -> /api proxied to $${API_URL:-http://127.0.0.1:8080}"
	cd frontend && npm run dev

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

chromium: $(CHROMIUM)

$(PGBOUNCER):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		-o DPkg::Lock::Timeout=600 pgbouncer
	@# The package enables a system service on :6432; the tests start their own on free ports.
	-$(SUDO) systemctl disable --now pgbouncer 2>/dev/null

pgbouncer: $(PGBOUNCER)
# Debian's podman and runc (crun refuses this machine's cgroups), debootstrap for the base images.
PODMAN_PACKAGES := podman runc conmon containernetworking-plugins slirp4netns uidmap \
	fuse-overlayfs iptables catatonit debootstrap
podman:
	@command -v podman >/dev/null && command -v runc >/dev/null && command -v debootstrap >/dev/null \
		|| { $(SUDO) apt-get -o DPkg::Lock::Timeout=600 update -qq && $(APT_INSTALL) $(PODMAN_PACKAGES); }

# localhost/base-{debian,python,node}:bookworm from Debian packages; skipped when current.
base-images: podman
	$(SUDO) scripts/base_images.sh

# The Dockerfile, built by podman from the local bases; a second run reuses every layer.
IMAGE ?= localhost/preview-stack:local
image: base-images
	podman build --network host --layers --format docker \
		--build-arg NODE_IMAGE=localhost/base-node:bookworm \
		--build-arg PYTHON_IMAGE=localhost/base-python:bookworm \
		-t $(IMAGE) .

# temporal-ui from the Go module at the pinned version (scripts/temporal_ui_image.sh).
ui-image: base-images
	$(SUDO) scripts/temporal_ui_image.sh

# The rendered preview pods under podman, then envctl smoke against them (tests/containers).
test-containers: install image ui-image
	CONTAINERS_REQUIRED=1 $(BIN)/pytest -m containers tests/containers $(PYTEST_ARGS)

# ci/test's compose smoke test under podman (scripts/compose_smoke.sh), with local stand-ins for
# the compose file's postgres and mailpit images; not part of `make test` (CI runs it with Docker).
PODMAN_COMPOSE_VERSION := 1.6.0
test-compose: install image
	$(SUDO) scripts/compose_images.sh
	PODMAN_COMPOSE="$(UV) tool run --from podman-compose==$(PODMAN_COMPOSE_VERSION) podman-compose" \
		scripts/compose_smoke.sh
# Production Temporal run here (tests/prod_temporal): the pinned server and the previous minor
# release (the upgrade test's start), built from go.temporal.io/server and packaged as local
# images under the pinned names. Binaries are cached in ~/.cache/preview-stack/temporal/<version>/.
TEMPORAL_VERSION := $(shell sed -n 's|^temporal_server = ".*:\([0-9][0-9.]*\)".*|\1|p' deploy/envctl.toml)
prod-temporal-images: install base-images
	scripts/temporal_images.sh $(TEMPORAL_VERSION)
	scripts/temporal_images.sh $$(scripts/temporal_previous_minor.sh $(TEMPORAL_VERSION))

test-prod-temporal: prod-temporal-images
	PROD_TEMPORAL_REQUIRED=1 $(BIN)/pytest tests/prod_temporal $(PYTEST_ARGS)

openapi: install $(NODE_MODULES)
	$(PY) -m devstack.openapi_document
	cd frontend && npm run openapi:types

# Ports come from the environment (WEB_PORT, TEMPORAL_PORT, TEMPORAL_UI_PORT,
# WORKER_HEALTH_PORT, WORKER_METRICS_PORT, SMTP_PORT); the defaults are the usual ones.
WEB_PORT ?= 8080
TEMPORAL_UI_PORT ?= 8233

run: install frontend
	@mkdir -p var
	@echo ""
	@echo "  web app      http://localhost:$(WEB_PORT)"
	@echo "  Temporal UI  http://localhost:$(TEMPORAL_UI_PORT)"
	@echo "  (Ctrl-C stops everything; state is kept in ./var)"
	@echo ""
	TEMPORAL_UI_URL=$${TEMPORAL_UI_URL:-http://localhost:$(TEMPORAL_UI_PORT)} \
	PUBLIC_URL=$${PUBLIC_URL:-http://localhost:$(WEB_PORT)} \
	WEB_PORT=$(WEB_PORT) TEMPORAL_UI_PORT=$(TEMPORAL_UI_PORT) \
	$(BIN)/honcho -f Procfile start

# The local control plane (cluster/): etcd, kube-apiserver, controller-manager, scheduler and
# kwok, built with Go from the module proxy once per version into
# ~/.cache/preview-stack/cluster/bin/. A KUBECONFIG set by the caller means "use that cluster":
# nothing is built, and the tests run against it.
cluster-build:
	@if [ -n "$$KUBECONFIG" ]; then echo "cluster-build: KUBECONFIG is set; using that cluster, building nothing"; \
	else cluster/build.sh; fi

cluster-up:
	@if [ -n "$$KUBECONFIG" ]; then echo "cluster-up: KUBECONFIG=$$KUBECONFIG is set; using that cluster"; \
	else cluster/up.sh; fi

cluster-down:
	@if [ -n "$$KUBECONFIG" ]; then echo "cluster-down: KUBECONFIG is set; leaving that cluster alone"; \
	else cluster/down.sh; fi

# The lifecycle suite starts (and stops) its own local cluster, or uses the caller's KUBECONFIG.
TEST_KUBECONFIG := $(if $(KUBECONFIG),ENVCTL_TEST_KUBECONFIG=$(KUBECONFIG))

test: install frontend $(API_TYPES) chromium pgbouncer image ui-image prod-temporal-images cluster-build
	cd frontend && npx vitest run
	$(TEST_KUBECONFIG) CHROMIUM_PATH=$(CHROMIUM) E2E_REQUIRED=1 CONTAINERS_REQUIRED=1 PROD_TEMPORAL_REQUIRED=1 $(BIN)/pytest --cov --cov-report=term --cov-report=xml:coverage.xml --cov-fail-under=85 $(PYTEST_ARGS)
	$(PY) -m tests.support.pooled_database $(BIN)/pytest tests/app $(PYTEST_ARGS)

# The frontend's lcov for SonarQube (ci.yml `sonarqube`): the coverage provider is installed
# there only, without saving, so `make test` does not carry it.
VITEST_COVERAGE_VERSION := 4.1.12
coverage-frontend: $(NODE_MODULES) $(API_TYPES)
	cd frontend && npm install --no-save --no-audit --no-fund @vitest/coverage-v8@$(VITEST_COVERAGE_VERSION)
	cd frontend && npx vitest run --coverage --coverage.reporter=lcov --coverage.reportsDirectory=coverage

test-faults: install pgbouncer
	$(BIN)/pytest -m faults tests/faults $(PYTEST_ARGS)

# tests/app against a preview database reached only through PgBouncer (pooled mode).
test-pooled: install pgbouncer
	$(PY) -m tests.support.pooled_database $(BIN)/pytest tests/app $(PYTEST_ARGS)

test-fuzz: install
	$(BIN)/pytest -m fuzz tests/fuzz $(PYTEST_ARGS)

# Each job type's main paths on a real dev server and worker; the new folder replaces
# tests/histories/ only when every case passed. Commit the result.
histories: install
	@rm -rf tests/histories.new
	HISTORIES_OUT=tests/histories.new $(BIN)/pytest -p no:cacheprovider -q \
		tests/replay/record_histories.py $(PYTEST_ARGS)
	@rm -rf tests/histories && mv tests/histories.new tests/histories
	@git -C . status --short -- tests/histories | sed 's/^/  /'; echo "recorded into tests/histories/"

test-replay: install
	$(BIN)/pytest tests/replay $(PYTEST_ARGS)

# An environment's recent closed histories (envctl histories, through the cluster), replayed
# with tests/histories on this code; exit 1 on a non-deterministic change (cd_production).
REPLAY_ENV ?= permanent-preview
replay-env: install
	@rm -rf artifacts/histories
	$(BIN)/envctl histories $(REPLAY_ENV) --out artifacts/histories --since 7d
	$(PY) -m app.worker.replay tests/histories artifacts/histories

BENCH_ARGS ?=

# Not part of `make test`: boot time and cgroup memory of the preview pods under podman.
bench-containers: install image ui-image
	$(PY) -m bench.containers

# Not part of `make test`: several minutes of load on the whole machine.
bench: install
	@command -v wrk >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk) \
		|| { echo "make bench needs wrk: apt-get install wrk" >&2; exit 1; }
	$(UV) sync --frozen --python python3.11 --group bench --inexact
	$(PY) -m bench $(BENCH_ARGS)

# 100 previews on one PostgreSQL (max_connections 50) through PgBouncer; writes its section
# of docs/benchmarks.md. Not part of `make test`: minutes of load.
bench-density: install pgbouncer
	nice -n 10 $(PY) -m bench.density $(BENCH_ARGS)
# Not part of `make test`: each Go build make test needs, cold, one at a time (an hour or more of CPU).
bench-cold-builds: install
	bench/cold_builds.sh

# Deploy, redeploy and destroy timed on the local control plane; writes its docs/benchmarks.md section.
bench-deploy: install cluster-build
	$(TEST_KUBECONFIG) nice -n 10 $(PY) -m bench.deploy $(BENCH_ARGS)

lint: install $(NODE_MODULES) $(API_TYPES)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	cd frontend && npx eslint --max-warnings=0 .
	cd frontend && npx prettier --check .
	cd frontend && npm run typecheck
	frontend/node_modules/.bin/markdownlint-cli2 # every tracked Markdown file: .markdownlint-cli2.jsonc
	$(MAKE) --no-print-directory security

CHECKOV_VERSION = $(shell sed -n 's/^CHECKOV_VERSION = "\(.*\)"/\1/p' envctl/checks/checkov.py)
CHECKOV = $(UV) tool run --from checkov==$(CHECKOV_VERSION) checkov --compact --skip-download --quiet

# Security checks: ruff's S rules run in `lint`; here checkov (rendered manifests of every
# env kind, the Dockerfile, the workflows), hadolint, zizmor and the dependency audits.
security: install
	@rm -rf .tools/rendered && mkdir -p .tools/rendered
	$(BIN)/envctl render preview --pr 123 --out .tools/rendered/preview
	$(BIN)/envctl render permanent-preview --out .tools/rendered/permanent-preview
	$(BIN)/envctl render production --out .tools/rendered/production
	$(CHECKOV) --framework kubernetes --directory .tools/rendered
	$(CHECKOV) --framework dockerfile --file Dockerfile
	$(CHECKOV) --framework github_actions --directory .github
	$(BIN)/hadolint Dockerfile
	$(BIN)/zizmor --offline --min-severity medium .github
	scripts/audit_dependencies.sh

# The automated PR review (ci.yml `review`): manifest diff vs BASE, migrations, audit, and
# the workflow determinism (replay of tests/histories and of HISTORIES, exported histories).
BASE ?= origin/main
HISTORIES ?=
review: install
	$(PY) scripts/review.py --base $(BASE) $(if $(HISTORIES),--histories $(HISTORIES))

# CI: write the cluster credentials from the KUBECONFIG secret to $KUBECONFIG (mode 600).
kubeconfig:
	@test -n "$$KUBECONFIG" || { echo "KUBECONFIG: set it to the path to write" >&2; exit 2; }
	@test -n "$$KUBECONFIG_DATA" || { echo "KUBECONFIG_DATA: empty; add the KUBECONFIG secret" >&2; exit 2; }
	@umask 077 && printf '%s\n' "$$KUBECONFIG_DATA" > "$$KUBECONFIG"
	@echo "wrote $$KUBECONFIG"
