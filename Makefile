# Two commands, each of which makes its own environment on first use:
#   make book   executes every chapter and builds the website into _build/html
#   make test   lint + unit tests + notebooks (nbval) + a clean book build
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book test format clean notebooks

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going --all
	@echo "The website is at $(CURDIR)/_build/html/index.html"

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf _build .pytest_cache

notebooks: $(STAMP)  # re-execute the chapters and store the outputs that nbval compares
	$(BIN)/python tools/refresh_notebooks.py
