# Everything starts from a clean clone with nothing but python3 (3.11) and make.
#   make run   - the whole system on this machine (Temporal dev server, PostgreSQL, worker, web)
#   make test  - lint, type-check and the test suite (what CI runs)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Touched after a successful install; pyproject.toml changing makes it stale.
INSTALLED := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help run demo migrate dev-server test lint format test-faults chromium

help:
	@echo "make run          run everything locally (Ctrl-C stops it); state in ./data"
	@echo "make demo         load the demo roster and start a demo episode (with 'make run' running)"
	@echo "make test         ruff, mypy and the tests that are not marked slow"
	@echo "make lint         ruff and mypy only"
	@echo "make format       ruff format"
	@echo "make test-faults  the slow fault-injection and load tests (CI runs both)"
	@echo "make migrate      apply migrations to the configured database"
	@echo "make dev-server   only the Temporal dev server"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
		{ echo "hverdagsbro needs Python 3.11; run e.g. 'make PYTHON=python3.11 $(MAKECMDGOALS)'"; exit 1; }
	$(PYTHON) -m venv $(VENV) || \
		{ rm -rf $(VENV); echo "python3 -m venv failed; on Debian/Ubuntu: apt-get install python3-venv"; exit 1; }

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[test]'
	touch $@

run: $(INSTALLED)
	$(BIN)/hverdagsbro dev

demo: $(INSTALLED)
	$(BIN)/hverdagsbro demo

migrate: $(INSTALLED)
	$(BIN)/hverdagsbro migrate

dev-server: $(INSTALLED)
	$(BIN)/hverdagsbro dev-server

# Browser tests drive Debian's Chromium; install it when we can (root on Debian), else say so.
chromium:
	@if [ -x /usr/bin/chromium ]; then \
		: ; \
	elif [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null; then \
		echo "Installing chromium and chromium-driver for the browser tests (apt-get)"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver; \
	else \
		echo "Not installing chromium (needs root on Debian); tests marked 'browser' need /usr/bin/chromium"; \
	fi

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/mypy

format: $(INSTALLED)
	$(BIN)/ruff format .

test: $(INSTALLED) chromium lint
	$(BIN)/pytest -m "not slow"

# Kills and cuts real processes (worker, API, dev server, PostgreSQL connections, SMTP, SMS
# gateway) and runs 50 events/s for HVERDAGSBRO_LOAD_SECONDS (default 300); each test writes
# its figures to test-artifacts/faults/, printed at the end.
test-faults: $(INSTALLED)
	@rm -rf test-artifacts/faults
	$(BIN)/pytest -m slow --durations=0
	@cat test-artifacts/faults/*.txt 2>/dev/null || true
