# The two commands (see README.md):
#   make book   set everything up, then build the book into _build/html (strict, cached)
#   make test   set everything up, then run every test
# Both are idempotent: a second run with nothing changed re-installs nothing.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Tools that nbgrader and jupyter start by name (alembic, jupyter-*) come from the venv.
export PATH := $(CURDIR)/$(BIN):$(PATH)
# bubblewrap: the book's instructors' pages run the sandboxed autograder; the rest: browser tests.
APT_PACKAGES := bubblewrap
APT_PACKAGES_TEST := chromium fonts-dejavu-core
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: book test bench clean deps test-deps

deps: $(VENV)/.deps-installed
test-deps: $(VENV)/.test-deps-installed

$(VENV)/.deps-installed: requirements.txt constraints.txt pyproject.toml chapters/_vendor/package.json chapters/_vendor/package-lock.json
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
	  || { echo "error: need Python 3.11 as '$(PYTHON)' (set PYTHON=...)"; exit 1; }
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "apt-get install$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	cd chapters/_vendor && npm ci --no-audit --no-fund --silent
	touch $@

$(VENV)/.test-deps-installed: $(VENV)/.deps-installed requirements-test.txt
	@missing=""; for p in $(APT_PACKAGES_TEST); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "apt-get install$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -r requirements-test.txt
	touch $@

# After a failed build, Sphinx would reuse the failed pages on an unchanged rebuild and pass:
# forget them so that the next build reads them again.
book: deps
	$(BIN)/jupyter-book build . --warningiserror --keep-going || { rm -rf _build/.doctrees; exit 1; }

test: test-deps
	$(BIN)/python -m pytest

bench: test-deps
	$(BIN)/python -m bench

clean:
	rm -rf _build
