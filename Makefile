# Two commands set everything up on a fresh machine with python3:
#   make lab    installs into .venv (first time only) and opens the tutorial in JupyterLab
#   make test   installs into .venv (first time only) and runs every test
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

# The lowest versions pyproject.toml allows (constraints/oldest.txt), in a second environment.
OLDEST       := .venv-oldest
OLDEST_PY    := $(OLDEST)/bin/python
OLDEST_STAMP := $(OLDEST)/.installed

# make lab: JupyterLab on 127.0.0.1 only, with a token (printed in the URL); --allow-root only for root
# (Docker images, cloud notebooks, CI containers), where JupyterLab refuses to start without it.
JUPYTER   ?= $(VENV)/bin/jupyter
LAB_ARGS  ?=
ROOT_FLAG  = $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: install install-oldest lab serve-lab test test-unit test-notebooks test-browser test-oldest html bench execute clean

install: $(STAMP)

$(STAMP): pyproject.toml jupyter/overrides.json
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[notebooks,test,browser]"
	$(PY) jupyter/install_settings.py
	touch $(STAMP)

install-oldest: $(OLDEST_STAMP)

$(OLDEST_STAMP): pyproject.toml constraints/oldest.txt
	test -x $(OLDEST_PY) || $(PYTHON) -m venv $(OLDEST)
	echo '*' > $(OLDEST)/.gitignore
	$(OLDEST_PY) -m pip install --quiet --upgrade pip
	$(OLDEST_PY) -m pip install --quiet -c constraints/oldest.txt -e ".[notebooks,test]"
	touch $(OLDEST_STAMP)

lab: install
	@$(MAKE) --no-print-directory serve-lab

# JupyterLab without the install step; tests/test_lab_command.py starts it through this very target.
serve-lab:
	$(JUPYTER) lab --ip=127.0.0.1 $(ROOT_FLAG) $(LAB_ARGS) notebooks/01_primer.ipynb

# Every test: helpers' unit tests, nbval on every notebook, the browser tests.
test: install
	$(PY) -m pytest tests notebooks $(NBVAL)

test-unit: install
	$(PY) -m pytest tests --ignore=tests/browser

test-notebooks: install
	$(PY) -m pytest notebooks $(NBVAL)

test-browser: install
	$(PY) -m pytest tests/browser

# The unit tests and nbval on every notebook with the oldest versions we claim (no browser tests).
test-oldest: install-oldest
	$(OLDEST_PY) -m pytest tests notebooks $(NBVAL) --ignore=tests/browser

# Re-execute every notebook from a clean kernel and store the outputs (and widget state).
execute: install
	$(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace notebooks/*.ipynb

html: install
	$(PY) tools/build_html.py

bench: install
	$(PY) bench/bench.py

clean:
	rm -rf build test-artifacts .pytest_cache
