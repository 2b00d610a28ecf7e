"""PostgreSQL notifications to this process: LISTEN on a connection of its own.

The triggers of migration 0011 (storage/migrations/postgres/) announce, at commit, new outbox rows
(`jb_outbox`), finished relayed replies (`jb_reply`, the row id), pending schedule rows
(`jb_schedule`) and changed chat settings (`jb_chat_settings`, the chat id). A notification only
makes a process look sooner: everyone still polls, so one lost while the connection was down
costs time, never correctness. After a reconnect every handler is called once with payload "",
for whatever was missed meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping

import psycopg
from psycopg import sql

from storage.db import Database
from storage.pg_db import PgDatabase

__all__ = ["CHANNELS", "PgListener", "listener_for"]

log = logging.getLogger(__name__)

CHANNELS = ("jb_outbox", "jb_reply", "jb_schedule", "jb_chat_settings")
RECONNECT_DELAYS = (0.5, 1.0, 2.0, 5.0)


class PgListener:
    def __init__(self, url: str, handlers: Mapping[str, Callable[[str], None]]) -> None:
        self._url = url
        self._handlers = dict(handlers)
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="pg-listen")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self._url, autocommit=True
                ) as conn:
                    for channel in self._handlers:
                        await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    self.connected.set()
                    if failures:
                        self._everyone("")
                    failures = 0
                    async for note in conn.notifies():
                        handler = self._handlers.get(note.channel)
                        if handler is not None:
                            handler(note.payload)
            except psycopg.Error as exc:
                self.connected.clear()
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                if failures == 1:
                    log.warning("notifications from PostgreSQL lost (%s); reconnecting", exc)
                await asyncio.sleep(delay)

    def _everyone(self, payload: str) -> None:
        for handler in self._handlers.values():
            handler(payload)


def listener_for(db: Database, handlers: Mapping[str, Callable[[str], None]]) -> PgListener | None:
    """A listener when the database is PostgreSQL; SQLite has no notifications (polls suffice
    for one process)."""
    return PgListener(db.url, handlers) if isinstance(db, PgDatabase) else None
