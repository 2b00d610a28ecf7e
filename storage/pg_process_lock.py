"""PostgreSQL's counterpart of the poller's file lock (bot/runtime/poller_lock.py): a session
advisory lock on a connection the process keeps for its life. A poller holds it exclusively, a
webhook process shared; the server releases it when the connection ends, however the process
ends. The connection's application_name carries the pid, so a refused process can name the
holder."""

from __future__ import annotations

import contextlib
import os

import psycopg

__all__ = ["POLLER_KEY", "PgProcessLock", "try_hold"]

# "jbpl"
POLLER_KEY = 0x6A62_706C


class PgProcessLock:
    def __init__(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        self._conn: psycopg.Connection[tuple[object, ...]] | None = conn

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            # Unlocked before closing: the server ends a closed session's backend a moment
            # later, and a process starting right after must not find the lock still held.
            with contextlib.suppress(psycopg.Error):
                conn.execute("SELECT pg_advisory_unlock_all()")
            conn.close()


def try_hold(url: str, *, exclusive: bool) -> PgProcessLock | list[int]:
    """The lock, or the pids of the processes that hold it in the way that excludes this one
    (unknown pids are left out). Raises psycopg.Error when the server cannot be reached."""
    conn = psycopg.connect(
        url,
        autocommit=True,
        connect_timeout=10,
        application_name=f"jarjestobotti pid {os.getpid()}",
    )
    try:
        fn = "pg_try_advisory_lock" if exclusive else "pg_try_advisory_lock_shared"
        row = conn.execute(f"SELECT {fn}(%s)", (POLLER_KEY,)).fetchone()
        if row and row[0]:
            return PgProcessLock(conn)
        holders = conn.execute(
            """
            SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.database = (
                SELECT oid FROM pg_database WHERE datname = current_database())
              AND ((l.classid::bigint << 32) | l.objid::bigint) = %s
              AND (%s OR l.mode = 'ExclusiveLock')
            """,
            (POLLER_KEY, exclusive),
        ).fetchall()
    except BaseException:
        conn.close()
        raise
    conn.close()
    pids = [str(name).rsplit(" ", 1)[-1] for (name,) in holders]
    return [int(p) for p in pids if p.isdigit()]
