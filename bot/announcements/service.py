"""Coordinator announcements: content rules, audience and scope, and queueing as a broadcast.

An announcement is one Bot API call repeated for every chat of its audience; the rows and the
broadcast are written in one transaction, so an announcement exists whole or not at all.
Over-long texts are refused, not split: a split announcement reads badly and its parts can
arrive far apart under flood control.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

# Re-exported for the announcement and poll wizards, which import them from here.
from bot.audience.recipients import AudienceSpec, expand, resolve
from bot.core.places import PlaceCatalog
from storage import broadcasts, outbox, roles
from storage.db import Database
from storage.outbox import NewMessage

__all__ = [
    "MAX_CAPTION",
    "MAX_TEXT",
    "Content",
    "ContentProblem",
    "check_content",
    "in_scope",
    "queue",
]

MAX_TEXT = 4096
MAX_CAPTION = 1024
ContentProblem = Literal["empty", "too_long", "caption_too_long"]


@dataclass(frozen=True, slots=True)
class Content:
    """What recipients get: HTML text, or a photo / document (Telegram file id) with a caption."""

    html: str
    plain_length: int  # as Telegram counts it, after entity parsing
    photo: str | None = None
    document: str | None = None

    def call(self) -> tuple[str, dict[str, Any]]:
        if self.photo is not None:
            return "sendPhoto", {"photo": self.photo, "caption": self.html, "parse_mode": "HTML"}
        if self.document is not None:
            params = {"document": self.document, "caption": self.html, "parse_mode": "HTML"}
            return "sendDocument", params
        return "sendMessage", {"text": self.html, "parse_mode": "HTML"}


def check_content(content: Content) -> ContentProblem | None:
    has_file = content.photo is not None or content.document is not None
    if not has_file and content.plain_length == 0:
        return "empty"
    if has_file and content.plain_length > MAX_CAPTION:
        return "caption_too_long"
    if content.plain_length > MAX_TEXT:
        return "too_long"
    return None


def in_scope(granted: list[roles.Role], spec: AudienceSpec, catalog: PlaceCatalog) -> bool:
    """A coordinator reaches only the municipalities of their scope (regions and counties count
    as all their municipalities); the whole country needs an 'all' scope."""
    areas = [area for role in granted for area in role.scope]
    if any(area.kind == "all" for area in areas):
        return True
    if spec.everyone:
        return False
    allowed: set[str] = set()
    for area in areas:
        if area.kind == "municipality":
            allowed.add(area.code)
        elif area.kind == "region":
            allowed.update(m.code for m in catalog.municipalities_in_region(area.code))
        elif area.kind == "county":
            allowed.update(m.code for m in catalog.municipalities_in_county(area.code))
    wanted = set(expand(spec, catalog).municipalities)
    return bool(wanted) and wanted <= allowed


def describe(spec: AudienceSpec) -> str:
    return json.dumps(
        {
            "municipalities": sorted(spec.municipalities),
            "regions": sorted(spec.regions),
            "counties": sorted(spec.counties),
            "themes": sorted(spec.themes),
            "everyone": spec.everyone,
            "event": spec.event_id,
            "role": spec.role,
        },
        ensure_ascii=False,
    )


async def queue(
    db: Database,
    catalog: PlaceCatalog,
    spec: AudienceSpec,
    content: Content,
    *,
    created_by: int | None,
    report_chat_id: int | None,
    at: float | None,
) -> tuple[int, int]:
    """Write the broadcast and one outbox row per recipient; returns (broadcast id, count)."""
    recipients = await resolve(db, catalog, spec)
    method, params = content.call()
    now = db.now()
    send_at = at if at is not None else float(now)
    async with db.transaction() as tx:
        broadcast_id = await broadcasts.create_broadcast(
            tx,
            kind="announcement",
            created_by=created_by,
            report_chat_id=report_chat_id,
            summary=content.html[:200],
            audience=describe(spec),
            scheduled_at=send_at,
            now=now,
        )
        await outbox.enqueue(
            tx,
            [
                NewMessage(chat_id, "announcement", method, params, not_before=send_at)
                for chat_id in recipients
            ],
            now=now,
            broadcast_id=broadcast_id,
        )
    return broadcast_id, len(recipients)
