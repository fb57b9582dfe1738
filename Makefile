# JXC: `make run` starts the product with a demo company; `make test` runs every test.
SHELL := /bin/bash
PY ?= python3
UV := $(shell command -v uv 2>/dev/null || echo "$(PY) -m uv")
VENV_BIN := .venv/bin
export UV_PYTHON_DOWNLOADS := never
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export GX_ANALYTICS_ENABLED := False

.PHONY: run test bench lint env demo pipeline serve status clean

# uv and the virtual environment are created when missing; `uv sync --frozen` installs exactly uv.lock.
env:
	@$(UV) --version >/dev/null 2>&1 || $(PY) -m pip install --quiet uv || $(PY) -m pip install --quiet --user uv
	@$(UV) sync --frozen --quiet

run: env
	$(VENV_BIN)/jxc init
	$(VENV_BIN)/jxc demo --if-empty --scale $${JXC_DEMO_SCALE:-1}
	$(VENV_BIN)/jxc pipeline run --full
	$(VENV_BIN)/jxc serve

# `make test` runs the tests in parallel processes (pytest-xdist), one per CPU up to 4; a test
# module stays on one process, so its module-wide fixtures (a company built by dbt) run once.
# PYTEST_WORKERS=0 runs everything in this one process; `pytest tests/x.py` is never parallel.
PYTEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); echo $$(( n > 4 ? 4 : n )))
PYTEST_XDIST = $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadscope --no-loadscope-reorder)

# The tests' temporary folders (each test's store, warehouse, serving file and Dagster instance) go
# to RAM (/dev/shm) when it is there: a pipeline run commits ~7,000 times to Dagster's SQLite event
# log, and each commit waited for the disk (9 ms on this machine under load, 0.05 ms in RAM).
# Folders of passed tests are removed as they finish (kept for failed ones), so RAM holds little.
# `make test PYTEST_TMPDIR=` keeps them on disk. A small /dev/shm (a container's default 64 MB) is
# not used: the suite needs a few hundred MB at once, so RAM is taken only with 2 GB free.
PYTEST_TMPDIR ?= $(shell [ -d /dev/shm ] && [ -w /dev/shm ] && \
	[ "$$(df -Pk /dev/shm | awk 'NR==2 {print $$4}')" -ge 2097152 ] 2>/dev/null && echo /dev/shm)
PYTEST_TMP = $(if $(PYTEST_TMPDIR),TMPDIR=$(PYTEST_TMPDIR) ,)

test: env
	@bash scripts/test-prereqs.sh
	$(VENV_BIN)/ruff check .
	$(PYTEST_TMP)$(VENV_BIN)/pytest $(PYTEST_XDIST) -o tmp_path_retention_policy=failed $(PYTEST_ARGS)

bench: env
	$(VENV_BIN)/python -m bench.run $(BENCH_ARGS)

lint: env
	$(VENV_BIN)/ruff check .

clean:
	rm -rf data/ transforms/target transforms/logs
