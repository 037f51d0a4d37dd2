# The two set-up commands of the README: `make demo` and `make test`.
# Both create ./.venv on first use and install the exact versions of requirements.lock into it
# (hash-checked), then this project itself (editable, without touching the pinned versions).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements.lock
STAMP := $(VENV)/.installed
LATEST := .venv-latest

.PHONY: demo test test-latest test-oommf lint check-imports typecheck bench bench-oommf install lock

$(STAMP): pyproject.toml $(LOCK)
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --require-hashes --no-deps -r $(LOCK)
	$(BIN)/pip install --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/dwmtj demo --out demo-output

test: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -q --durations=15

# The newest versions that pyproject.toml's ranges allow, in a separate venv: run it before
# refreshing the lock (`make lock`), so that a new release that breaks us is seen first.
test-latest:
	rm -rf $(LATEST)
	$(PY) -m venv $(LATEST)
	$(LATEST)/bin/pip install --upgrade pip
	$(LATEST)/bin/pip install --upgrade -e ".[test]"
	$(LATEST)/bin/python -m pytest -m "not slow" -q

# Every test that needs a real OOMMF (slow ones included), against $OOMMFTCL or `oommf` on
# PATH; fails if OOMMF is not found, and (tests/conftest.py) if any OOMMF process started by
# the tests is still alive at the end.
test-oommf: $(STAMP)
	@$(BIN)/python -c "import sys; from physics.calculators.oommf_runner import oommf_command; \
	sys.exit(0 if oommf_command() else 'make test-oommf: OOMMF not found: set OOMMFTCL to \
	the path of oommf.tcl, or put oommf on PATH (README: Real OOMMF)')"
	$(BIN)/python -m pytest -m oommf -q -p no:cacheprovider --durations=0

# Refresh the lock from pyproject.toml's ranges (exact versions and hashes for Python 3.11-3.13
# on every platform); then `make test` in a fresh clone, and commit requirements.lock.
lock: $(STAMP)
	$(BIN)/pip install "uv>=0.5"
	$(BIN)/uv pip compile pyproject.toml --extra test --universal --python-version 3.11 \
	    --generate-hashes -o $(LOCK)

# ruff check and ruff format --check over the whole tree (the pre-commit hooks' checks)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# pyright (basic) on the engine and the compact model ([tool.pyright] in pyproject.toml)
typecheck: $(STAMP)
	$(BIN)/pyright

# The layers of pyproject.toml's [tool.importlinter] (dwmtj > nn > compact > physics >
# geometries > paperstyle): fails on any import against them.
check-imports: $(STAMP)
	$(BIN)/lint-imports

# The quick benchmark set (a few minutes on 2 cores; each script prints its table with wall and
# CPU time and the machine's load): engine throughput at 4 nm cells (batch 8 against batch 1)
# and a short 300 K experiment. Full options and measured tables: benchmarks/README.md.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py --table-only --cells 4e-9 --batches 1 8 --steps 20
	$(BIN)/python benchmarks/bench_experiment.py --sizes 1 8

# OOMMF and the JAX engine side by side (SP4, case C, the notched-strip relaxation, 300 K),
# ~9 min on the 2-core machine; needs OOMMF ($$OOMMFTCL or oommf on PATH)
bench-oommf: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py --oommf --json benchmarks/side-by-side.json
