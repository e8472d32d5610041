# Developer and CI entry points. `make run` for a local back-office, `make test` for the suite.
#
# Variables you may override:  make test PYTEST_ARGS="-k stock -x"   make test WORKERS=4

SHELL := /bin/bash
.DEFAULT_GOAL := help
.ONESHELL:
.SHELLFLAGS := -eu -o pipefail -c

PYTHON        ?= python3
VENV          := .venv
PY            := $(VENV)/bin/python
STAMP         := $(VENV)/.installed
MANAGE        := $(PY) manage.py
RUN_SETTINGS  ?= crmcom.settings.base
TEST_SETTINGS ?= crmcom.settings.test
WORKERS       ?= 2
PYTEST_ARGS   ?=
CHROMIUM      := /usr/bin/chromium
SUDO          := $(shell [ "$$(id -u)" = 0 ] || echo sudo -n)

say = @printf '\n==> %s\n' "$(1)"

.PHONY: help venv run browser test lint check bench

help:
	@echo "make run      migrate + seed the demo on SQLite (var/), then runserver 127.0.0.1:8000"
	@echo "make test     pytest -n $(WORKERS) on PostgreSQL/Redis when reachable (else SQLite, loudly)"
	@echo "make lint     ruff check ."
	@echo "make check    missing migrations + OpenAPI schema validation"
	@echo "make bench    run every bench/bench_*.py"
	@echo "make venv     (re)install the virtualenv when pyproject.toml or constraints.txt change"
	@echo "make browser  install Debian chromium for the browser tests if missing"

# ---------------------------------------------------------------- virtualenv
venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(call say,Installing the virtualenv ($(VENV)) from constraints.txt)
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	@if ! $(PY) -m pip install --disable-pip-version-check -c constraints.txt -e ".[dev]" >$(VENV)/pip.log 2>&1; then
		tail -n 40 $(VENV)/pip.log
		echo "pip install failed: full log in $(VENV)/pip.log"
		exit 1
	fi
	touch $@
	echo "virtualenv ready (log: $(VENV)/pip.log)"

# ---------------------------------------------------------------- run locally
run: venv
	@mkdir -p var
	export DJANGO_SETTINGS_MODULE=$(RUN_SETTINGS)
	$(call say,Migrating ($(RUN_SETTINGS)))
	@$(MANAGE) migrate --noinput
	$(call say,Seeding the demo business)
	@$(MANAGE) seed_demo
	$(call say,Serving on http://127.0.0.1:8000/admin/  (Ctrl-C to stop))
	@$(MANAGE) runserver 127.0.0.1:8000

# ---------------------------------------------------------------- browser for the e2e tests
browser:
	@if [ -x $(CHROMIUM) ]; then
		echo "chromium: $(CHROMIUM) present"
		exit 0
	fi
	echo "==> Installing Debian chromium (needed by tests marked 'browser')"
	if $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null \
		&& [ -x $(CHROMIUM) ]; then
		echo "chromium: installed $(CHROMIUM)"
		exit 0
	fi
	echo
	echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
	echo "!!  WARNING: could not install Debian chromium: $(CHROMIUM) is missing."
	echo "!!  Tests marked 'browser' will be SKIPPED (they FAIL under REQUIRE_SERVICES=1)."
	echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
	echo
	if [ "$${REQUIRE_SERVICES:-0}" = 1 ]; then exit 1; fi

# ---------------------------------------------------------------- quality gates
test: venv browser
	$(call say,pytest -n $(WORKERS) ($(TEST_SETTINGS)))
	@$(PY) -m pytest --ds=$(TEST_SETTINGS) -n $(WORKERS) $(PYTEST_ARGS)

lint: venv
	$(call say,ruff check .)
	@$(VENV)/bin/ruff check .

# makemigrations only needs the models: base settings on an in-memory SQLite touch no real database.
check: venv
	$(call say,makemigrations --check --dry-run)
	@DJANGO_SETTINGS_MODULE=$(RUN_SETTINGS) DATABASE_URL=sqlite://:memory: $(MANAGE) makemigrations --check --dry-run
	$(call say,spectacular --validate --fail-on-warn)
	@DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(MANAGE) spectacular --validate --fail-on-warn --file /dev/null
	@echo "OpenAPI schema: valid, no warnings"

bench: venv
	@shopt -s nullglob
	benches=(bench/bench_*.py)
	if [ $${#benches[@]} -eq 0 ]; then
		echo "bench: no bench/*.py yet, nothing to run"
		exit 0
	fi
	failed=()
	for b in "$${benches[@]}"; do
		printf '\n==> %s\n' "$$b"
		$(PY) "$$b" || failed+=("$$b")
	done
	if [ $${#failed[@]} -gt 0 ]; then echo "bench: FAILED: $${failed[*]}"; exit 1; fi
