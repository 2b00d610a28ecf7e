"""Recording a send's outcome while the database may be away (PostgreSQL restarting)."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable

from storage.db import DatabaseError

__all__ = ["RECORD_RETRY", "record_patiently"]

log = logging.getLogger("bot.delivery.worker")

# Waits between tries.
RECORD_RETRY = (0.2, 0.5, 1.0, 2.0)


async def record_patiently(
    row_id: int, record: Callable[[], Awaitable[None]], given_up: Callable[[], bool]
) -> None:
    """Record Telegram's outcome for an outbox row, trying again while the database is away, so
    a send that went out is not sent again; `given_up` ends the tries (a stop that waited long
    enough: the row is then in doubt, as after a crash, and sent once more at most)."""
    for attempt in itertools.count():
        try:
            await record()
            return
        except DatabaseError as exc:
            if given_up():
                log.warning("outbox row %d: outcome not recorded (%s); given up", row_id, exc)
                return
            if attempt == 0:
                log.warning("outbox row %d: outcome kept until the database is back", row_id)
            await asyncio.sleep(RECORD_RETRY[min(attempt, len(RECORD_RETRY) - 1)])
