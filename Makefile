# All set-up happens here: the first target that needs the venv creates it.
SHELL := /bin/bash
PYTHON_BOOT ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
MODEL ?= models/digits
SPACE ?= build/space
FLASHCARDS ?= build/flashcards.apkg
NOTEBOOKS := $(shell find docs -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort)
# pytest runs on two workers; a notebook's cells stay together on one (--dist loadfile), and the files
# expected to run longest are handed out first (tests/harness.py orders them; xdist keeps that order).
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=

# The CPU kernels that notebooks are recorded and checked under (tools/kernels.py holds the names
# and values): everything capped at AVX2, so that a CPU with AVX-512 or AMX runs the code an
# AVX2-only CPU runs. `make test`, `make notebooks` and `make determinism` use them; CI and the
# GitHub workflow call `make test`. `make crosscheck` runs the other configurations.
RECORDING_KERNELS := $(shell $(PYTHON_BOOT) -m tools.kernels)

export NO_MKDOCS_2_WARNING := 1
export PYTHONHASHSEED := 0
# Packages install without compiling every module to bytecode (pip's compile step was a third of
# the set-up: 92 s against 58 s for requirements.txt); Python compiles a module the first time it
# is imported and keeps the .pyc, so only the modules in use are ever compiled. An empty value
# lets it keep them where the environment says PYTHONDONTWRITEBYTECODE=1 (this CI machine does).
export PYTHONDONTWRITEBYTECODE :=

.PHONY: help venv serve build test durations lint notebooks determinism crosscheck bench bench-ci mutation clean model app space space-copy flashcards requirements topic publish

help:
	@echo "make serve      build and serve the site on http://127.0.0.1:8000 (live reload)"
	@echo "make test       lint, unit tests, doctests, notebooks (nbval) and a strict site build"
	@echo "make durations  run the whole suite and record each test's time in .test_durations (the CI shards' cut)"
	@echo "make build      strict build into site/, then check every link and anchor in it"
	@echo "make publish SITE_URL=https://you.github.io/notes/  build for that address and push it to the gh-pages branch"
	@echo "make notebooks  re-execute every notebook in place (after a change to snippets/)"
	@echo "make determinism  run every notebook twice and compare the text outputs (make test does one)"
	@echo "make crosscheck re-execute notebooks, pages and doctests under each CPU-kernel configuration"
	@echo "make bench      print benchmark figures (includes a load test of the web app)"
	@echo "make bench-ci   time CI on a fresh clone: set-up, then make test (budget 15 min)"
	@echo "make mutation   mutation testing of the teaching code (mutmut, fast tests only): prints the share killed"
	@echo "make model      train the digit classifier and export it to models/digits (safetensors + JSON)"
	@echo "make app        serve the web app on http://127.0.0.1:7860 (runs make model first if needed)"
	@echo "make space      assemble build/space/: the files to upload to a Hugging Face Space"
	@echo "make flashcards export the notes' self-check questions to an Anki deck ($(FLASHCARDS))"
	@echo "make requirements  compile requirements.txt (pins and hashes) from requirements.in; UPGRADE=1 moves every pin"
	@echo "make topic NAME=x TITLE=\"...\"  scaffold a topic: note, cheat sheet, executed notebook, module, test"

# The venv is rebuilt when a requirements file or pyproject.toml is newer than the stamp.
# pip is pinned first: Python 3.11's pip 23.2 refuses hashed pins when a dependency asks for
# extras (textual wants markdown-it-py[linkify]); pip 25.3 resolves them.
$(STAMP): requirements.txt requirements-data.txt pyproject.toml
	test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install -qq pip==25.3
	$(PY) -m pip install -qq --no-compile -r requirements.txt
	$(PY) -m pip install -qq --no-compile --no-deps --require-hashes -r requirements-data.txt
	$(PY) -m pip install -qq --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Debian's Chromium, for the real-browser test (Playwright drives it; nothing is downloaded by Playwright).
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

venv: $(STAMP) $(CHROMIUM)

serve: $(STAMP)
	$(PY) -m mkdocs serve --strict --dev-addr 127.0.0.1:8000 --livereload

build: $(STAMP)
	$(PY) -m mkdocs build --strict --site-dir site
	$(PY) -m tools.linkcheck site

lint: $(STAMP)
	$(PY) -m ruff check .
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

# One OpenMP thread per process: two workers share two cores, and OpenMP threads spin while they
# wait, so a second thread per process slows the other worker tenfold (measured: the Ames
# notebook's gradient boosting, 151 s instead of 5 s). Notebooks set torch to one thread anyway;
# the one that times two threads (vision/faster-training) does so with passive waiting, so that
# its idle threads sleep instead of spinning on the other worker's core.
test: $(STAMP) $(CHROMIUM) lint
	env $(RECORDING_KERNELS) OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

# The GitHub workflow runs the suite as four jobs (--shard k/4, tests/harness.py), whole files balanced
# by the seconds recorded here (pytest-split's --store-durations); re-record after adding a notebook.
durations: $(STAMP) $(CHROMIUM)
	$(MAKE) test PYTEST_ARGS="--store-durations --clean-durations"

notebooks: $(STAMP)
	env $(RECORDING_KERNELS) $(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.kernel_name=python3 --ExecutePreprocessor.timeout=600 \
	  --ExecutePreprocessor.record_timing=True $(NOTEBOOKS)
	env $(RECORDING_KERNELS) $(PY) -m tools.nbnormalize --record $(NOTEBOOKS)

# Publishing: a strict, link-checked build for the address the site will have, pushed as the only
# commit content of the gh-pages branch (.nojekyll: serve the files as they are). GitHub Pages
# serves that branch; the Pages workflow in .github/workflows/ does the same from CI.
PUBLISH_REMOTE ?= origin
PUBLISH_BRANCH ?= gh-pages
publish: $(STAMP)
	@test -n "$(SITE_URL)" || { echo 'usage: make publish SITE_URL=https://you.github.io/notes/ (the address it will have)'; exit 2; }
	$(MAKE) build SITE_URL="$(SITE_URL)"
	$(VENV)/bin/ghp-import --no-jekyll --force --push --remote "$(PUBLISH_REMOTE)" --branch "$(PUBLISH_BRANCH)" \
	  --message "Publish $$(git rev-parse --short HEAD) to $(SITE_URL)" site

flashcards: $(STAMP)
	$(PY) -m tools.flashcards --docs docs --out $(FLASHCARDS)

bench-ci:
	python3 bench/fresh_clone.py

# Mutation testing (a benchmark, not part of make test): mutmut changes the teaching code one small
# edit at a time (pyproject.toml's [tool.mutmut] says which modules and which tests) and reruns the
# tests that cover the changed function; a mutant the tests do not notice "survived".
mutation: $(STAMP)
	rm -rf mutants
	$(VENV)/bin/mutmut run --max-children 2 > /dev/null
	$(VENV)/bin/mutmut export-cicd-stats > /dev/null
	$(PY) -m tools.mutation_score

determinism: $(STAMP)
	env $(RECORDING_KERNELS) $(PY) -m tools.determinism $(NOTEBOOKS)

# Every notebook, page and doctest re-executed under each kernel configuration of tools/kernels.py
# (about 10 minutes each on 2 cores; a benchmark, not part of make test).
crosscheck: $(STAMP)
	$(PY) -m tools.crosscheck

bench: $(STAMP) $(MODEL)/domain.safetensors
	$(PY) -m bench.run --model $(MODEL)

# The web app and its model. The model is trained once, deterministically, and reused.
# domain.safetensors is written last, so it stands for the whole export.
$(MODEL)/domain.safetensors: $(STAMP)
	$(PY) -m snippets.deploy.digits_model --out $(MODEL)

model: $(STAMP)
	$(PY) -m snippets.deploy.digits_model --out $(MODEL)

app: $(STAMP) $(MODEL)/domain.safetensors
	$(PY) -m snippets.deploy.app --model $(MODEL)

space: $(MODEL)/domain.safetensors space-copy
	@echo "upload the contents of $(SPACE)/ to a Gradio Space (see docs/deploy/index.md)"

# What a Space needs: its app.py and requirements.txt, the modules the app imports (found by
# reading its imports), the model.
space-copy: $(STAMP)
	$(PY) -m tools.space --model $(MODEL) --out $(SPACE)

# A new topic: note, cheat sheet, notebook (executed), module and test, under the naming rule.
topic: $(STAMP)
	@test -n "$(NAME)" -a -n "$(TITLE)" || { echo 'usage: make topic NAME=attention TITLE="Attention"'; exit 2; }
	$(PY) -m tools.new_topic --name "$(NAME)" --title "$(TITLE)"

# requirements.txt is compiled from requirements.in (pip-tools): every package pinned, with hashes.
# The existing pins are kept unless UPGRADE=1.
requirements: $(STAMP)
	$(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-find-links \
	  --no-emit-index-url $(if $(UPGRADE),--upgrade) --output-file requirements.txt requirements.in

clean:
	rm -rf site .pytest_cache .ruff_cache
