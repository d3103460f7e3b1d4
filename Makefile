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
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

export UV_PYTHON_DOWNLOADS := never
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: help install run test test-faults test-fuzz bench lint security review migrate kubeconfig \
	frontend dev chromium openapi cluster-build cluster-up cluster-down bench-deploy

help:
	@echo "make run      - build the React app, start Temporal dev server + UI, the worker and the web app"
	@echo "make test     - bring up PostgreSQL and Temporal, run every suite (Vitest, pytest, Playwright)"
	@echo "make lint     - ruff (with bandit rules), ruff format --check, mypy, eslint, prettier --check,"
	@echo "                tsc --noEmit, security checks"
	@echo "make dev      - Vite dev server on :5173 with hot reload, /api proxied to :8080 (make run)"
	@echo "make openapi  - refresh the frontend's copy of the OpenAPI document and its TypeScript types"
	@echo "make test-faults - only the fault-injection suite (tests/faults); table in artifacts/faults/"
	@echo "make test-fuzz   - only schemathesis + the route sweep (tests/fuzz); summary in artifacts/fuzz/"
	@echo "make bench       - benchmarks against the raw Temporal SDK; writes docs/benchmarks.md"
	@echo "make cluster-up  - local Kubernetes control plane built from source (kwok nodes);"
	@echo "                   KUBECONFIG=.cluster/kubeconfig. With KUBECONFIG set: that cluster, no build"
	@echo "make cluster-down - stop it"
	@echo "make bench-deploy - envctl deploy/redeploy/destroy times on the local control plane"

$(UV):
	python3 -m pip install --quiet --disable-pip-version-check --target .tools/uv "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python python3.11
	@touch $@

install: $(VENV)/.synced

migrate: install
	$(PY) -m app.migrate

$(NODE_MODULES): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

frontend/dist/index.html: $(NODE_MODULES) $(FRONTEND_SOURCES)
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

openapi: install $(NODE_MODULES)
	$(PY) -m tests.e2e.openapi_document
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

# The local control plane (cluster/): etcd, kube-apiserver, controller-manager, scheduler and kwok,
# built with Go from the module proxy once per version into .cluster/bin/. A KUBECONFIG set by
# the caller means "use that cluster": nothing is built, and the tests run against it.
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

test: install frontend chromium cluster-build
	cd frontend && npx vitest run
	$(TEST_KUBECONFIG) CHROMIUM_PATH=$(CHROMIUM) E2E_REQUIRED=1 $(BIN)/pytest --cov --cov-report=term --cov-report=xml:coverage.xml --cov-fail-under=85 $(PYTEST_ARGS)

test-faults: install
	$(BIN)/pytest -m faults tests/faults $(PYTEST_ARGS)

test-fuzz: install
	$(BIN)/pytest -m fuzz tests/fuzz $(PYTEST_ARGS)

BENCH_ARGS ?=

# Not part of `make test`: several minutes of load on the whole machine.
bench: install
	@command -v wrk >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk) \
		|| { echo "make bench needs wrk: apt-get install wrk" >&2; exit 1; }
	$(UV) sync --frozen --python python3.11 --group bench --inexact
	$(PY) -m bench $(BENCH_ARGS)

# Deploy, redeploy and destroy timed on the local control plane; writes its docs/benchmarks.md section.
bench-deploy: install cluster-build
	$(TEST_KUBECONFIG) nice -n 10 $(PY) -m bench.deploy $(BENCH_ARGS)

lint: install $(NODE_MODULES)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	cd frontend && npx eslint --max-warnings=0 .
	cd frontend && npx prettier --check .
	cd frontend && npm run typecheck
	$(MAKE) --no-print-directory security

CHECKOV_VERSION = $(shell sed -n 's/^CHECKOV_VERSION = "\(.*\)"/\1/p' envctl/checkov.py)
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

# The automated PR review (ci.yml `review`): manifest diff vs BASE, migrations, audit.
BASE ?= origin/main
review: install
	$(PY) scripts/review.py --base $(BASE)

# CI: write the cluster credentials from the KUBECONFIG secret to $KUBECONFIG (mode 600).
kubeconfig:
	@test -n "$$KUBECONFIG" || { echo "KUBECONFIG: set it to the path to write" >&2; exit 2; }
	@test -n "$$KUBECONFIG_DATA" || { echo "KUBECONFIG_DATA: empty; add the KUBECONFIG secret" >&2; exit 2; }
	@umask 077 && printf '%s\n' "$$KUBECONFIG_DATA" > "$$KUBECONFIG"
	@echo "wrote $$KUBECONFIG"
