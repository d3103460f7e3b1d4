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

export UV_PYTHON_DOWNLOADS := never

.PHONY: help install run test test-faults test-fuzz bench lint migrate frontend

help:
	@echo "make run   - start Temporal dev server + UI, the worker and the web app"
	@echo "make test  - bring up PostgreSQL and Temporal, run every suite"
	@echo "make lint  - ruff, ruff format --check, mypy"
	@echo "make test-faults - only the fault-injection suite (tests/faults); table in artifacts/faults/"
	@echo "make test-fuzz   - only schemathesis + the route sweep (tests/fuzz); summary in artifacts/fuzz/"
	@echo "make bench       - benchmarks against the raw Temporal SDK; writes docs/benchmarks.md"

$(UV):
	python3 -m pip install --quiet --disable-pip-version-check --target .tools/uv "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python python3.11
	@touch $@

install: $(VENV)/.synced

migrate: install
	$(PY) -m app.migrate

# Ports come from the environment (WEB_PORT, TEMPORAL_PORT, TEMPORAL_UI_PORT,
# WORKER_HEALTH_PORT, WORKER_METRICS_PORT, SMTP_PORT); the defaults are the usual ones.
WEB_PORT ?= 8080
TEMPORAL_UI_PORT ?= 8233

run: install
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

test: install
	$(BIN)/pytest --cov --cov-report=term --cov-report=xml:coverage.xml --cov-fail-under=85 $(PYTEST_ARGS)

test-faults: install
	$(BIN)/pytest -m faults tests/faults $(PYTEST_ARGS)

test-fuzz: install
	$(BIN)/pytest -m fuzz tests/fuzz $(PYTEST_ARGS)

BENCH_ARGS ?=

# Not part of `make test`: several minutes of load on the whole machine.
bench: install
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) \
		|| { echo "make bench needs wrk: apt-get install wrk" >&2; exit 1; }
	$(UV) sync --frozen --python python3.11 --group bench --inexact
	$(PY) -m bench $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
