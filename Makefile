# Two commands, each of which makes its own environment on first use:
#   make book   executes every chapter and builds the website into _build/html
#   make test   lint + unit tests + notebooks (nbval) + a clean book build
# For chapter authors: make notebooks (store outputs), make timings, make seeds, make format;
# make bench times ganlib.train against a plain training loop and the Parzen estimate
# (benchmarks/RESULTS.md); make gpu-check is the prepared check for a machine with a GPU.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Another x86 CPU, emulated on this one: MKL's reproducible mode with AVX2 kernels instead of
# AVX-512, and torch's own kernels without vectorisation. Each moves a trained network in the
# 5th digit; CPUs without MKL or AVX ignore them. `make test` compares the stored outputs (made
# natively by `make notebooks`) under it, so an output that depends on the CPU fails here first.
# `make test OTHER_CPU=` runs natively.
OTHER_CPU ?= MKL_CBWR=COMPATIBLE MKL_ENABLE_INSTRUCTIONS=AVX2 ATEN_CPU_CAPABILITY=default

.PHONY: book test format clean notebooks timings seeds bench gpu-check student

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
	env $(OTHER_CPU) $(BIN)/python -m pytest

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf _build .pytest_cache student

notebooks: $(STAMP)  # re-execute the chapters natively and store the outputs that nbval compares
	$(BIN)/python tools/refresh_notebooks.py $(CHAPTERS)

timings: $(STAMP)  # each chapter's execution time against its budget; fails when one is over
	$(BIN)/python tools/timings.py $(CHAPTERS)

seeds: $(STAMP)  # every chapter on seeds 0-4, natively and on OTHER_CPU: the spread of each number
	$(BIN)/python tools/seed_sweep.py --seeds 0-4 --other-cpu "$(OTHER_CPU)" $(CHAPTERS)

bench: $(STAMP)  # ganlib.train against a plain loop (steps/s, ratios); Parzen at the paper's scale
	$(BIN)/python benchmarks/bench_train.py
	$(BIN)/python benchmarks/bench_parzen.py

gpu-check: $(STAMP)  # on a GPU: unit tests, CPU = GPU theory, every chapter, the benchmark
	$(BIN)/python tools/gpu_check.py

student: $(STAMP)  # the student version of every chapter in student/: no solutions, no outputs
	$(BIN)/python tools/student_version.py --out student $(CHAPTERS)
