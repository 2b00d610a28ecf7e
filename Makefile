# Two entry points for a fresh machine: `make demo` and `make test`.
# Both create .venv with the system python3 if it is missing and install the project into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
COVERAGE_FLOOR ?= 85

.PHONY: demo test lint typecheck unit unit-timeshift timeshift-night timeshift-future unit-postgres \
	bench clean run

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# pip's and the build backend's output goes to $(VENV)/install.log; it is shown only if the install
# fails, so `make demo` starts with the transcript.
PIP_INSTALL := $(BIN)/python -m pip install --disable-pip-version-check --no-input

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "installing the project into $(VENV) (log: $(VENV)/install.log)"
	@{ $(PIP_INSTALL) --upgrade pip && $(PIP_INSTALL) -e '.[test]'; } > $(VENV)/install.log 2>&1 \
		|| { tail -n 60 $(VENV)/install.log; echo "pip install failed; the whole log: $(VENV)/install.log" >&2; exit 1; }
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m bot demo

run: $(STAMP)
	$(BIN)/python -m bot run --config $(or $(CONFIG),config.example.toml)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -q --cov --cov-report=term --cov-fail-under=$(COVERAGE_FLOOR)

# The clock-sensitive tests once more with the wall clock at 02:00 Helsinki time (inside the
# default quiet hours) and two years ahead, side by side: the suite must pass whenever it runs.
unit-timeshift: $(STAMP)
	$(MAKE) --no-print-directory -j2 timeshift-night timeshift-future

timeshift-night: $(STAMP)
	JARJESTOBOTTI_FAKE_NOW=2026-12-05T02:00:00+02:00 $(BIN)/python -m pytest -q -m clock_sensitive

timeshift-future: $(STAMP)
	JARJESTOBOTTI_FAKE_NOW=2028-12-05T02:00:00+02:00 $(BIN)/python -m pytest -q -m clock_sensitive

# The end-to-end suite (and the other modules that run unchanged on it) once more on PostgreSQL:
# a real server that pytest starts itself (tools/postgres.py; Debian's package, installed when
# missing), failing rather than skipping when it cannot. Not here: modules that test SQLite
# itself (test_db.py, test_connection.py...), start `python -m bot` processes on an SQLite file
# (test_cli*.py, test_ops.py), or read SQLite's catalog or count its trips (test_security.py,
# test_reader_cards.py).
POSTGRES_TESTS := $(wildcard tests/test_e2e_*.py) tests/test_delivery.py tests/test_delivery_faults.py \
	tests/test_resilience_handlers.py tests/test_rsvp_rules.py tests/test_startup_resilience.py \
	tests/test_directory_stats.py tests/test_volunteer_figures.py

unit-postgres: $(STAMP)
	$(BIN)/python -m pytest -q --backend postgres $(POSTGRES_TESTS)

# After the main suite, the three shorter runs side by side: they mostly wait (the bot's clock,
# the stand-in, the database), together using about a third of two cores; two at a time took
# 5:12 here, all three together 3:00.
test: lint typecheck unit
	$(MAKE) --no-print-directory -j3 timeshift-night timeshift-future unit-postgres

bench: $(STAMP)
	$(BIN)/python bench/audience.py
	$(BIN)/python bench/broadcast.py
	$(BIN)/python bench/broadcast.py --recipients 600 --replies
	$(BIN)/python bench/chaos.py
	$(BIN)/python bench/directory.py
	$(BIN)/python bench/poll_results.py
	$(BIN)/python bench/rsvp.py
	$(BIN)/python bench/sandbox_throughput.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/scheduler.py

clean:
	rm -rf $(VENV) build *.egg-info .coverage .mypy_cache .ruff_cache
