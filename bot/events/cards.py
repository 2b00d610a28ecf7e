"""The event card: the same text in the invitation, /event, the preview and after every RSVP
tap, with the RSVP keyboard whose buttons are signed for the chat they are sent to.

A button carries `rsvp:<event>:<action>:<sig>`, sig = `bot.core.callbacks.sign(key, event,
chat)`: a client that rewrites the event id fails the check, and nothing is stored.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from telegram import InlineKeyboardMarkup

from bot.core.callbacks import button, claim, keyboard, sign
from bot.core.config_values import Theme
from bot.core.i18n import N_, Html, Texts, escape
from bot.core.places import PlaceCatalog
from bot.events import for_whom
from bot.events import sessions as session_texts
from bot.subscriptions.rules import theme_names
from bot.topics import rules as topic_rules
from bot.topics.links import suggest_button
from storage.events import Event
from storage.rsvps import Counts, Rsvp

__all__ = [
    "AREA",
    "DEEP_LINK_PREFIX",
    "KIND_NAMES",
    "Answer",
    "card_keyboard",
    "card_text",
    "event_link",
    "listing_line",
    "location_line",
    "organiser_lines",
    "time_line",
    "your_answer",
]

AREA = claim("rsvp", __name__)
DEEP_LINK_PREFIX = "ev_"  # t.me/<bot>?start=ev_<id> opens the card (handlers/events/view.py)
KIND_NAMES: dict[str, str] = {
    "forum": N_("Association forum"),
    "association_evening": N_("Association evening"),
    "partnership_evening": N_("Partnership evening"),
    "workshop": N_("Workshop"),
    "training": N_("Training"),
    "evaluation_workshop": N_("Evaluation workshop"),
    "other": N_("Event"),
}


@dataclass(frozen=True, slots=True)
class Answer:
    """The reader's own answer, shown on cards in private chats."""

    rsvp: Rsvp
    waitlist_position: int | None = None
    session: str | None = None  # the breakout session's title


def _moment(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def time_line(event: Event, t: Texts) -> str:
    start = _moment(event.starts_at)
    if event.ends_at is None:
        return t.when(start)
    end = _moment(event.ends_at)
    if t.local(start).date() == t.local(end).date():
        return t._("{when}–{end}", when=t.when(start), end=t.clock(end))
    return t._("{when} – {end}", when=t.when(start), end=t.when(end))


def listing_line(event: Event, t: Texts) -> str:
    """One event in a list (the digest, /vuosikello): when, title and how to open it."""
    return t._(
        "• {when}: {title} (/event {id})", when=time_line(event, t), title=event.title, id=event.id
    )


def event_link(bot_username: str, event_id: int) -> str:
    """The link that opens an event's card in a private chat with the bot."""
    return f"https://t.me/{bot_username}?start={DEEP_LINK_PREFIX}{event_id}"


def location_line(event: Event) -> str:
    """Place and online link as one plain line (calendar LOCATION)."""
    return " · ".join(part for part in (event.place, event.online_url) if part)


def organiser_lines(organisers: Sequence[str], t: Texts) -> list[str]:
    """The co-organising associations (storage/organisers.py), when there are any."""
    if not organisers:
        return []
    return [t._("🤝 In cooperation with: {names}", names=", ".join(organisers))]


def card_text(
    event: Event,
    t: Texts,
    catalog: PlaceCatalog,
    themes: tuple[Theme, ...],
    *,
    counts: Counts | None = None,
    answer: Answer | None = None,
    now: int | None = None,
    organisers: Sequence[str] = (),
) -> str:
    lines = list(_head(event, t, catalog, themes))
    lines.extend(organiser_lines(organisers, t))
    if event.capacity is not None:
        taken = counts.yes_people if counts else 0
        lines.append(t._("👥 Places: {taken}/{capacity}", taken=taken, capacity=event.capacity))
    if (sessions_line := session_texts.card_line(counts, t)) is not None:
        lines.append(sessions_line)
    if event.rsvp_deadline is not None:
        lines.append(t._("⏳ Answer by {when}", when=t.when(_moment(event.rsvp_deadline))))
    if counts is not None and counts.answered:
        parts = [
            t.n_("✅ {n} coming", "✅ {n} coming", counts.yes),
            t.n_("❔ {n} maybe", "❔ {n} maybe", counts.maybe),
            t.n_("❌ {n} can't", "❌ {n} can't", counts.no),
        ]
        if counts.waitlist:
            parts.append(t.n_("⏳ {n} waiting", "⏳ {n} waiting", counts.waitlist))
        lines.append(" · ".join(parts))
        if counts.yes_people != counts.yes:
            lines.append(t.n_("{n} person in all", "{n} people in all", counts.yes_people))
    if answer is not None:
        lines.append(your_answer(answer, t))
    if event.state == "published" and now is not None and not event.answers_open(now):
        lines.append(t._("🔒 Answers are closed."))
    return "\n".join(lines).rstrip()


# A card is rendered again after every tap, but what the event is (its head) and its keyboard
# change only with the event (a changed event is another key), so both are kept for the events
# and chats tapped lately: under a burst of taps they were a tenth of the bot's work per tap.
@functools.lru_cache(maxsize=256)
def _head(
    event: Event, t: Texts, catalog: PlaceCatalog, themes: tuple[Theme, ...]
) -> tuple[str, ...]:
    kind = t._(KIND_NAMES.get(event.kind, KIND_NAMES["other"]))
    lines = []
    if event.state == "cancelled":
        lines.append(t._("❌ <b>CANCELLED</b>"))
    lines.append(t._("📅 <b>{title}</b>", title=event.title))
    lines.append(t._("🏷 {kind}", kind=kind))
    lines.append(t._("🕒 {when}", when=time_line(event, t)))
    if event.series_id is not None:
        lines.append(t._("🔁 Repeating event — all dates: /vuosikello"))
    if event.place:
        lines.append(t._("📍 {place}", place=event.place))
    if event.online_url:
        lines.append(t._("💻 Online: {url}", url=event.online_url))
    places = sorted(
        m.name(t.language)
        for code in event.municipalities
        if (m := catalog.municipality(code)) is not None
    )
    lines.append(
        t._(
            "🏘 {places} · {themes}",
            places=", ".join(places),
            themes=", ".join(theme_names(event.themes, themes, t)),
        )
    )
    lines.extend(for_whom.card_lines(event, t))
    if event.description:
        lines.append("")
        lines.append(escape(event.description))
    lines.append("")
    return tuple(lines)


def your_answer(answer: Answer, t: Texts) -> str:
    rsvp = answer.rsvp
    if rsvp.status == "yes":
        status = t._("✅ coming")
    elif rsvp.status == "maybe":
        status = t._("❔ maybe")
    elif rsvp.status == "no":
        status = t._("❌ can't come")
    else:
        position = answer.waitlist_position or 1
        status = t._("⏳ on the waiting list, number {position}", position=position)
    text = t._("Your answer: {status}", status=Html(status))
    if rsvp.status != "no" and rsvp.headcount > 1:
        text += t.n_(", {n} person", ", {n} people", rsvp.headcount)
    if rsvp.association:
        text += t._(", for {association}", association=rsvp.association)
    if answer.session:
        text += t._(", session {session}", session=answer.session)
    return text


def card_keyboard(
    event: Event, t: Texts, key: bytes, chat_id: int, *, association: bool, now: int
) -> InlineKeyboardMarkup | None:
    if event.state != "published":
        return None
    topics = topic_rules.is_open(event, now)
    return _keyboard(event.id, t, key, chat_id, association, event.answers_open(now), topics)


@functools.lru_cache(maxsize=1024)
def _keyboard(
    event_id: int,
    t: Texts,
    key: bytes,
    chat_id: int,
    association: bool,
    answers_open: bool,
    topics: bool = False,
) -> InlineKeyboardMarkup:
    sig = sign(key, event_id, chat_id)
    calendar = [button(t._("📅 Add to calendar"), AREA, event_id, "i", sig)]
    # Topic suggestions (bot/topics) until their date: a row of its own above the calendar.
    suggest = [suggest_button(t, event_id, sig)] if topics else []
    if not answers_open:
        closed = [button(t._("🔒 Answers closed"), AREA, event_id, "c", sig)]
        return keyboard([closed, suggest, calendar])
    rows = [
        [
            button(t._("✅ Coming"), AREA, event_id, "y", sig),
            button(t._("❔ Maybe"), AREA, event_id, "m", sig),
            button(t._("❌ Can't"), AREA, event_id, "n", sig),
        ],
        [
            button(t._("➕1 person"), AREA, event_id, "p", sig),
            button(t._("➖1 person"), AREA, event_id, "q", sig),
        ],
    ]
    if association:
        rows.append([button(t._("🏠 For our association"), AREA, event_id, "a", sig)])
    rows.append(suggest)
    rows.append(calendar)
    return keyboard(rows)
