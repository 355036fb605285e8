# OKR Workbench — every target does its own set-up on a fresh machine.
#   make demo     set up, load the sample into the embedded store, pull its sourced key
#                 results from the sample warehouse, print the sample scorecard,
#                 render the sample quarter's HTML reports and print the path of index.html
#   make reports  the reports only (the sample is loaded first if the store lacks it)
#   make test     set up (Python packages, Debian chromium + postgresql + npm, the proxy of
#                 deploy/jupyterhub/), run the whole suite
#   make lab      JupyterLab on notebooks/, 127.0.0.1 with a token
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
OKRKIT := $(VENV)/bin/okrkit
STAMP := $(VENV)/.installed
SAMPLE_PERIOD := 2026-Q1
SAMPLE_AS_OF := 2026-02-13
PYTEST_ARGS ?=
# JupyterHub's proxy (deploy/jupyterhub/ and its test), from npm into a project-local prefix
NPM_PREFIX := .npm
CHP := $(NPM_PREFIX)/node_modules/.bin/configurable-http-proxy
CHP_VERSION := 5.3.0

.PHONY: setup system demo reports test lint lab workshop bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $(STAMP)

$(CHP):
	@command -v npm >/dev/null || { echo "npm is missing: run 'make system' (root) first" >&2; exit 1; }
	npm install --prefix $(NPM_PREFIX) --no-audit --no-fund --loglevel=error configurable-http-proxy@$(CHP_VERSION)

setup: $(STAMP) $(CHP)

# Debian packages the browser, PostgreSQL and JupyterHub tests need (root; skipped when present).
system:
	@if ! command -v chromium >/dev/null || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
		|| ! command -v npm >/dev/null; then \
		echo "installing Debian packages: chromium postgresql nodejs npm"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium postgresql nodejs npm >/dev/null; \
	fi

demo: $(STAMP)
	$(OKRKIT) sample
	$(OKRKIT) pull --period $(SAMPLE_PERIOD) --as-of $(SAMPLE_AS_OF)
	$(OKRKIT) score $(SAMPLE_PERIOD) --as-of $(SAMPLE_AS_OF)
	$(OKRKIT) calibration --all --as-of $(SAMPLE_AS_OF)
	$(OKRKIT) report --period $(SAMPLE_PERIOD) --all-teams --as-of $(SAMPLE_AS_OF) --out reports/$(SAMPLE_PERIOD)

reports: $(STAMP)
	$(OKRKIT) sample
	$(OKRKIT) report --period $(SAMPLE_PERIOD) --all-teams --as-of $(SAMPLE_AS_OF) --out reports/$(SAMPLE_PERIOD)

test: $(STAMP) system $(CHP)
	bash scripts/run_tests.sh $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check okrkit tests benchmarks deploy

lab: $(STAMP)
	$(OKRKIT) lab

workshop: $(STAMP)
	$(OKRKIT) workshop

bench: $(STAMP)
	$(PY) benchmarks/bench_scoring.py
	$(PY) benchmarks/bench_store.py
	$(PY) benchmarks/bench_end_to_end.py
	$(PY) benchmarks/bench_plan_load.py
	$(PY) benchmarks/bench_whatif.py
	$(PY) benchmarks/bench_reports.py
	$(PY) benchmarks/bench_single_report.py
	$(PY) benchmarks/bench_notebook_start.py
	$(PY) benchmarks/bench_backtest.py

clean:
	rm -rf $(VENV) $(NPM_PREFIX) reports .pytest_cache .ruff_cache .hypothesis
