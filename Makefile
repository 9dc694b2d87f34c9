# Entry points: `make report` (the main job), `make test` and `make docs`.
# Each builds a local virtual environment from pyproject.toml first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: report test test-all lint docs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,docs,dask]"
	touch $(STAMP)

report: $(STAMP)
	$(VENV)/bin/govstats report

# Everything CI can afford, the slow coverage, wheel, PDF and CLI tests included
# (-m ""); --dist loadfile keeps every test module on one worker, so an expensive
# module fixture (the coverage study, the built report) runs once, not once per worker.
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -n 2 --dist loadfile -m ""

# The documentation site (mkdocs + mkdocstrings) into site/, warnings as errors;
# tests/test_docs.py runs the same build and the tutorial's code.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict

test-all: test

lint: $(STAMP)
	$(PY) -m ruff check . && $(PY) -m ruff format --check . && $(PY) -m mypy
