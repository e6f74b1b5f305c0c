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

# one pytest-xdist worker per core; tests/conftest.py keeps each file's tests on one worker and the
# Prefect-harness tests together (one test server per session)
TEST_WORKERS ?= auto

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
