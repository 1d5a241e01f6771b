# govshare: `make demo` runs the platform on SQLite with the demo data; `make test` runs the suite
# on SQLite, again on PostgreSQL when GOVSHARE_TEST_DATABASE_URL is set, and the tests of what the
# cryptographic profile changes (audit, exchange, node, credentials, secrets) under the national
# profile (`make test-national`).
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: demo test test-sqlite test-postgresql test-national install install-test browser lint

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

# The three runs are independent, so they run two at a time; each one's output is printed
# whole when it ends (--output-sync), not interleaved.
test: install-test browser
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgresql test-national

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

NATIONAL_TESTS := govshare/audit govshare/exchange govshare/node govshare/core/tests/test_crypto.py \
	govshare/core/tests/test_keyring.py govshare/orgs/tests/test_credentials.py \
	govshare/opendata/tests/test_services.py govshare/notifications

test-national:
	@echo "== audit, exchange, node and credential tests under the national profile (SM3, SM2, SM4) =="
	GOVSHARE_CRYPTO_PROFILE=national $(BIN)/pytest -m "not browser" $(NATIONAL_TESTS)

# bandit fails on any high-severity finding. pip-audit asks PyPI's per-release JSON API for known
# vulnerabilities; a closed network (these machines' mirror among them) answers only the
# per-project page, so by default it runs where that API answers and says it was skipped where
# not. PIP_AUDIT=1 always runs it, PIP_AUDIT=0 never (docs/security.md).
PIP_AUDIT ?= auto
PYPI_RELEASE_PROBE := import urllib.request; urllib.request.urlopen("https://pypi.org/pypi/django/5.2/json", timeout=10)

lint: install-test
	$(BIN)/ruff check govshare $(wildcard bench)
	$(BIN)/bandit -q -r govshare -x '*/tests/*,*/migrations/*' --severity-level high
	@if [ "$(PIP_AUDIT)" = "0" ]; then echo "== pip-audit skipped (PIP_AUDIT=0) =="; \
	elif [ "$(PIP_AUDIT)" = "1" ] || $(BIN)/python -c '$(PYPI_RELEASE_PROBE)' 2>/dev/null; then \
	  $(BIN)/pip-audit --progress-spinner off --skip-editable --vulnerability-service pypi --strict; \
	else echo "== pip-audit skipped: PyPI's per-release vulnerability data does not answer here (PIP_AUDIT=1 forces it; docs/security.md) =="; fi
