"""The /subscribe menu's working copy, one per chat, saved for real only on confirm.

A shared draft (storage/drafts.py, kind "subscribe"): any administrator of a group continues the
menu another one opened, and a tap on any other message than the menu's is stale. The menu's
view is the draft's step.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage import drafts
from storage.db import Database
from storage.subscriptions import Area

__all__ = ["KIND", "Draft", "delete", "get", "save"]

KIND = "subscribe"


@dataclass(frozen=True, slots=True)
class Draft:
    chat_id: int
    message_id: int
    user_id: int
    areas: frozenset[Area]
    themes: frozenset[str]
    view: str
    updated_at: int
    # The stored revision it was read at (0: not read from storage), for `save`'s check.
    revision: int = 0


def _areas(text: str) -> frozenset[Area]:
    found: set[Area] = set()
    for token in text.split():
        kind, _, code = token.partition(":")
        if kind in ("all", "region", "county", "municipality"):
            found.add(Area(kind, code))  # type: ignore[arg-type]
    return frozenset(found)


def _draft(stored: drafts.Draft) -> Draft:
    payload = stored.payload
    return Draft(
        chat_id=stored.chat_id,
        message_id=int(payload["message_id"]),
        user_id=stored.user_id,
        areas=_areas(payload.get("areas", "")),
        themes=frozenset(payload.get("themes", "").split()),
        view=stored.step,
        updated_at=stored.updated_at,
        revision=stored.revision,
    )


async def get(db: Database, chat_id: int) -> Draft | None:
    stored = await drafts.shared(db, chat_id, KIND)
    return None if stored is None else _draft(stored)


async def save(db: Database, draft: Draft, *, expected_revision: int | None = None) -> Draft:
    """Store the chat's menu; with `expected_revision`, drafts.DraftConflict if it moved on."""
    payload = {
        "message_id": draft.message_id,
        "areas": " ".join(sorted(f"{a.kind}:{a.code}" for a in draft.areas)),
        "themes": " ".join(sorted(draft.themes)),
    }
    stored = await drafts.save(
        db,
        draft.user_id,
        draft.chat_id,
        KIND,
        draft.view,
        payload,
        shared=True,
        expected_revision=expected_revision,
    )
    return _draft(stored)


async def delete(db: Database, chat_id: int) -> None:
    await drafts.delete(db, None, chat_id, KIND)
