"""Events as a service: publish (the event and one invitation row per recipient in one
transaction), edit (update notices with a fresh .ics), cancel (cancellation notices), and who
may manage an event.

Used by the chat handlers and by `python -m bot events import --publish`, so an imported event
goes out exactly as one made with /newevent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.announcements.service import in_scope
from bot.audience.recipients import AudienceSpec, count, resolve
from bot.core.i18n import Texts, pick_language
from bot.environment import Environment
from bot.events import for_whom
from bot.events import schedule as event_schedule
from bot.events.calendar import event_ics, ics_filename
from bot.events.cards import card_keyboard, card_text, location_line, time_line
from bot.events.fields import EventFields
from bot.roles.access import is_admin
from storage import broadcasts, chats, events, organisers, outbox, roles, rsvps, schedule
from storage.chats import Recipient
from storage.db import Writer
from storage.events import Event, NewEvent
from storage.outbox import Kind as MessageKind
from storage.outbox import NewFile, NewMessage

__all__ = [
    "EditOutcome",
    "audience_size",
    "cancel",
    "card_message",
    "edit",
    "fields_of",
    "may_create_in",
    "may_manage",
    "preview",
    "publish",
    "publish_in",
    "queue_invitations",
    "texts_for_chat",
]


def _spec(fields: EventFields) -> AudienceSpec:
    return AudienceSpec(
        municipalities=frozenset(fields.municipalities), themes=frozenset(fields.themes)
    )


def _new(fields: EventFields, timezone: str) -> NewEvent:
    return NewEvent(
        kind=fields.kind,
        title=fields.title,
        description=fields.description,
        starts_at=int(fields.starts_at.timestamp()),
        ends_at=int(fields.ends_at.timestamp()) if fields.ends_at else None,
        timezone=timezone,
        place=fields.place,
        online_url=fields.online_url,
        capacity=fields.capacity,
        rsvp_deadline=int(fields.rsvp_deadline.timestamp()) if fields.rsvp_deadline else None,
        reminders=fields.reminders,
        municipalities=tuple(sorted(set(fields.municipalities))),
        themes=tuple(sorted(set(fields.themes))),
        for_whom=fields.for_whom,
        programme=fields.programme,
    )


def fields_of(event: Event) -> EventFields:
    """The editable fields of a stored event (to start an edit from)."""

    def moment(ts: int | None) -> datetime | None:
        return None if ts is None else datetime.fromtimestamp(ts, UTC)

    start = moment(event.starts_at)
    assert start is not None
    return EventFields(
        kind=event.kind,  # type: ignore[arg-type]
        title=event.title,
        starts_at=start,
        ends_at=moment(event.ends_at),
        place=event.place,
        online_url=event.online_url,
        municipalities=event.municipalities,
        themes=event.themes,
        description=event.description,
        capacity=event.capacity,
        rsvp_deadline=moment(event.rsvp_deadline),
        reminders=event.reminders,
        for_whom=event.for_whom,
        programme=event.programme,
    )


def _timezone(env: Environment) -> str:
    return str(env.config.bot.timezone)


def preview(env: Environment, fields: EventFields, created_by: int | None) -> Event:
    """An unsaved event, rendered exactly as recipients will see the invitation."""
    new = _new(fields, _timezone(env))
    now = env.db.now()
    return Event(
        id=0,
        uid="",
        state="published",
        sequence=0,
        created_by=created_by,
        broadcast_id=None,
        created_at=now,
        updated_at=now,
        published_at=None,
        cancelled_at=None,
        kind=new.kind,
        title=new.title,
        description=new.description,
        starts_at=new.starts_at,
        ends_at=new.ends_at,
        timezone=new.timezone,
        place=new.place,
        online_url=new.online_url,
        capacity=new.capacity,
        rsvp_deadline=new.rsvp_deadline,
        reminders=new.reminders,
        municipalities=new.municipalities,
        themes=new.themes,
        for_whom=new.for_whom,
        programme=new.programme,
    )


async def audience_size(env: Environment, fields: EventFields) -> int:
    return await count(env.db, env.catalog, _spec(fields))


def texts_for_chat(env: Environment, recipient: Recipient | None) -> Texts:
    language = pick_language(
        recipient.language if recipient else None,
        recipient.client_language if recipient else None,
        env.config.bot.default_language,
    )
    return env.translator.texts(language)


async def publish(env: Environment, fields: EventFields, created_by: int | None) -> tuple[int, int]:
    """Create and publish; returns (event id, invitations queued)."""
    async with env.db.transaction() as tx:
        result = await publish_in(env, tx, fields, created_by, now=env.db.now())
    env.changed()
    return result


async def publish_in(
    env: Environment,
    tx: Writer,
    fields: EventFields,
    created_by: int | None,
    *,
    now: int,
    series_id: int | None = None,
    invite_now: bool = True,
    co_listings: Sequence[int] = (),
) -> tuple[int, int]:
    """Create and publish inside the caller's transaction, with its scheduled jobs.

    With `invite_now` False (the later dates of a series) the invitations wait until
    `SERIES_INVITE_AHEAD` before the start; (event id, invitations queued now).
    `co_listings`: co-organising associations, named before the invitations are written.
    """
    new = replace(_new(fields, _timezone(env)), series_id=series_id)
    event_id = await events.create(tx, new, created_by=created_by, now=now)
    await events.mark_published(tx, event_id, None, now)
    for listing_id in co_listings:
        await organisers.add_in(tx, event_id, listing_id=listing_id)
    event = await events.get(tx, event_id)
    assert event is not None
    queued = 0
    if invite_now:
        event, queued = await queue_invitations(env, tx, event, now=now)
    return event_id, queued + await _replan(env, tx, event, now)


def card_message(
    env: Environment,
    event: Event,
    t: Texts,
    recipient: Recipient | None,
    chat_id: int,
    text: str,
    *,
    now: int,
    kind: MessageKind = "invitation",
) -> NewMessage:
    """An outbox message with a card text and the RSVP buttons signed for this chat."""
    markup = card_keyboard(
        event,
        t,
        env.key,
        chat_id,
        association=bool(recipient and recipient.association),
        now=now,
    )
    params: dict[str, object] = {"text": text, "parse_mode": "HTML"}
    if markup is not None:
        params["reply_markup"] = markup.to_dict()
    return NewMessage(chat_id, kind, "sendMessage", params)


async def queue_invitations(
    env: Environment, tx: Writer, event: Event, *, now: int
) -> tuple[Event, int]:
    """One invitation row per chat in the event's audience, in each chat's language; the event
    as it now is (with its invitations' broadcast) and how many were queued."""
    spec = AudienceSpec(
        municipalities=frozenset(event.municipalities), themes=frozenset(event.themes)
    )
    recipients = await resolve(tx, env.catalog, spec)
    info = await chats.recipients(tx, recipients)
    broadcast_id = await broadcasts.create_broadcast(
        tx,
        kind="invitation",
        created_by=event.created_by,
        report_chat_id=None,
        summary=event.title,
        audience=f"event:{event.id}",
        scheduled_at=float(now),
        now=now,
    )
    await events.set_invitations(tx, event.id, broadcast_id, now)
    rows = []
    texts: dict[str, str] = {}
    names = await tx.run(lambda raw: organisers.names_sync(raw, event.id))
    for chat_id in recipients:
        recipient = info.get(chat_id)
        t = texts_for_chat(env, recipient)
        if t.language not in texts:
            texts[t.language] = card_text(event, t, env.catalog, env.themes, organisers=names)
        rows.append(card_message(env, event, t, recipient, chat_id, texts[t.language], now=now))
    await outbox.enqueue(tx, rows, now=now, broadcast_id=broadcast_id)
    return replace(event, broadcast_id=broadcast_id), len(recipients)


def _moved_far(before: Event, after: Event, tz_name: str) -> bool:
    """A different day or a start more than two hours away: everyone invited must hear it."""
    tz = ZoneInfo(tz_name)
    old = datetime.fromtimestamp(before.starts_at, tz)
    new = datetime.fromtimestamp(after.starts_at, tz)
    return old.date() != new.date() or abs(after.starts_at - before.starts_at) > 2 * 3600


@dataclass(frozen=True, slots=True)
class EditOutcome:
    notified: int
    everyone: bool  # the invited were told too (a big change)


async def _notices(
    env: Environment,
    tx: Writer,
    event: Event,
    chat_ids: list[int],
    *,
    cancelled: bool,
    now: int,
) -> int:
    if not chat_ids:
        return 0
    # One file for every chat: whom it is for and the programme in the bot's default language.
    about = for_whom.ics_text(event, env.translator.texts(env.config.bot.default_language))
    data = event_ics(event, location=location_line(event), about=about)
    file_id = await outbox.add_file(tx, NewFile(ics_filename(event), "text/calendar", data))
    info = await chats.recipients(tx, chat_ids)
    rows = []
    for chat_id in chat_ids:
        t = texts_for_chat(env, info.get(chat_id))
        if cancelled:
            caption = t._(
                "❌ <b>Cancelled:</b> {title}, {when}.\nThe calendar file below removes it from "
                "your calendar.",
                title=event.title,
                when=time_line(event, t),
            )
        else:
            caption = t._(
                "✏️ <b>Changed:</b> {title}\n🕒 {when}\n📍 {place}\nThe calendar file below "
                "replaces the earlier one.",
                title=event.title,
                when=time_line(event, t),
                place=location_line(event) or "–",
            )
        rows.append(
            NewMessage(
                chat_id,
                "reminder" if cancelled else "invitation",
                "sendDocument",
                {"caption": caption, "parse_mode": "HTML"},
                file_id=file_id,
                file_param="document",
                urgent=cancelled,
            )
        )
    return await outbox.enqueue(tx, rows, now=now)


async def edit(env: Environment, event: Event, fields: EventFields) -> EditOutcome:
    """Store the new fields; a change of time or place is announced to those coming (and, for
    a big move, to everyone invited) with a fresh .ics (same UID, SEQUENCE + 1); its reminders
    and feedback move with it."""
    async with env.db.transaction() as tx:
        outcome = await _edit_in(env, tx, event, fields, env.db.now())
    env.changed()
    return outcome


async def _edit_in(
    env: Environment, tx: Writer, event: Event, fields: EventFields, now: int
) -> EditOutcome:
    if not await events.update(tx, event.id, _new(fields, event.timezone), now):
        return EditOutcome(0, False)
    after = await events.get(tx, event.id)
    assert after is not None
    await _replan(env, tx, after, now)
    time_changed = (after.starts_at, after.ends_at) != (event.starts_at, event.ends_at)
    place_changed = (after.place, after.online_url) != (event.place, event.online_url)
    if not (time_changed or place_changed) or after.state != "published":
        return EditOutcome(0, False)
    targets = set(await rsvps.notify_chats(tx, event.id, ("yes", "maybe", "waitlist")))
    everyone = time_changed and _moved_far(event, after, event.timezone)
    if everyone and after.broadcast_id is not None:
        declined = set(await rsvps.notify_chats(tx, event.id, ("no",)))
        targets |= set(await broadcasts.reached_chats(tx, after.broadcast_id)) - declined
    notified = await _notices(env, tx, after, sorted(targets), cancelled=False, now=now)
    return EditOutcome(notified, everyone)


async def _replan(env: Environment, tx: Writer, event: Event, now: int) -> int:
    """Plan the event's jobs for its current times; a later date of a series whose invitation
    time has passed (it was published or moved that close) is invited now. Returns the
    invitations queued."""
    queued = 0
    if (
        event.state == "published"
        and event.broadcast_id is None
        and not event_schedule.invitation_waits(event, now)
    ):
        event, queued = await queue_invitations(env, tx, event, now=now)
    await schedule.replan_event(tx, event.id, event_schedule.plan(event, env.config, now), now)
    return queued


async def cancel(env: Environment, event: Event) -> int:
    """Cancel; invitations not yet sent are dropped, everyone reached hears it (urgent: quiet
    hours do not hold a cancellation back); its reminders and feedback are removed."""
    async with env.db.transaction() as tx:
        notified = await _cancel_in(env, tx, event, env.db.now())
    env.changed()
    return notified


async def _cancel_in(env: Environment, tx: Writer, event: Event, now: int) -> int:
    if not await events.cancel(tx, event.id, now):
        return 0
    await schedule.cancel_for_event(tx, event.id, now)
    after = await events.get(tx, event.id)
    assert after is not None
    targets = set(await rsvps.notify_chats(tx, event.id, ("yes", "maybe", "waitlist")))
    if after.broadcast_id is not None:
        await broadcasts.cancel_broadcast_in(tx, after.broadcast_id, now)
        declined = set(await rsvps.notify_chats(tx, event.id, ("no",)))
        targets |= set(await broadcasts.reached_chats(tx, after.broadcast_id)) - declined
    return await _notices(env, tx, after, sorted(targets), cancelled=True, now=now)


async def may_create_in(env: Environment, user_id: int, municipalities: tuple[str, ...]) -> bool:
    """Admins anywhere; a coordinator only within their scope, checked at the time of asking."""
    granted = await roles.active_roles(env.db, user_id)
    if is_admin(env.config, user_id, granted):
        return True
    spec = AudienceSpec(municipalities=frozenset(municipalities))
    return bool(granted) and in_scope(granted, spec, env.catalog)


async def may_manage(env: Environment, user_id: int, event: Event) -> bool:
    """The event's coordinators: admins, and its creator while their scope still covers it."""
    granted = await roles.active_roles(env.db, user_id)
    if is_admin(env.config, user_id, granted):
        return True
    spec = AudienceSpec(municipalities=frozenset(event.municipalities))
    return event.created_by == user_id and in_scope(granted, spec, env.catalog)
