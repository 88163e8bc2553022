# The book's commands; `make help` lists them all. The environment (.venv) is made on first use.
#   make book   executes the chapters (cached until they or ganlib change) and builds the website
#   make test   what CI runs: lint, unit tests, every chapter under nbval in a Colab-like kernel,
#               the controls (make controls), the book built from those runs, the website tested
#               in headless Chromium; each step under its own time limit, printing its time
#   make unit   the unit tests alone (no chapter, no grading round trip, no website)
# The code behind them: ganlib/ (the library), teaching/ (make student, make grade),
# translation/ (make translations), tools/ (the maintenance commands: make notebooks, timings,
# seeds, controls, gpu-check), benchmarks/ (make bench; benchmarks/RESULTS.md).
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Another x86 CPU, emulated on this one: MKL's reproducible mode, with AVX2 kernels where the CPU
# has AVX-512. It moves a trained network (chapter 6's ten ring GANs, 300 Adam steps: D's weights
# by up to 0.03); CPUs without MKL ignore it. On an AMD CPU, where MKL runs its AVX2 code anyway,
# MKL_CBWR=COMPATIBLE alone changes the arithmetic, and makes chapter 6's step 1.8-1.9× slower
# (benchmarks/RESULTS.md). `make test` compares the stored outputs (made natively by `make
# notebooks`) under it, so an output that depends on the CPU fails here first.
# `make test OTHER_CPU=` runs natively. (ATEN_CPU_CAPABILITY=default, torch's unvectorised
# kernels, moves the same run by 0.006 but makes every chapter 1.6× slower: left out.)
OTHER_CPU ?= MKL_CBWR=COMPATIBLE MKL_ENABLE_INSTRUCTIONS=AVX2

# Colab-like: only what Colab preinstalls that the chapters use (versions from requirements.txt),
# no jupyter-book, nbval or nbgrader; ganlib goes in from the checkout with its declared
# dependencies, as a chapter's install cell puts it in from the repository.
COLAB := .venv-colab
COLAB_PACKAGES := torch numpy matplotlib ipywidgets sympy scipy tqdm ipykernel
COLAB_KERNEL := gan-book-colab

.PHONY: book test unit format clean notebooks translations timings seeds controls bench gpu-check gpu-wheels student grade \
	colab-kernel chromium sandbox repository help

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Executed chapters are cached (_build/.jupyter_cache) until a chapter's code changes; a change
# to ganlib or to the pinned packages empties the cache, so the site shows what the code does now.
_build/.cache-stamp: $(wildcard ganlib/*.py ganlib/*/*.py) requirements.txt
	rm -rf _build/.jupyter_cache _build/.doctrees _build/runs  # (without the doctrees Sphinx re-reads all)
	mkdir -p _build && touch $@

# The Korean edition (ko/, written by `make translations` from locale/ko): the same chapters with
# the outputs the English build just computed (book/_ext/english_outputs.py), executing nothing,
# built after it and put beside it in _build/html/ko/.
KO_BOOK := $(BIN)/jupyter-book build ko -W -n --keep-going --path-output _build/ko && \
	rm -rf _build/html/ko && cp -r _build/ko/_build/html _build/html/ko

# ganlib's run cache (train(reuse=True)): chapter 8 loads the GANs chapter 7 trained instead of
# training them again. Kept in the build; a change to ganlib empties it, as it does the cache above.
export GANLIB_CACHE := $(CURDIR)/_build/runs

# The English book's build, in `make book` and in `make test`.
BOOK := $(BIN)/jupyter-book build . -W -n --keep-going
book: $(STAMP) _build/.cache-stamp  ## the website in English and Korean (chapters cached)
	$(BOOK)
	$(KO_BOOK)
	@echo "The website is at $(CURDIR)/_build/html/index.html (한국어판: ko/index.html)"

# Each step of `make test` runs under its own time limit and prints how long it took; one that
# hangs is stopped with a message naming it, long before CI's 90 minutes.
STEP = $(BIN)/python -m tools.step
test: $(STAMP) colab-kernel chromium sandbox _build/.cache-stamp  ## what CI runs: every check of the book
	$(STEP) lint 120 -- sh -c '$(BIN)/ruff check . && $(BIN)/ruff format --check .'
	rm -rf _build/executed _build/test-runs  # the chapters train afresh: nothing from an earlier run
	GANLIB_CACHE=$(CURDIR)/_build/test-runs \
	$(STEP) "unit tests and chapters (nbval)" 3300 -- $(BIN)/python -m pytest --nbval \
		--nbval-kernel-name $(COLAB_KERNEL) -m "not site" -n 2 --dist loadfile --no-loadscope-reorder
	$(STEP) "controls: every trained claim fails untrained" 1500 -- $(BIN)/python -m tools.controls
	$(STEP) "book cache" 60 -- $(BIN)/python -m tools.book_cache
	$(STEP) "book build" 2400 -- $(BOOK)
	$(STEP) "Korean book build" 600 -- sh -c '$(KO_BOOK)'
	$(STEP) "website tests" 900 -- $(BIN)/python -m pytest -m site tests/test_book.py \
		tests/test_browser.py

unit: $(STAMP)  ## the unit tests alone: no chapter executed, no grading round trip, no website
	$(BIN)/python -m pytest -m "not site and not coursework" tests

$(COLAB)/.installed: requirements.txt
	rm -rf $(COLAB)
	$(PYTHON) -m venv $(COLAB)
	$(COLAB)/bin/python -m pip install --quiet -c requirements.txt $(COLAB_PACKAGES)
	touch $@

# The kernel nbval runs the chapters in: Colab's packages, on the emulated other CPU, one intra-op
# thread (make test runs two chapters side by side on a 2-core machine; the book's models give
# the same results on one thread or two).
KERNEL_ENV := $(foreach v,$(OTHER_CPU) OMP_NUM_THREADS=1,--env $(subst =, ,$(v)))
colab-kernel: $(STAMP) $(COLAB)/.installed  # (re)install ganlib from the checkout, register the kernel
	$(COLAB)/bin/python -m pip install --quiet -c requirements.txt .
	rm -rf build  # setuptools' staging folder, not part of the checkout
	$(COLAB)/bin/python -m ipykernel install --prefix $(CURDIR)/$(VENV) --name $(COLAB_KERNEL) \
		--display-name "Python 3 (Colab-like)" $(KERNEL_ENV) >/dev/null

# The browser test drives Debian's chromium (Playwright, from requirements.txt, brings no browser
# here), with a Korean font (Nanum) for the Korean pages' screenshots. Installed with apt-get when
# either is missing and make runs as root (an install that fails stops make with apt-get's error);
# under CI=true a missing browser fails, and so does a missing Korean font (tests/test_browser.py).
chromium:
	@if ! { command -v chromium >/dev/null && fc-list :lang=ko | grep -q .; } && \
		[ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends chromium fonts-dejavu-core fonts-nanum >/dev/null; \
	fi
	@if command -v chromium >/dev/null; then :; \
	elif [ -n "$$CI" ]; then \
		echo "make test: CI=true and no chromium (installed by apt-get as root)" >&2; exit 1; \
	else echo "make test: no chromium (install it with apt-get as root, or your system's" \
		"package manager): the browser test will be skipped"; fi

# make grade runs each submission in a sandbox made by Debian's bubblewrap (teaching/sandbox.py):
# installed with apt-get when missing and make runs as root; under CI=true a missing bwrap fails
# (tests/test_grading_sandbox.py), elsewhere the grading tests run without it.
sandbox:
	@if ! command -v bwrap >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends bubblewrap >/dev/null; \
	fi
	@if command -v bwrap >/dev/null; then :; \
	elif [ -n "$$CI" ]; then \
		echo "make: CI=true and no bwrap (Debian's bubblewrap, installed by apt-get as root)" >&2; \
		exit 1; \
	else echo "make: no bwrap (install Debian's bubblewrap): make grade refuses to grade" \
		"without it unless given --unsandboxed; the hostile-submission tests are skipped"; fi

repository: $(STAMP)  ## make repository URL=https://github.com/OWNER/NAME: where the book lives
	$(BIN)/python -m tools.colab --repository "$(URL)"
	$(BIN)/python -m translation  # the Korean chapters' install cells and ko/_config.yml

format: $(STAMP)  ## ruff: fix what it can and format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:  ## remove the build, the student versions, grades and the Colab-like environment
	rm -rf _build .pytest_cache student grades.csv feedback $(COLAB)

notebooks: $(STAMP)  ## re-execute the chapters natively and store the outputs that nbval compares
	$(BIN)/python -m tools.refresh_notebooks $(CHAPTERS)

translations: $(STAMP)  ## the catalogs merged with the English (changed messages fuzzy), ko/ written
	$(BIN)/python -m translation

timings: $(STAMP)  ## each chapter's execution time against its budget; fails when one is over
	$(BIN)/python -m tools.timings $(CHAPTERS)

# make seeds SEEDS=5-9 JOBS=2 CHAPTERS=05_training: any range of SEED, two runs side by side.
SEEDS ?= 0-4
JOBS ?= 1
seeds: $(STAMP)  ## chapters on SEEDS, natively and on OTHER_CPU: each number's spread, each claim's pass rate
	$(BIN)/python -m tools.seed_sweep --seeds $(SEEDS) --jobs $(JOBS) --other-cpu "$(OTHER_CPU)" \
		$(CHAPTERS)

# Every assert in a cell tagged trained-claim must fail when no optimizer moves a parameter
# (tools/controls.py): the chapters run natively, two at a time, in about four minutes.
controls: $(STAMP)  ## every trained claim must fail when no optimizer moves a parameter
	$(BIN)/python -m tools.controls $(CHAPTERS)

bench: $(STAMP)  ## ganlib.train against a plain loop; populations against runs one at a time; Parzen
	$(BIN)/python benchmarks/bench_train.py
	$(BIN)/python benchmarks/bench_population.py
	$(BIN)/python benchmarks/bench_parzen.py

gpu-check: $(STAMP)  ## on a GPU: unit tests, CPU = GPU theory, every chapter, the benchmark
	$(BIN)/python -m tools.gpu_check

# A GPU machine with torch but no package index (as lent to this project: Python 3.12, x86-64)
# lacks the notebook runner. Made here, .whl/ travels there; then, in the repository:
#   pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl
#   PYTHONPATH=/tmp/site:$PWD python3 -m tools.gpu_check
GPU_PLATFORMS := $(foreach p,manylinux_2_28 manylinux_2_17 manylinux2014 manylinux1,--platform $(p)_x86_64)
gpu-wheels:  ## .whl/: the wheels tools.gpu_check needs beside torch, for Python 3.12 on x86-64
	rm -rf .whl
	$(PYTHON) -m pip download --quiet --dest .whl --only-binary=:all: --python-version 3.12 \
		--implementation cp $(GPU_PLATFORMS) --constraint requirements.txt \
		nbclient nbformat ipykernel ipywidgets nbval babel pytest-timeout markdown-it-py

student: $(STAMP)  ## the student version of every chapter in student/: nbgrader's release, made without it
	$(BIN)/python -m teaching.student_version --out student $(CHAPTERS)
	$(BIN)/python -m teaching.student_version --out student/ko \
		$(if $(CHAPTERS),$(patsubst %,ko/notebooks/%.ipynb,$(basename $(notdir $(CHAPTERS)))),ko/notebooks/*.ipynb)

# Students' notebooks graded without nbgrader, one fresh kernel per submission, each in its own
# sandbox with time, memory and process limits (teaching/grade.py, teaching/sandbox.py).
OUT ?= grades.csv
grade: $(STAMP) sandbox  ## make grade SUBMISSIONS=folder [OUT=grades.csv]: one CSV row per submission
	$(BIN)/python -m teaching.grade "$(SUBMISSIONS)" --out "$(OUT)"

help:  ## this list
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-13s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
