# Two commands do everything on a fresh Debian/Ubuntu machine with only Python 3:
#   make demo   - create .venv, install chainrule, run the lecture notes' worked example
#   make test   - create .venv, install .[dev,torch], run tests, ruff, mypy and the notebooks
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q

.PHONY: demo test lint typecheck notebooks bench profile golden dot clean help

help:
	@echo "make demo       run the notes' worked example and write demo.png"
	@echo "make test       every check: pytest (with notebooks), ruff, mypy"
	@echo "make notebooks  re-execute notebooks/ in place to refresh their outputs"
	@echo "make bench      side-by-side benchmarks, written to benchmarks/results.md"
	@echo "make profile    where this project's W1 epoch spends its time (phases, cProfile)"
	@echo "make golden     regenerate tests/golden/ from the library"

# --- the virtual environment -------------------------------------------------
# Debian's python3 lacks ensurepip until python3-venv is installed; do that
# when we can (root or sudo), otherwise say how.
$(PY):
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  rm -rf $(VENV); \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; \
	  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null && command -v apt-get >/dev/null; then \
	    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; \
	  else \
	    echo "error: '$(PYTHON) -m venv' failed; install venv support: sudo apt-get install python3-venv"; exit 1; \
	  fi; \
	  $(PYTHON) -m venv $(VENV); }
	@$(PIP) install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PIP) install -e ".[dev,torch]"
	@touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: pyproject.toml | $(PY)
	$(PIP) install -e ".[dev,bench]"
	@touch $@

# --- Graphviz's dot program, needed to render pictures -----------------------
dot:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Graphviz (apt-get install graphviz)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null && command -v apt-get >/dev/null; then \
	    echo "installing Graphviz (sudo apt-get install graphviz)"; \
	    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	  fi; \
	  command -v dot >/dev/null 2>&1 || { \
	    echo "error: Graphviz's 'dot' program is missing; install it: sudo apt-get install graphviz (Debian/Ubuntu), brew install graphviz (macOS), or conda install -c conda-forge graphviz"; \
	    exit 1; }; }

# --- the two commands ----------------------------------------------------------
demo: $(VENV)/.installed dot
	$(PY) -m autograd demo

test: $(VENV)/.installed-dev dot
	$(PY) -m ruff check autograd nn tests benchmarks
	$(PY) -m ruff format --check autograd nn tests benchmarks
	$(PY) -m mypy
	$(PY) -m pytest -n 2 --doctest-modules autograd nn tests notebooks --nbmake --nbmake-timeout=120

# --- the rest --------------------------------------------------------------------
lint: $(VENV)/.installed-dev
	$(PY) -m ruff check autograd nn tests benchmarks
	$(PY) -m ruff format --check autograd nn tests benchmarks

typecheck: $(VENV)/.installed-dev
	$(PY) -m mypy

notebooks: $(VENV)/.installed-dev dot
	$(PY) -m jupyter nbconvert --to notebook --execute --inplace notebooks/*.ipynb

bench: $(VENV)/.installed-bench
	$(PY) -m benchmarks.run

profile: $(VENV)/.installed-bench
	$(PY) -m benchmarks.profile

golden: $(VENV)/.installed-dev dot
	$(PY) -m tests.golden.regenerate

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
