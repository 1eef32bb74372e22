# doluong — two commands for a fresh clone:  `make demo`  and  `make test`.
# Only Python 3.11+, git and make are needed: the first run builds .venv with uv from the committed uv.lock.

PYTHON ?= python3
UV_VERSION = 0.13.8
VENV = .venv
TOOLS = .tools
UV = $(TOOLS)/bin/uv
export UV_PROJECT_ENVIRONMENT = $(abspath $(VENV))
# Python caches compiled modules (__pycache__, ignored by git): a machine that sets PYTHONDONTWRITEBYTECODE makes
# every process — each test worker, each child the tests start, the demo's worker — compile Django and doluong
# again (about 1.5 s a process here), so the commands below run without it: the first import writes the cache.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo test lint install serve clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	touch $@

install: $(VENV)/.installed

## Build the demo province database (SQLite) and serve it on http://127.0.0.1:8000
demo: install
	$(VENV)/bin/doluong demo

## Run the whole test suite (SQLite by default; set DATABASE_URL=postgres://… for PostgreSQL).
## Database tests run in TEST_WORKERS processes (the first builds the demo database and saves it as a template, the
## others copy it; the next run copies it too while the source is unchanged: tests/conftest.py); the browser tests run
## afterwards, one process per file (each copies the template), because a live server's teardown empties its database.
## The slowest 15 tests are printed (--durations).
TEST_WORKERS ?= 2
test: install
	$(VENV)/bin/python -m pytest -n $(TEST_WORKERS) --durations=15 -m "not browser" $(PYTEST_ARGS)
	for f in tests/browser/test_*.py; do \
	  $(VENV)/bin/python -m pytest -m browser $(PYTEST_ARGS) $$f; rc=$$?; [ $$rc = 0 ] || [ $$rc = 5 ] || exit $$rc; \
	done

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

serve: install
	$(VENV)/bin/doluong serve

clean:
	rm -rf $(VENV) $(TOOLS) var
