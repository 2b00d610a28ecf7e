"""Grant calls as a service: who may create one, publish (the call and one announcement row per
matching chat in one transaction), the open calls a chat or a place sees, a changed deadline
(told to those who asked for reminders), and the daily reminder sweep.

Used by /newgrant, /grants, /editgrant and `python -m bot grants import --publish`, so an
imported call goes out exactly as one made in chat.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.audience.recipients import AudienceSpec, count, resolve
from bot.core.i18n import Texts
from bot.core.place_search import PlaceRef
from bot.environment import Environment
from bot.events.service import may_create_in, texts_for_chat
from bot.grants.fields import GrantFields
from bot.grants.texts import card_keyboard, card_text, local_day, reminder_text
from storage import broadcasts, chats, grants, outbox, subscriptions
from storage.db import Writer
from storage.grants import GrantCall, NewGrantCall
from storage.outbox import Kind as MessageKind
from storage.outbox import NewMessage
from storage.subscriptions import ALL_THEMES, Subscription

__all__ = [
    "audience_size",
    "change_deadline",
    "for_chat",
    "for_place",
    "may_create_in",
    "may_manage",
    "preview",
    "publish",
    "run_reminders",
    "visible_since",
]

DAY = 86400


def _spec(municipalities: Sequence[str], themes: Sequence[str]) -> AudienceSpec:
    return AudienceSpec(municipalities=frozenset(municipalities), themes=frozenset(themes))


async def audience_size(env: Environment, fields: GrantFields) -> int:
    return await count(env.db, env.catalog, _spec(fields.municipalities, fields.themes))


def _new(env: Environment, fields: GrantFields) -> NewGrantCall:
    opens = None
    if fields.opens is not None:
        tz = env.config.bot.timezone
        opens = int(datetime.combine(fields.opens, datetime.min.time(), tz).timestamp())
    return NewGrantCall(
        title=fields.title,
        funder=fields.funder,
        municipalities=fields.municipalities,
        themes=fields.themes,
        deadline_at=int(fields.deadline.timestamp()),
        opens_at=opens,
        amount=fields.amount,
        link=fields.link,
        description=fields.description,
    )


def preview(env: Environment, fields: GrantFields, created_by: int | None) -> GrantCall:
    """An unsaved call, rendered exactly as recipients will see it."""
    new, now = _new(env, fields), env.db.now()
    return GrantCall(
        id=0,
        title=new.title,
        funder=new.funder,
        description=new.description,
        amount=new.amount,
        link=new.link,
        opens_at=new.opens_at,
        deadline_at=new.deadline_at,
        sequence=0,
        created_by=created_by,
        state="open",
        created_at=now,
        updated_at=now,
        municipalities=new.municipalities,
        themes=new.themes,
    )


async def _messages(
    env: Environment,
    tx: Writer,
    call: GrantCall,
    chat_ids: Sequence[int],
    text_of: Callable[[Texts], str] | None,
    kind: MessageKind,
) -> list[NewMessage]:
    """One message per chat in its language: the card (`text_of` None) or a notice above it."""
    info = await chats.recipients(tx, chat_ids)
    rows = []
    for chat_id in chat_ids:
        t = texts_for_chat(env, info.get(chat_id))
        text = card_text(call, t, env.catalog, env.themes)
        if text_of is not None:
            text = f"{text_of(t)}\n\n{text}"
        markup = card_keyboard(call, t, reminding=None if text_of is None else True)
        params: dict[str, object] = {
            "text": text,
            "parse_mode": "HTML",
            "reply_markup": markup.to_dict(),
        }
        rows.append(NewMessage(chat_id, kind, "sendMessage", params))
    return rows


async def publish(env: Environment, fields: GrantFields, created_by: int | None) -> tuple[int, int]:
    """Create the call and queue it to every matching chat; (call id, messages queued)."""
    now = env.db.now()
    async with env.db.transaction() as tx:
        call_id = await grants.create_in(tx, _new(env, fields), created_by=created_by, now=now)
        call = await grants.get(tx, call_id)
        assert call is not None
        recipients = await resolve(tx, env.catalog, _spec(call.municipalities, call.themes))
        broadcast_id = await broadcasts.create_broadcast(
            tx,
            kind="announcement",
            created_by=created_by,
            report_chat_id=None,
            summary=call.title,
            audience=f"grant:{call_id}",
            scheduled_at=float(now),
            now=now,
        )
        rows = await _messages(env, tx, call, recipients, None, "announcement")
        await outbox.enqueue(tx, rows, now=now, broadcast_id=broadcast_id)
    env.changed()
    return call_id, len(rows)


async def may_manage(env: Environment, user_id: int, call: GrantCall) -> bool:
    """Admins; its creator while their scope still covers it."""
    if call.created_by != user_id and user_id not in env.config.bot.admins:
        return False
    return await may_create_in(env, user_id, call.municipalities)


async def change_deadline(env: Environment, call: GrantCall, deadline: datetime) -> int:
    """Store the new deadline and tell everyone who asked for reminders; how many were told."""
    now = env.db.now()
    async with env.db.transaction() as tx:
        await grants.set_deadline_in(tx, call.id, int(deadline.timestamp()), now)
        changed = await grants.get(tx, call.id)
        assert changed is not None
        people = await grants.reminder_users(tx, call.id)
        rows = await _messages(
            env,
            tx,
            changed,
            people,
            lambda t: t._("✏️ <b>The deadline changed.</b>"),
            "reminder",
        )
        await outbox.enqueue(tx, rows, now=now)
    env.changed()
    return len(rows)


def visible_since(env: Environment, now: int) -> int:
    """Calls stay listed through their deadline's day: the start of today, local time."""
    tz = env.config.bot.timezone
    today = datetime.fromtimestamp(now, tz).date()
    return int(datetime.combine(today, datetime.min.time(), tz).timestamp())


def _covers(env: Environment, areas: Sequence[tuple[str, str]], call: GrantCall) -> bool:
    for code in call.municipalities:
        place = env.catalog.municipality(code)
        for kind, area in areas:
            if kind == "all" or (kind, area) == ("municipality", code):
                return True
            wider = (("region", place.region_code), ("county", place.county_id)) if place else ()
            if (kind, area) in wider:
                return True
    return False


def _themes_meet(subscription: Subscription, call: GrantCall) -> bool:
    if not call.themes or ALL_THEMES in subscription.themes:
        return True
    return bool(set(call.themes) & set(subscription.themes))


async def for_chat(env: Environment, chat_id: int) -> list[GrantCall]:
    """Open calls the chat's subscriptions match, as the audience matching does."""
    subscription = await subscriptions.get(env.db, chat_id)
    areas = [(a.kind, a.code) for a in subscription.areas]
    found = await grants.open_calls(env.db, closing_after=visible_since(env, env.db.now()))
    return [c for c in found if _covers(env, areas, c) and _themes_meet(subscription, c)]


async def for_place(env: Environment, place: PlaceRef) -> list[GrantCall]:
    found = await grants.open_calls(env.db, closing_after=visible_since(env, env.db.now()))
    return [c for c in found if _covers(env, [(place.kind, place.code)], c)]


async def run_reminders(env: Environment, tx: Writer, now: int) -> int:
    """The daily sweep: each person who asked gets one reminder on the day that is an offset of
    `[grants] reminders` before the deadline (a missed day is made up the next day, with the days
    actually left); what was sent is recorded, so a second run sends nothing. Offsets whose day
    came before the person asked are not sent. Returns the reminders queued."""
    tz_name = str(env.config.bot.timezone)
    offsets = [int(o // timedelta(days=1)) for o in env.config.grants.reminders]
    today = local_day(now, tz_name)
    rows: list[NewMessage] = []
    for wish in await grants.wishes_in(tx, closing_after=now):
        deadline_day = local_day(wish.call.deadline_at, tz_name)
        asked = local_day(wish.since, tz_name)
        due = [
            d
            for d in offsets
            if asked <= deadline_day - timedelta(days=d) <= today and d not in wish.sent_days
        ]
        if not due:
            continue
        left = (deadline_day - today).days
        info = await chats.recipients(tx, [wish.user_id])
        t = texts_for_chat(env, info.get(wish.user_id))
        markup = card_keyboard(wish.call, t, reminding=True)
        params: dict[str, object] = {
            "text": reminder_text(wish.call, t, left),
            "parse_mode": "HTML",
            "reply_markup": markup.to_dict(),
        }
        rows.append(NewMessage(wish.user_id, "reminder", "sendMessage", params))
        await grants.record_sent_in(tx, wish.call.id, wish.user_id, due, now)
    if rows:
        await tx.run(lambda raw: _enqueue_known(raw, rows, now))
    return len(rows)


def _enqueue_known(raw: sqlite3.Connection, rows: Sequence[NewMessage], now: int) -> int:
    # A person who never started the bot, or left, has no chat: nothing to send there.
    return sum(outbox.enqueue_known_sync(raw, row, now=now) is not None for row in rows)
