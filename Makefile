# Two commands on a fresh machine: `make demo`, `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
MKDOCS := NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs

.PHONY: install install-dev demo test docs fuzz bench bench-peers lint clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	$(VENV)/bin/sensorimotor demo

# The suite on TEST_WORKERS processes (pytest-xdist), a test file per worker at a time so
# that a module's fixtures (a Ray cluster, a trained agent) start once; 0 runs it in one.
TEST_WORKERS ?= 2
test: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(MKDOCS) build --strict --quiet
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

# The documentation site (mkdocs.yml, docs/, the docstrings) into site/; --strict: a
# warning, such as a broken reference, fails the build.
docs: install-dev
	$(MKDOCS) build --strict

# The hostile-input and file fuzzers (tests/fuzz, issue 9) with many random examples per
# test (FUZZ_EXAMPLES each, scaled per test); prints the entry points and cases covered.
FUZZ_EXAMPLES ?= 3500
fuzz: install-dev
	HYPOTHESIS_PROFILE=fuzz FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q -p no:randomly -o faulthandler_timeout=300 tests/fuzz

bench: install
	@for f in $(wildcard bench/*.py); do echo "== $$f"; $(PY) $$f || exit 1; done

# Side by side with alberta-framework, which needs Python 3.13: its own environment.
PEERS_PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) python3.13)
PEERS_VENV ?= .venv-peers

$(PEERS_VENV)/.installed: pyproject.toml
	$(PEERS_PYTHON) -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PEERS_VENV)/bin/python -m pip install --quiet -e '.[peers]'
	touch $@

bench-peers: $(PEERS_VENV)/.installed
	$(PEERS_VENV)/bin/python bench/peers.py

clean:
	rm -rf $(VENV) $(PEERS_VENV) runs site .pytest_cache
