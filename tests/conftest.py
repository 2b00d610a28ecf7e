"""Test-wide settings, and the wall clock.

The bot under test runs on an injected clock (tests/harness.py's ManualClock at a fixed daytime
instant), but some code can only read the real one: another process (`python -m bot announce`,
`events import`) stamps its rows with it, and the stand-in's long polls wait in it. Such tests
pin the wall clock with the `wall_clock` fixture (time-machine, ticking, so sleeps and timeouts
still pass; `time.monotonic` is never touched).

`JARJESTOBOTTI_FAKE_NOW=2028-12-05T02:00:00+02:00` moves the wall clock of every test there
(ticking): `make unit-timeshift` runs the clock-sensitive tests at 02:00 Helsinki time and two
years ahead, so nothing can depend on the hour or the year the suite happens to run in.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime

import pytest
import time_machine
from hypothesis import HealthCheck, settings

# `--backend` and the PostgreSQL server fixtures (tests/pg_fixtures.py).
pytest_plugins = ["tests.pg_fixtures"]

# python-telegram-bot 22 warns on every RetryAfter unless timedelta values are opted in; the bot
# opts in at start-up (bot.__main__), so the tests run the same way.
os.environ["PTB_TIMEDELTA"] = "1"

# Hypothesis fails an example slower than 200 ms, and a slow start as "too slow": on a busy
# machine (a second suite on the same cores) that is the machine, not the code.
settings.register_profile(
    "jarjestobotti", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("jarjestobotti")

FAKE_NOW = os.environ.get("JARJESTOBOTTI_FAKE_NOW", "")

# Modules whose outcome could depend on the date or hour they run at: dates typed into wizards,
# quiet hours, the scheduler, other processes' timestamps. `make unit-timeshift` runs these.
CLOCK_SENSITIVE = frozenset(
    {
        "test_calendar",
        "test_cli_events",
        "test_dates",
        "test_delivery",
        "test_delivery_faults",
        "test_demo",
        "test_e2e_announce",
        "test_e2e_announce_event",
        "test_reader_cards",
        "test_e2e_events",
        "test_e2e_events_bad_input",
        "test_e2e_feedback",
        "test_e2e_forums",
        "test_e2e_grants",
        "test_e2e_listings",
        "test_e2e_polls",
        "test_e2e_privacy",
        "test_e2e_scheduler",
        "test_e2e_series",
        "test_events_import",
        "test_events_import_forums",
        "test_grants_import",
        "test_ops",
        "test_scheduler_failures",
        "test_scheduling_rules",
        "test_series",
        "test_e2e_topics",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.stem in CLOCK_SENSITIVE:
            item.add_marker(pytest.mark.clock_sensitive)


@pytest.fixture(autouse=True)
def _faked_wall_clock() -> Iterator[None]:
    if not FAKE_NOW:
        yield
        return
    with time_machine.travel(datetime.fromisoformat(FAKE_NOW), tick=True):
        yield


@pytest.fixture
def wall_clock() -> Iterator[None]:
    """The wall clock at the harness's start (a weekday noon in Helsinki), ticking."""
    from tests.harness import START

    with time_machine.travel(START, tick=True):
        yield
