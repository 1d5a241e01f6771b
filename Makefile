# govshare: `make demo` runs the platform on SQLite with the demo data; `make test` runs the suite
# on SQLite, and again on PostgreSQL when GOVSHARE_TEST_DATABASE_URL is set.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: demo test install install-test browser lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'

browser:
	scripts/ensure-browser

demo: install
	$(BIN)/govshare migrate --no-input
	$(BIN)/govshare demo
	$(BIN)/govshare serve --bind 127.0.0.1:8000

test: install-test browser
	@echo "== govshare test suite on SQLite =="
	$(BIN)/pytest
	@if [ -n "$$GOVSHARE_TEST_DATABASE_URL" ]; then \
	  echo "== govshare test suite on PostgreSQL ($$GOVSHARE_TEST_DATABASE_URL) =="; \
	  GOVSHARE_DATABASE_URL="$$GOVSHARE_TEST_DATABASE_URL" $(BIN)/pytest; \
	else \
	  echo "== PostgreSQL run skipped: set GOVSHARE_TEST_DATABASE_URL to run it =="; \
	fi

# bandit fails on any high-severity finding. pip-audit asks PyPI's per-release JSON API (or OSV)
# for known vulnerabilities: on a machine that reaches neither, run `make lint PIP_AUDIT=0` and
# audit from a connected one (docs/security.md).
PIP_AUDIT ?= 1
lint: install-test
	$(BIN)/ruff check govshare $(wildcard bench)
	$(BIN)/bandit -q -r govshare -x '*/tests/*,*/migrations/*' --severity-level high
	@if [ "$(PIP_AUDIT)" = "1" ]; then \
	  $(BIN)/pip-audit --progress-spinner off --skip-editable --vulnerability-service pypi --strict; \
	else echo "== pip-audit skipped (PIP_AUDIT=0) =="; fi
