# undersigned: `make demo` runs the platform, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
# Links in the demo's e-mail must point at the port the demo serves on.
SITE_URL ?= http://127.0.0.1:$(PORT)
DEMO_ENV = UNDERSIGNED_DEMO=1 SITE_URL=$(SITE_URL)

.PHONY: demo test lint format services bench clean migrations-check messages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## demo: install, migrate SQLite, load the demo, run the web server and the worker.
# Whichever of the two stops first (Ctrl-C, a crash, a busy port), the other is
# stopped too. The trap clears itself first: a bare `kill 0` would signal its own
# shell again and recurse until the shell crashed.
demo: $(STAMP)
	$(DEMO_ENV) $(BIN)/undersigned migrate --verbosity 0
	$(DEMO_ENV) $(BIN)/undersigned demo
	@echo ""
	@echo "  undersigned is running at http://127.0.0.1:$(PORT)/  (Ctrl-C stops the server and the worker)"
	@echo ""
	@trap 'trap - INT TERM EXIT; kill $$(jobs -p) 2>/dev/null; wait' INT TERM EXIT; \
	$(DEMO_ENV) $(BIN)/undersigned worker --interval 0.5 & \
	$(DEMO_ENV) $(BIN)/undersigned runserver --insecure --noreload 127.0.0.1:$(PORT) & \
	wait -n

## test: ruff, mypy, the migrations check, then the whole suite on SQLite and,
## when reachable, on PostgreSQL.
test: $(STAMP)
	bash scripts/test-services.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(MAKE) --no-print-directory migrations-check
	bash scripts/run-tests.sh

## migrations-check: fails when a model changed without its migration.
migrations-check: $(STAMP)
	env -u DATABASE_URL UNDERSIGNED_TESTING=1 UNDERSIGNED_VAR_DIR=$$(mktemp -d) \
	  $(BIN)/undersigned makemigrations --check --dry-run

## bench: the real stack under a surge, on PostgreSQL and SQLite, and the multi-node
## topology on PostgreSQL (needs Debian's haproxy and pgbouncer; about an hour, longer
## while the machine is busy: it waits for a quiet one). See docs/performance.md and
## docs/scaling.md.
# Not part of `make test`. BENCH_ARGS passes options, e.g. BENCH_ARGS="--db postgres --quick".
bench: $(STAMP) $(VENV)/.bench-installed
	$(BIN)/python bench/run.py $(BENCH_ARGS)

$(VENV)/.bench-installed: pyproject.toml
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

## messages: collect the marked strings into the catalogues (.po) and compile them
## (.mo, committed: installing needs no gettext). Needs GNU gettext (Debian: gettext).
messages: $(STAMP)
	cd undersigned && UNDERSIGNED_TESTING=1 PYTHONPATH=.. ../$(BIN)/django-admin makemessages \
	  --settings=undersigned.settings -l es -e html,txt,svg,py --no-location --no-obsolete -i "migrations/*" \
	  -i "organise/*" -i "templates/organise/*" -i "staff/*" -i "templates/admin/*" \
	  -i "campaigns/readiness.py" -i "areas/coverage.py" -i "api/osdi.py" -i "api/hal.py" -i "api/helper.py" -i "integrations/*"
	cd undersigned && UNDERSIGNED_TESTING=1 PYTHONPATH=.. ../$(BIN)/django-admin compilemessages \
	  --settings=undersigned.settings

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf var .pytest_cache
