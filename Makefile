# Two commands for a fresh machine: `make crawl` and `make test` (each sets up .venv first).
PYTHON ?= python3
VENV ?= .venv
# pywb pins redis 2.10 (scrapy-redis needs a current one): it gets its own environment,
# shared with py-wacz (the WACZ validator the tests run), kept out of .venv for its many pins
PYWB_VENV ?= .venv-pywb
PY := $(VENV)/bin/python
# ReplayWeb.page, in which a test opens a signed WACZ (tests/test_wacz_replaywebpage.py): the
# npm package's two bundled files (ui.js, sw.js) are all it needs, so the tarball is fetched
# with npm (`npm pack`, pinned by its sha512) rather than `npm install`, which would resolve
# the package's build dependencies (electron, webpack plugins) for nothing
NODE_DIR ?= .node
RWP_VERSION := 2.5.3
RWP_SHA512 := 9c28f63d238ddc1c5e489284f00b183f250bbf45cf64a2567f2e25f4fc90adef52ab02d9f9629956cfec7cba8f390e06ac7fb46248dbc0e86bf1c4931f4f20b1
SPIDER ?= ansarpress
ARGS ?=

.PHONY: setup replaywebpage crawl test test-fast lint demo clean

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

replaywebpage: $(NODE_DIR)/replaywebpage/.installed

$(NODE_DIR)/replaywebpage/.installed:
	rm -rf $(NODE_DIR)/replaywebpage && mkdir -p $(NODE_DIR)/replaywebpage
	npm pack --silent --pack-destination $(NODE_DIR) replaywebpage@$(RWP_VERSION) >/dev/null
	echo "$(RWP_SHA512)  $(NODE_DIR)/replaywebpage-$(RWP_VERSION).tgz" | sha512sum --check --quiet
	tar -xzf $(NODE_DIR)/replaywebpage-$(RWP_VERSION).tgz -C $(NODE_DIR)/replaywebpage --strip-components=1
	rm $(NODE_DIR)/replaywebpage-$(RWP_VERSION).tgz
	touch $@

crawl: setup
	$(VENV)/bin/scrapy crawl $(SPIDER) $(ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy archive crawler

# ReplayWeb.page (npm) only for the tests: `make crawl` needs no Node.js
test: lint replaywebpage
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
	rm -rf $(VENV) $(PYWB_VENV) $(NODE_DIR) demo-archive .pytest_cache .mypy_cache .ruff_cache
