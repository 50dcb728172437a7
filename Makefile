# Everything a fresh machine needs: `make run` and `make test` set up what they use.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
# DuckDB 1.x clients (Python and CLI), apart from the project's DuckDB, for the BI tests.
CLIENTS := .venv-clients
# The team set-up (Celery, Redis, Postgres drivers) for `make deploy-test`.
CELERY_VENV := .venv-celery
BIN := $(CURDIR)/$(VENV)/bin
PY := $(BIN)/python
# Every runtime command goes through the wrapper the README's commands use: one environment.
WAREHOUSE := $(CURDIR)/bin/warehouse

# A project-local Airflow: SQLite metadata and this project's DAGs only.
export AIRFLOW_HOME ?= $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
# The plugin that creates the warehouse writers' pool when a scheduler starts.
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export DATA_DIR ?= $(CURDIR)/data
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

# pip does not byte-compile (one file at a time, a third of the install); the environment is
# compiled afterwards on every core. Left to the first import, nothing is written where
# PYTHONDONTWRITEBYTECODE is set, and every process (each Airflow task runner, each dbt
# build) compiled Airflow, dbt and Great Expectations from source again: a second or more each.
PIP_INSTALL := $(BIN)/pip install --quiet --disable-pip-version-check --no-compile -c constraints.txt
COMPILE := $(BIN)/python -m compileall -q -j 0

.PHONY: help install install-dev airflow-init airflow browser run test test-setup lint unit e2e build rollback rollforward release builds summary marts settings answers report bench mutations deploy-services deploy-test postgres serve clean

help:
	@echo "make run      set up, then run every ingest DAG and the warehouse build (Airflow, SQLite)"
	@echo "make test     set up, lint (ruff, sqlfluff) and run the test suite"
	@echo "make build    rebuild and republish the warehouse from the published sources (no Airflow; FULL=1 rebuilds every model)"
	@echo "make rollback publish the build before the published one and hold it: builds wait for make release"
	@echo "make rollforward publish the build after the published one (the newest kept one ends the hold)"
	@echo "make release  end a hold: the next build publishes as usual"
	@echo "make builds   list the kept builds, the published one marked"
	@echo "make summary  what is published (make marts: each mart's rows and latest month)"
	@echo "make report   draw the report (charts, sentences) from the published warehouse again"
	@echo "make answers  the headline questions answered from the published marts, beside the published figures"
	@echo "make mutations corrupt every source's fixture and real file; the verdict table (README)"
	@echo "make airflow  the local Airflow (UI on http://127.0.0.1:8080; AIRFLOW_HOST, AIRFLOW_PORT, AIRFLOW_WORKERS); Ctrl-C stops it"
	@echo "make deploy-test replay docker-compose.yaml's services (Postgres, Redis, two Celery workers) and check a deployment"
	@echo "make serve    copy the published build into the serving database (Postgres; SERVING_DSN) and publish it there"
	@echo "make bench    measure the pipeline on SOURCE_MIRROR (default ../shared/sources); table + data/bench/latest.json"

$(VENV)/.installed: requirements.txt constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -r requirements.txt
	$(PIP_INSTALL) --no-deps -e .
	$(COMPILE) $(VENV)/lib
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP_INSTALL) -r requirements-dev.txt
	$(COMPILE) $(VENV)/lib
	touch $@

$(CLIENTS)/.installed: requirements-clients.txt
	$(PYTHON) -m venv $(CLIENTS)
	$(CLIENTS)/bin/pip install --quiet --disable-pip-version-check -r requirements-clients.txt
	touch $@

# dbt's parse of the project, made once per change of the project (as bytecode is): a new
# data folder's first build starts from it instead of parsing everything (5 s of a night).
DBT_PROJECT_FILES := $(shell find dbt_project -path dbt_project/target -prune -o -type f \( -name '*.sql' -o -name '*.yml' -o -name '*.csv' \) -print)
dbt_project/target/partial_parse.msgpack: $(VENV)/.installed $(DBT_PROJECT_FILES)
	@$(WAREHOUSE) python -m treasury_warehouse parse > /dev/null
	@touch $@

install: $(VENV)/.installed dbt_project/target/partial_parse.msgpack
install-dev: $(VENV)/.installed-dev

$(AIRFLOW_HOME)/airflow.db: $(VENV)/.installed
	$(BIN)/airflow db migrate > /dev/null
	$(BIN)/airflow pools set warehouse_writer 1 "serialises writers of the DuckDB warehouse" > /dev/null

airflow-init: $(AIRFLOW_HOME)/airflow.db

# The api-server (UI), scheduler and dag-processor: LocalExecutor and SQLite, with
# this project's DAGs and plugin; unpausing starts no run. Ctrl-C stops every service.
AIRFLOW_HOST ?= 127.0.0.1
AIRFLOW_PORT ?= 8080
AIRFLOW_WORKERS ?= 2
airflow: install airflow-init
	$(WAREHOUSE) python -m treasury_warehouse airflow --host $(AIRFLOW_HOST) --port $(AIRFLOW_PORT) --workers $(AIRFLOW_WORKERS)

$(CELERY_VENV)/.installed: requirements-celery.txt requirements.txt constraints.txt pyproject.toml
	$(PYTHON) -m venv $(CELERY_VENV)
	$(CELERY_VENV)/bin/pip install --quiet --disable-pip-version-check -c constraints.txt -r requirements-celery.txt
	$(CELERY_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# Postgres and Redis from the distribution's packages, as the compose file's images run them.
deploy-services:
	@(ls /usr/lib/postgresql/*/bin/postgres && command -v redis-server) > /dev/null 2>&1 || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server > /dev/null)

deploy-test: $(CELERY_VENV)/.installed deploy-services
	$(CELERY_VENV)/bin/python -m tools.deploy celery

# The SOURCE_MIRROR `make run` ran with (empty: the publishers), for `make airflow` and
# bin/warehouse afterwards.
settings:
	@mkdir -p $(AIRFLOW_HOME)
	@mirror="$${SOURCE_MIRROR:-}"; if [[ -n "$$mirror" && "$$mirror" != *://* && -d "$$mirror" ]]; then mirror="$$(cd "$$mirror" && pwd)"; fi; \
		printf 'SOURCE_MIRROR=%q\n' "$$mirror" > $(AIRFLOW_HOME)/settings.env

run: install airflow-init settings
	@$(WAREHOUSE) python -m treasury_warehouse airflow-run
	@$(WAREHOUSE) python -m treasury_warehouse summary

build: install
	@$(WAREHOUSE) python -m treasury_warehouse build $(if $(filter 1,$(FULL)),--full)

rollback: install
	@$(WAREHOUSE) python -m treasury_warehouse rollback

rollforward: install
	@$(WAREHOUSE) python -m treasury_warehouse rollforward

release: install
	@$(WAREHOUSE) python -m treasury_warehouse release

builds: install
	@$(WAREHOUSE) python -m treasury_warehouse builds

summary: install
	@$(WAREHOUSE) python -m treasury_warehouse summary

marts: install
	@$(WAREHOUSE) python -m treasury_warehouse summary --marts

serve: install
	@$(WAREHOUSE) python -m treasury_warehouse serve

answers: install
	@$(WAREHOUSE) python -m treasury_warehouse answers

report: install
	@$(WAREHOUSE) python -m treasury_warehouse report

mutations: install
	$(PY) -m tools.mutations --real $${SOURCE_MIRROR:-../shared/sources}

# BENCH_ARGS, e.g. --runs 5 or "scale --scales 1,10"
bench: install airflow-init
	SOURCE_MIRROR=$${SOURCE_MIRROR:-../shared/sources} $(PY) -m tools.bench $(BENCH_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd dbt_project && $(BIN)/sqlfluff lint --processes 2 models tests macros

# The report's browser test drives the distribution's Chromium (no browser download).
browser:
	@command -v chromium > /dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null)

# The serving database's tests run the distribution's Postgres server (and psql, as a BI host would).
# After the browser: one apt-get at a time (dpkg's lock) when `make -j` runs them.
postgres: | browser
	@(ls /usr/lib/postgresql/*/bin/postgres && command -v psql) > /dev/null 2>&1 || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql > /dev/null)

# The set-up steps that do not depend on each other (the project's environment and lint,
# the clients' environment, the system packages) run side by side.
test-setup: lint $(CLIENTS)/.installed browser postgres dbt_project/target/partial_parse.msgpack

test:
	$(MAKE) -j3 test-setup
	DUCKDB1_CLIENTS=$(CURDIR)/$(CLIENTS) $(BIN)/pytest

clean:
	rm -rf $(VENV) $(CLIENTS) $(CELERY_VENV) .airflow data dbt_project/target dbt_project/logs
