# govshare: `make demo` runs the platform on SQLite with the demo data; `make test` runs the suite
# on SQLite, and again on PostgreSQL when GOVSHARE_TEST_DATABASE_URL is set.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: demo test test-sqlite test-postgresql install install-test browser lint

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

# The two databases' runs are independent, so they run side by side; each one's output is printed
# whole when it ends (--output-sync), not interleaved.
test: install-test browser
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgresql

test-sqlite:
	@echo "== govshare test suite on SQLite =="
	$(BIN)/pytest

test-postgresql:
	@if [ -n "$$GOVSHARE_TEST_DATABASE_URL" ]; then \
	  echo "== govshare test suite on PostgreSQL ($$GOVSHARE_TEST_DATABASE_URL) =="; \
	  GOVSHARE_DATABASE_URL="$$GOVSHARE_TEST_DATABASE_URL" $(BIN)/pytest; \
	else \
	  echo "== PostgreSQL run skipped: set GOVSHARE_TEST_DATABASE_URL to run it =="; \
	fi

lint: install-test
	$(BIN)/ruff check govshare $(wildcard bench)
