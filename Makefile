# Two commands set everything up on a fresh machine with python3:
#   make lab    installs into .venv (first time only) and opens the tutorial in JupyterLab
#   make test   installs into .venv (first time only) and runs every test
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: install lab test test-unit test-notebooks test-browser html bench execute clean

install: $(STAMP)

$(STAMP): pyproject.toml jupyter/overrides.json
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[notebooks,test,browser]"
	$(PY) jupyter/install_settings.py
	touch $(STAMP)

lab: install
	$(VENV)/bin/jupyter lab notebooks/01_primer.ipynb

# Every test: helpers' unit tests, nbval on every notebook, the browser tests.
test: install
	$(PY) -m pytest tests notebooks $(NBVAL)

test-unit: install
	$(PY) -m pytest tests --ignore=tests/browser

test-notebooks: install
	$(PY) -m pytest notebooks $(NBVAL)

test-browser: install
	$(PY) -m pytest tests/browser

# Re-execute every notebook from a clean kernel and store the outputs (and widget state).
execute: install
	$(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace notebooks/*.ipynb

html: install
	$(PY) tools/build_html.py

bench: install
	$(PY) bench/bench.py

clean:
	rm -rf build test-artifacts .pytest_cache
