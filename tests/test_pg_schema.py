"""storage/pg_schema.py: the one history on PostgreSQL, migrated by two processes at once."""

from __future__ import annotations

import threading

from storage.pg_compat import connect
from storage.pg_schema import migrate, schema_status
from storage.schema import latest_version


def test_two_migrating_at_once_one_waits_and_neither_fails(pg_url):
    applied: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def one_process() -> None:
        try:
            with connect(pg_url) as conn:
                start.wait()
                applied.append(len(migrate(conn)))
        except BaseException as error:  # reported below, with the assertion
            errors.append(error)

    threads = [threading.Thread(target=one_process) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(applied) == [0, latest_version()]
    with connect(pg_url) as conn:
        status = schema_status(conn)
        assert (status.current, status.pending) == (latest_version(), 0)
        assert migrate(conn) == []


def test_a_fresh_database_is_at_version_zero(pg_url):
    with connect(pg_url) as conn:
        assert schema_status(conn).current == 0
