# Everything starts from a clean clone with nothing but python3 (3.11) and make.
#   make run         - the whole system on this machine (Temporal dev server, PostgreSQL, worker, web)
#   make test        - lint, type-check and the test suite with coverage (what CI runs)
#   make test-quick  - the tests that need no browser and are not slow; stops at the first failure

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Locked, hashed dependencies (README "Dependencies"): the image installs PROD_LOCK, .venv TEST_LOCK.
PROD_LOCK := requirements/prod.txt
TEST_LOCK := requirements/test.txt
BUILD_IN := requirements/build.in
UV_VERSION := 0.13.8
# Touched after a successful install; a new lock or pyproject.toml makes it stale.
INSTALLED := $(VENV)/.installed
# The first-party packages coverage is reported for (pyproject.toml [tool.coverage.run]).
COVERAGE := --cov --cov-report=term:skip-covered
# axe-core for the accessibility checks of the browser tests (tests/web/axe.py): from npm at this
# version, and the tarball must have this integrity (npm's sha512), so a changed one fails the build.
AXE_VERSION := 4.14.1
AXE_INTEGRITY := sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==
AXE_TGZ := tests/web/vendor/axe-core-$(AXE_VERSION).tgz
AXE := tests/web/vendor/axe.min.js

.DEFAULT_GOAL := help
.PHONY: help run demo migrate dev-server test test-quick lint format test-faults chromium lock axe

help:
	@echo "make run          run everything locally (Ctrl-C stops it); state in ./data"
	@echo "make demo         load the demo roster and start a demo episode (with 'make run' running)"
	@echo "make test         lint, then the tests not marked slow, with coverage (CI runs it)"
	@echo "make test-quick   the tests neither slow nor browser, -x, no coverage, no lint"
	@echo "make lint         ruff, mypy, the import-linter layers and deptry"
	@echo "make format       ruff format"
	@echo "make test-faults  the slow fault-injection and load tests (CI runs both)"
	@echo "make chromium     install Debian's chromium (and npm) for the browser tests (root on Debian)"
	@echo "make axe          fetch the pinned axe-core for the accessibility checks (needs npm)"
	@echo "make lock         re-resolve $(PROD_LOCK) and $(TEST_LOCK) from pyproject.toml"
	@echo "make migrate      apply migrations to the configured database"
	@echo "make dev-server   only the Temporal dev server"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
		{ echo "hverdagsbro needs Python 3.11; run e.g. 'make PYTHON=python3.11 $(MAKECMDGOALS)'"; exit 1; }
	$(PYTHON) -m venv $(VENV) || \
		{ rm -rf $(VENV); echo "python3 -m venv failed; on Debian/Ubuntu: apt-get install python3-venv"; exit 1; }

# Exactly the locked versions, each checked against its hash (--no-deps: the lock is complete, so
# pip must not re-resolve an extra such as coverage[toml] against a newer release); then the
# project itself, which
# the lock does not contain, built with the locked setuptools.
$(INSTALLED): $(TEST_LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/pip install --require-hashes --no-deps -r $(TEST_LOCK)
	$(BIN)/pip install --no-deps --no-build-isolation -e .
	touch $@

# uv resolves the locks; only `make lock` needs it.
$(BIN)/uv: | $(BIN)/python
	$(BIN)/pip install uv==$(UV_VERSION)

# --universal: one lock for Linux (CI, the image) and a developer's macOS; each pin carries the
# hashes of all its files. The header then names this target instead of the uv command line.
UV_COMPILE := UV_CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/uv pip compile --quiet --universal \
	--python-version 3.11 --generate-hashes

lock: $(BIN)/uv
	$(UV_COMPILE) pyproject.toml $(BUILD_IN) -o $(PROD_LOCK)
	$(UV_COMPILE) --extra test pyproject.toml $(BUILD_IN) -o $(TEST_LOCK)

run: $(INSTALLED)
	$(BIN)/hverdagsbro dev

demo: $(INSTALLED)
	$(BIN)/hverdagsbro demo

migrate: $(INSTALLED)
	$(BIN)/hverdagsbro migrate

dev-server: $(INSTALLED)
	$(BIN)/hverdagsbro dev-server

# Browser tests drive Debian's Chromium; install it when we can (root on Debian), else say so.
# Not part of make test: .ci/run calls it first; without it the browser tests skip and say why.
chromium:
	@if [ -x /usr/bin/chromium ]; then \
		: ; \
	elif [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null; then \
		echo "Installing chromium and chromium-driver for the browser tests (apt-get)"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver; \
	else \
		echo "Not installing chromium (needs root on Debian); tests marked 'browser' need /usr/bin/chromium"; \
	fi
	@if command -v npm >/dev/null; then \
		: ; \
	elif [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null; then \
		echo "Installing npm to fetch axe-core for the accessibility checks (apt-get)"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends npm; \
	else \
		echo "Not installing npm (needs root on Debian); make test fetches axe-core with npm"; \
	fi

# The pinned axe-core tarball, checked against AXE_INTEGRITY before it is kept; then its axe.min.js.
# A new AXE_VERSION names a new tarball, so both are fetched again.
axe: $(AXE)

$(AXE_TGZ):
	@command -v npm >/dev/null || { echo "make test needs npm to fetch axe-core $(AXE_VERSION) for the accessibility checks: 'make chromium' as root on Debian installs it, else install Node.js with npm"; exit 1; }
	@rm -rf $(@D)/pack && mkdir -p $(@D)/pack
	npm pack axe-core@$(AXE_VERSION) --pack-destination $(@D)/pack --ignore-scripts --silent </dev/null >/dev/null
	@$(PYTHON) -c 'import base64, hashlib, sys; \
		got = "sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode(); \
		sys.exit(0 if got == sys.argv[2] else f"{sys.argv[1]}: integrity {got}, expected {sys.argv[2]}")' \
		$(@D)/pack/axe-core-$(AXE_VERSION).tgz '$(AXE_INTEGRITY)'
	mv $(@D)/pack/axe-core-$(AXE_VERSION).tgz $@ && rm -rf $(@D)/pack

$(AXE): $(AXE_TGZ)
	tar -xzf $< -O package/axe.min.js >$@.part && mv $@.part $@

# deptry twice: the shipped packages against the base and dev/bench extras (a test-only
# package imported there fails), then tests/ against everything declared.
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/deptry .
	$(BIN)/deptry tests --exclude '(.*/)?__pycache__/' --ignore DEP002,DEP004

format: $(INSTALLED)
	$(BIN)/ruff format .

test: lint $(AXE)
	$(BIN)/pytest -m "not slow" $(COVERAGE)

test-quick: $(INSTALLED)
	$(BIN)/pytest -m "not slow and not browser" -x -q

# Kills and cuts real processes (worker, API, dev server, PostgreSQL connections, SMTP, SMS
# gateway) and runs 50 events/s for HVERDAGSBRO_LOAD_SECONDS (default 300); each test writes
# its figures to test-artifacts/faults/, printed at the end.
test-faults: $(INSTALLED)
	@rm -rf test-artifacts/faults
	$(BIN)/pytest -m slow --durations=0
	@cat test-artifacts/faults/*.txt 2>/dev/null || true
