"""Counting the blocks of statements that reach the database: trips to aiosqlite's thread and
blocks `Database.write(inline=True)` runs on the event loop's thread, alike (an inline attempt
that finds another process writing and then takes the thread counts twice)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from storage import db

__all__ = ["count_trips"]


def count_trips(
    monkeypatch: pytest.MonkeyPatch, counts: Callable[[], bool] = lambda: True
) -> list[int]:
    """A one-item list whose item counts the blocks from here on (those for which `counts()`
    says so, asked when the block is sent)."""
    counted = [0]
    real_call = db._Thread.call
    real_inline = db._write_unless_busy

    async def call(thread: Any, fn: Callable[[Any], Any]) -> Any:
        if counts():
            counted[0] += 1
        return await real_call(thread, fn)

    def inline(raw: Any, fn: Callable[[Any], Any]) -> Any:
        if counts():
            counted[0] += 1
        return real_inline(raw, fn)

    monkeypatch.setattr(db._Thread, "call", call)
    monkeypatch.setattr(db, "_write_unless_busy", inline)
    return counted
