# Two commands on a fresh machine: `make run` and `make test`.
PYTHON_VERSION := $(shell cat .python-version)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint app bench clean setup notebook docs

$(STAMP): pyproject.toml
	@if [ ! -x "$(PY)" ]; then \
	  if command -v pyenv >/dev/null 2>&1 && pyenv prefix $(PYTHON_VERSION) >/dev/null 2>&1; then \
	    "$$(pyenv prefix $(PYTHON_VERSION))/bin/python" -m venv $(VENV); \
	  else python3 -m venv $(VENV); fi; \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP)  ## create .venv and install the project with its dev tools

run: $(STAMP)  ## the main job: baseline ensemble, results and plots under outputs/
	$(PY) -m sim

test: $(STAMP)  ## the test suite and the notebooks (what CI runs)
	$(PY) -m ruff check sim tests benchmarks
	$(VENV)/bin/lint-imports
	$(PY) -m pytest --nbmake tests notebooks/*.ipynb

app: $(STAMP)  ## the interactive teaching view on http://127.0.0.1:8765 (Ctrl+C to stop)
	$(PY) -m sim.app

notebook: $(STAMP)  ## JupyterLab on the worked examples in notebooks/ (Ctrl+C to stop)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

docs: $(STAMP)  ## the documentation site on http://127.0.0.1:8000 (make docs ARGS=build writes build/site)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs $(or $(ARGS),serve --strict)

bench: $(STAMP)  ## speed and memory benchmarks, one table (several minutes; python benchmarks/bench.py --help)
	$(PY) benchmarks/bench.py

lint: $(STAMP)  ## ruff (lint and format) and the import layers
	$(PY) -m ruff check sim tests benchmarks
	$(PY) -m ruff format --check sim tests benchmarks
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) outputs/2* outputs/multirun .pytest_cache build
