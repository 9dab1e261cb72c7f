# Every target makes or refreshes .venv itself: a fresh clone needs only Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# Airflow has its own venv: with Airflow importable, dlt would ask Airflow for every config
# value. The DAG in dags/ runs the project's command with .venv's python, so both are built.
AIRFLOW_VERSION := 3.3.2
AIRFLOW_VENV := .venv-airflow
AIRFLOW_STAMP := $(AIRFLOW_VENV)/.installed-$(AIRFLOW_VERSION)

.PHONY: install demo sync webhooks models docs test lint bench clean airflow

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The real pipelines against the bundled fake APIs, into ./demo.duckdb; no credentials needed.
demo: $(STAMP)
	$(BIN)/python -m pipelines.demo

# Every configured source into the configured destination (ARGS="--destination postgres").
sync: $(STAMP)
	$(BIN)/python -m pipelines.sync $(ARGS)

# Ticket Tailor's webhook receiver on 127.0.0.1:8080 (ARGS="--host 0.0.0.0 --port 8081").
webhooks: $(STAMP)
	$(BIN)/python -m pipelines.webhooks $(ARGS)

# The analysts' dbt models (transform/) over what the syncs loaded; `make sync` runs it too.
models: $(STAMP)
	$(BIN)/python -m pipelines.models $(ARGS)

# The data dictionary of every model and loaded table: transform/target/static_index.html.
docs: $(STAMP)
	$(BIN)/python -m pipelines.models --docs $(ARGS)

# The Airflow tests (tests/test_airflow.py) need .venv-airflow: a fresh clone builds it here.
# Two workers: the end-to-end tests spend most of their time in sync subprocesses.
test: lint $(AIRFLOW_STAMP)
	$(BIN)/python -m pytest --numprocesses 2 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)

# Apache Airflow in .venv-airflow, for dags/ticketing_elt.py (and the project venv it runs).
airflow: $(STAMP) $(AIRFLOW_STAMP)

$(AIRFLOW_STAMP):
	rm -rf $(AIRFLOW_VENV)
	$(PYTHON) -m venv $(AIRFLOW_VENV)
	$(AIRFLOW_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(AIRFLOW_VENV)/bin/python -m pip install --quiet "apache-airflow==$(AIRFLOW_VERSION)"
	touch $(AIRFLOW_STAMP)

clean:
	rm -rf $(VENV) $(AIRFLOW_VENV) .pytest_cache .ruff_cache demo.duckdb .bench .demo \
		transform/target transform/logs
