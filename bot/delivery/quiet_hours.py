"""Quiet hours: when a chat may not be messaged, and when it may again.

The delivery worker asks before each non-urgent send; a chat's own setting (/settings) wins over
the configured default. Settings are cached in memory and dropped when a chat changes them: in
this process at once, from another process through PostgreSQL's notification (`forget`), and in
any case after `CACHE_SECONDS` (SQLite has no notifications between processes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.config_values import QuietHours, parse_quiet_hours
from storage import chat_settings
from storage.db import Database

__all__ = ["CACHE_SECONDS", "QuietHoursPolicy", "quiet_until"]

CACHE_SECONDS = 60.0


def quiet_until(quiet: QuietHours | None, moment: datetime, tz: ZoneInfo) -> datetime | None:
    """When the quiet window around `moment` ends, or None when `moment` is not in one."""
    if quiet is None:
        return None
    local = moment.astimezone(tz)
    if not quiet.contains(local.time().replace(tzinfo=None)):
        return None
    day = local.date()
    if quiet.start > quiet.end and local.time().replace(tzinfo=None) >= quiet.start:
        day += timedelta(days=1)  # a window past midnight ends tomorrow morning
    end = datetime.combine(day, quiet.end, tz)
    if end.timestamp() <= moment.timestamp():
        # The night clocks go back: an end in the repeated hour means its second pass.
        end = end.replace(fold=1)
    # A wall-clock end inside a DST gap does not exist; fold it forward to a real instant.
    return datetime.fromtimestamp(end.timestamp(), tz)


class QuietHoursPolicy:
    def __init__(
        self,
        db: Database,
        default: QuietHours | None,
        tz: ZoneInfo,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._default = default
        self._tz = tz
        self._clock = clock
        self._cache: dict[int, tuple[float, QuietHours | None]] = {}

    def invalidate(self, chat_id: int) -> None:
        self._cache.pop(chat_id, None)

    def forget(self, chat_id: str) -> None:
        """Another process changed a chat's settings (PostgreSQL's notification carries its id;
        an empty one after a lost connection means any chat's)."""
        try:
            self.invalidate(int(chat_id))
        except ValueError:
            self._cache.clear()

    async def hours_for(self, chat_id: int) -> QuietHours | None:
        now = self._clock()
        cached = self._cache.get(chat_id)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        stored = (await chat_settings.get(self._db, chat_id)).quiet_hours
        hours = self._default if stored is None else _parse(stored)
        self._cache[chat_id] = (now, hours)
        return hours

    async def __call__(self, chat_id: int, now: float) -> float | None:
        """The delivery worker's hook: when the chat's quiet hours end, or None to send now."""
        moment = datetime.fromtimestamp(now, self._tz)
        end = quiet_until(await self.hours_for(chat_id), moment, self._tz)
        return None if end is None else end.timestamp()


def _parse(stored: str) -> QuietHours | None:
    try:
        return parse_quiet_hours(stored)
    except ValueError:  # pragma: no cover - only valid values are stored
        return None
