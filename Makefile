# undersigned: `make demo` runs the platform, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_ENV := UNDERSIGNED_DEMO=1
PORT ?= 8000

.PHONY: demo test lint format services bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## demo: install, migrate SQLite, load the demo, run the web server and the worker.
demo: $(STAMP)
	$(DEMO_ENV) $(BIN)/undersigned migrate --verbosity 0
	$(DEMO_ENV) $(BIN)/undersigned demo
	@echo ""
	@echo "  undersigned is running at http://127.0.0.1:$(PORT)/  (Ctrl-C stops the server and the worker)"
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	$(DEMO_ENV) $(BIN)/undersigned db_worker --queue-name '*' --interval 0.5 --no-reload & \
	$(DEMO_ENV) $(BIN)/undersigned runserver --insecure --noreload 127.0.0.1:$(PORT)

## test: ruff, then the whole suite on SQLite and, when reachable, on PostgreSQL.
test: $(STAMP)
	bash scripts/test-services.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	bash scripts/run-tests.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf var .pytest_cache
