"""Shared builders for the end-to-end tests (and bench/): the configured admin, subscribers, an
appointed coordinator, a forum's fields, publishing one and letting the delivery worker finish.

    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin = admin_user(h)
        liisa = await subscriber(h, "Liisa", ["health"])
        event_id = await publish_delivered(h, forum_fields(START), created_by=ADMIN)
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.events.fields import EventFields
from bot.events.service import publish
from storage import subscriptions
from storage.subscriptions import Area
from tests.harness import BotHarness, ChatUser

__all__ = [
    "ADMIN",
    "JOENSUU",
    "admin_user",
    "appoint",
    "delivered",
    "forum_fields",
    "publish_delivered",
    "publish_forum",
    "subscriber",
]

ADMIN = 7000
JOENSUU = "167"


def admin_user(h: BotHarness) -> ChatUser:
    """The configured admin (start the harness with `admins=frozenset({ADMIN})`)."""
    user = h.sandbox.add_user("Anna Admin", language_code="en", user_id=ADMIN)
    return ChatUser(h, user, h.sandbox.private_chat(user))


async def subscriber(h: BotHarness, name: str, themes: list[str]) -> ChatUser:
    """A person who has started the bot and follows Joensuu with these themes ("*": all)."""
    person = h.user(name, language_code="en")
    await person.send("/start")
    await subscriptions.replace(h.env.db, person.id, [Area("municipality", JOENSUU)], themes)
    return person


async def appoint(h: BotHarness, admin: ChatUser, name: str, scope: str) -> ChatUser:
    """A coordinator for `scope`, appointed through the admin's one-time link."""
    await admin.send(f"/coordinatorlink {scope}")
    link = re.search(r"start=(coord_[A-Za-z0-9_-]+)", admin.last_message().text)
    assert link, admin.last_message().text
    coordinator = h.user(name, language_code="en")
    await coordinator.send(f"/start {link.group(1)}")
    assert "You are now a coordinator for" in coordinator.last_message().text
    return coordinator


async def publish_forum(
    coordinator: ChatUser, *, capacity: str = "3", kind: str = "Association forum"
) -> None:
    """A forum published through the /newevent conversation."""
    await coordinator.send("/newevent")
    await coordinator.tap(kind)
    await coordinator.send("Järjestöfoorumi <hyvinvointi> 🌿")
    await coordinator.send("ti 1.12. 17:30")
    await coordinator.send("2 h")
    await coordinator.send("Carelicum, Koskikatu 5, Joensuu https://meet.example/forum")
    await coordinator.send("Joensuu")
    await coordinator.tap("Health")
    await coordinator.tap("Done ▶")
    await coordinator.tap("Skip")
    await coordinator.tap("Done ▶")  # for whom: nobody named, so everyone
    await coordinator.tap("Skip")  # no programme
    await coordinator.send(capacity)
    await coordinator.tap("No deadline")
    await coordinator.tap("Done ▶")
    await coordinator.tap("📣 Publish")


def forum_fields(start: datetime, **changes: Any) -> EventFields:
    """A two-hour health forum in Joensuu starting at `start`; `changes` replace fields."""
    fields = EventFields(
        kind="forum",
        title="Järjestöfoorumi",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="Carelicum, Joensuu",
        online_url="",
        municipalities=(JOENSUU,),
        themes=("health",),
    )
    return replace(fields, **changes)


async def delivered(h: BotHarness) -> None:
    """Wake the delivery worker and wait until the outbox is empty."""
    h.services.delivery.wake()
    await h.services.delivery.wait_idle()


async def publish_delivered(h: BotHarness, fields: EventFields, created_by: int | None) -> int:
    """Publish the event through the service (no conversation) and deliver its invitations."""
    event_id, _queued = await publish(h.env, fields, created_by)
    await delivered(h)
    return event_id
