"""A callback query is answered once, even when its update is handled twice.

handlers/wizard.py `one_at_a_time` runs a handler again when another process changed the draft
it read (a person's tap can reach one process while the previous step is still saving in
another). The first run may have answered the tap already; Telegram refuses a second answer
with 400 "query is too old", which would fail the second run before it does its work, and the
person would see nothing. Within `answering_once`, the rate limiter (every request passes it)
answers a repeated answerCallbackQuery itself, with Telegram's own result for it: True.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["answered_before", "answering_once", "note_answered"]

# The query ids answered within the current `answering_once` block (None: outside one).
_ANSWERED: ContextVar[set[str] | None] = ContextVar("_ANSWERED", default=None)


@contextmanager
def answering_once() -> Iterator[None]:
    token = _ANSWERED.set(set())
    try:
        yield
    finally:
        _ANSWERED.reset(token)


def answered_before(query_id: str) -> bool:
    answered = _ANSWERED.get()
    return answered is not None and query_id in answered


def note_answered(query_id: str) -> None:
    answered = _ANSWERED.get()
    if answered is not None:
        answered.add(query_id)
