# Two commands for a fresh machine: `make crawl` and `make test` (each sets up .venv first).
PYTHON ?= python3
VENV ?= .venv
# pywb pins redis 2.10 (scrapy-redis needs a current one): it gets its own environment,
# shared with py-wacz (the WACZ validator the tests run), kept out of .venv for its many pins
PYWB_VENV ?= .venv-pywb
PY := $(VENV)/bin/python
SPIDER ?= ansarpress
ARGS ?=

.PHONY: setup crawl test test-fast lint demo clean

setup: $(VENV)/.installed $(PYWB_VENV)/.installed $(PYWB_VENV)/.wacz-installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

$(PYWB_VENV)/.installed:
	$(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/pip install --quiet 'pywb>=2.10,<2.11'
	touch $@

# pywb named again so that pip keeps its pins while it resolves wacz's dependencies
$(PYWB_VENV)/.wacz-installed: $(PYWB_VENV)/.installed
	$(PYWB_VENV)/bin/pip install --quiet 'pywb>=2.10,<2.11' 'wacz>=0.6,<0.7'
	touch $@

crawl: setup
	$(VENV)/bin/scrapy crawl $(SPIDER) $(ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy archive crawler

test: lint
	$(VENV)/bin/pytest

# the fast tier, for while you work (under a minute): every test but those marked slow
# (crawls in subprocesses, Chromium, pywb, Redis, scrapyd, fault loops); `make test` runs all
test-fast: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest -m "not slow" -q

demo: setup
	$(PY) scripts/demo.py

clean:
	rm -rf $(VENV) $(PYWB_VENV) demo-archive .pytest_cache .mypy_cache .ruff_cache
