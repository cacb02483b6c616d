# Two commands: `make run` starts the helpline, `make test` runs every check.
# Both create .venv and install the project the first time (and again when pyproject.toml changes).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/helpline run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/helpline flows check --strict
	$(BIN)/helpline i18n check
	$(BIN)/helpline flows test --min-coverage 100
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/engine_bench.py
	$(BIN)/python bench/message_bench.py
	$(BIN)/python bench/matching_bench.py
	$(BIN)/python bench/storage_bench.py
	$(BIN)/python bench/load/run.py
	$(BIN)/python bench/example_report.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
