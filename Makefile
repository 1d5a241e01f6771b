# govshare: `make demo` runs the platform on SQLite with the demo data; `make test` runs the suite
# on SQLite, and again on PostgreSQL when GOVSHARE_TEST_DATABASE_URL is set; `make test-national`
# (which `make test` runs after the SQLite run) runs the tests of what the cryptographic profile
# changes (audit, exchange, node, credentials, secrets) under the national profile.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: demo test test-national install install-test browser lint

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
	$(MAKE) test-national
	@if [ -n "$$GOVSHARE_TEST_DATABASE_URL" ]; then \
	  echo "== govshare test suite on PostgreSQL ($$GOVSHARE_TEST_DATABASE_URL) =="; \
	  GOVSHARE_DATABASE_URL="$$GOVSHARE_TEST_DATABASE_URL" $(BIN)/pytest; \
	else \
	  echo "== PostgreSQL run skipped: set GOVSHARE_TEST_DATABASE_URL to run it =="; \
	fi

NATIONAL_TESTS := govshare/audit govshare/exchange govshare/node govshare/core/tests/test_crypto.py \
	govshare/core/tests/test_keyring.py govshare/orgs/tests/test_credentials.py \
	govshare/opendata/tests/test_services.py govshare/notifications

test-national: install-test
	@echo "== audit, exchange, node and credential tests under the national profile (SM3, SM2, SM4) =="
	GOVSHARE_CRYPTO_PROFILE=national $(BIN)/pytest -m "not browser" $(NATIONAL_TESTS)

lint: install-test
	$(BIN)/ruff check govshare $(wildcard bench)
