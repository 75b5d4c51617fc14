# Interlude: `make run` serves the app, `make test` runs the whole suite.
# Both set up everything first: .venv with the package and its extras, and node_modules.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PACKAGES := interlude messaging crypto web worker

.PHONY: setup run migrate worker test test-python test-js lint format bench clean

setup: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

run: setup
	$(BIN)/interlude serve --host $(HOST) --port $(PORT)

migrate: setup
	$(BIN)/interlude migrate

worker: setup
	$(BIN)/interlude worker

test: setup test-js test-python

test-python: setup
	$(BIN)/pytest

test-js: setup
	node --test tests/js/

lint: setup
	$(BIN)/ruff check $(PACKAGES) tests bench
	$(BIN)/ruff format --check $(PACKAGES) tests bench
	$(BIN)/mypy --strict -p interlude -p messaging -p crypto -p web -p worker

format: setup
	$(BIN)/ruff format $(PACKAGES) tests bench
	$(BIN)/ruff check --fix $(PACKAGES) tests bench

bench: setup
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
