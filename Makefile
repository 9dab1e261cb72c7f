# Every target makes or refreshes .venv itself: a fresh clone needs only Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo sync test lint bench clean

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

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache demo.duckdb .bench
