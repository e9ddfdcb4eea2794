# Two commands do everything: `make demo` runs the product, `make test` runs every test.
# Each does its own set-up: a virtual environment in .venv with the locked dependencies,
# and (for tests) the Debian packages the real-engine tests need.
# The libraries are compiled to bytecode at install (--compile-bytecode): where PYTHONDONTWRITEBYTECODE is
# set (as on the machine the suite is timed on), each `salesglass` process, and a test run starts many, would
# otherwise compile ibis, duckdb, sqlglot, … from source again (about 1 s of CPU each).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench install system-deps clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --python $(BIN)/python --quiet --compile-bytecode -r requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python --quiet --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

## make demo: generate a company, sync it through the amoCRM emulator, load, build, open the dashboard
demo: $(STAMP)
	$(BIN)/salesglass demo $(ARGS)

system-deps:
	@bash scripts/system-deps.sh

## make test: the whole suite (starts its own PostgreSQL, drives Debian's Chromium)
# Two test processes (pytest-xdist): the suite is one busy Python thread most of the time and CI's machine
# has two cores. --dist loadscope keeps each module in one process, so a module's fixtures (its browser,
# its live stack) start once. TEST_WORKERS=0 runs everything in this process. --durations lists the 40
# slowest tests at the end, so a CI log shows where the suite's time goes (the budget is 15 minutes).
TEST_WORKERS ?= 2
test: $(STAMP) system-deps lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope --durations=40 $(ARGS)

## make lint: the formatter's check, the linter and the type checker (mypy on salesglass/, pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff format --check salesglass tests bench
	$(BIN)/ruff check salesglass tests bench
	$(BIN)/mypy

bench: $(STAMP)
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) demo .ci/artifacts
