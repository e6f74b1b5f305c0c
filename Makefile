# Two commands from a clean clone: `make demo` (the main job on SQLite, letters into demo/mail)
# and `make test` (the whole suite; PostgreSQL and browser tests run where available).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGES := common definitions engine storage nastavnik flows tasks registry web documents notifications

.PHONY: demo test lint bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/nastavnik demo --dir demo

# pytest-xdist workers: one per core and one more. The suite waits a good part of its time on real
# servers (a Prefect server's start, a worker's poll, a schedule's next minute, SMTP and lease
# timeouts); the extra worker runs tests meanwhile. Measured on 2 cores, 2026-12-04 late evening:
# 5 min 54 s with 2 workers, 5 min 0 s and 5 min 24 s with 3, 5 min 28 s with 4 (more CPU lost
# to switching than waits filled). tests/conftest.py keeps each file's tests on one worker, and
# the tests that share a Prefect server together.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))

# Bytecode first: where the environment sets PYTHONDONTWRITEBYTECODE (this machine's does) nothing
# is ever cached, and each of the ≈ 100 Python processes the suite starts (Prefect servers,
# workers, the CLI) compiled Prefect and nastavnik from source again (`import prefect`: 3.0 s of
# CPU against 1.5 s compiled). compileall writes it whatever that variable says; pytest may then
# cache its rewritten test modules. Installed packages may ship files that never compile (olefile's
# Python 2 olefile2.py), so their compile errors are not ours to report.
SITE_PACKAGES = $$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

test: $(STAMP)
	$(BIN)/python -m compileall -q -j 0 $(PACKAGES) tests
	@$(BIN)/python -m compileall -q -j 0 $(SITE_PACKAGES) >/dev/null 2>&1 || true
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(PACKAGES)
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_deadlines.py
	$(BIN)/python benchmarks/bench_cli.py
	$(BIN)/python benchmarks/bench_engine.py --sizes 100,1000,40000 --prefect-schools 100
	$(BIN)/python benchmarks/bench_documents.py
	$(BIN)/python benchmarks/bench_letters.py
	$(BIN)/python benchmarks/bench_web.py
	$(BIN)/python benchmarks/bench_registry.py
	$(BIN)/python benchmarks/bench_import.py
	$(BIN)/python benchmarks/bench_editor.py

clean:
	rm -rf $(VENV) demo nastavnik.db mail files test-artifacts
