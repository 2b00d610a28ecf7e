"""Breakout sessions: what a coordinator may set (2–6 sessions, a plain title of at most 80
characters each, places no more than the event's), the card's line of places per session and
the picker a "✅ Coming" opens.

The picker's buttons carry `ses:<event>:<session>:<sig>`, sig = `sign(key, event, chat)` like
the card's RSVP buttons: a rewritten event fails the signature, and a session that is not (or
no longer) the event's is refused by the tap's own transaction (bot/events/rsvp.py).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from telegram import InlineKeyboardMarkup

from bot.core.callbacks import button, claim, keyboard, sign
from bot.core.i18n import Html, Texts
from bot.directory.fields import Refused, check_markup
from bot.environment import Environment
from storage import sessions
from storage.events import Event
from storage.rsvps import Counts
from storage.sessions import SessionCount, SessionSpec

__all__ = [
    "MAX_SESSIONS",
    "MAX_TITLE",
    "MIN_SESSIONS",
    "PICK_AREA",
    "Refused",
    "capacity_refusal",
    "card_line",
    "parse",
    "picker",
    "save",
    "title_of",
]

PICK_AREA = claim("ses", __name__)
MIN_SESSIONS = 2
MAX_SESSIONS = 6
MAX_TITLE = 80
# The message that removes every session.
NONE = "-"


def parse(text: str, event: Event, t: Texts) -> list[SessionSpec]:
    """One session a line, "Title; 20" or "Title"; [] for "-" (no sessions). Raises Refused
    with the reason in the reader's language."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines == [NONE]:
        return []
    if not MIN_SESSIONS <= len(lines) <= MAX_SESSIONS:
        raise Refused(
            t._(
                "An event has {low}–{high} sessions, one a line; you sent {n}.",
                low=MIN_SESSIONS,
                high=MAX_SESSIONS,
                n=len(lines),
            )
        )
    specs = [_spec(line, event, t) for line in lines]
    titles = [" ".join(s.title.split()).casefold() for s in specs]
    if len(set(titles)) != len(titles):
        raise Refused(t._("Two sessions have the same title: give each its own."))
    return specs


def _spec(line: str, event: Event, t: Texts) -> SessionSpec:
    title, _, places = line.rpartition(";") if ";" in line else (line, "", "")
    title = " ".join(title.split())
    places = places.strip()
    check_markup(title, t)
    if not title or len(title) > MAX_TITLE:
        raise Refused(
            t._("A session's title is 1–{limit} characters: {title}", limit=MAX_TITLE, title=title)
        )
    if not places:
        return SessionSpec(title)
    if not places.isdigit() or len(places) > 6 or int(places) < 1:
        raise Refused(t._("The places of {title} should be a whole number, like 20.", title=title))
    capacity = int(places)
    if event.capacity is not None and capacity > event.capacity:
        raise Refused(
            t._(
                "{title} has {n} places, more than the whole event ({capacity}).",
                title=title,
                n=capacity,
                capacity=event.capacity,
            )
        )
    return SessionSpec(title, capacity)


async def capacity_refusal(
    env: Environment, event_id: int, capacity: int | None, t: Texts
) -> str | None:
    """Why an edit may not set the event's places to `capacity` (None: it may): a session may
    not offer more places than the whole event, whichever way round they are set."""
    if capacity is None:
        return None
    over = [s for s in await sessions.for_event(env.db, event_id) if (s.capacity or 0) > capacity]
    if not over:
        return None
    return t._(
        "The event cannot have fewer places ({capacity}) than its session {title} ({n}). "
        "Give the event more places, or lower the session's places first (🧩 Sessions in "
        "the event's view).",
        capacity=capacity,
        title=over[0].title,
        n=over[0].capacity,
    )


async def save(env: Environment, event: Event, specs: Sequence[SessionSpec]) -> list[str]:
    """Store the sessions; the titles of removed sessions someone has chosen when refused."""
    return await sessions.replace(env.db, event.id, specs)


def _places(session: SessionCount, t: Texts) -> str:
    if session.capacity is None:
        return t._("{title}: {taken}", title=session.title, taken=session.taken)
    return t._(
        "{title}: {taken}/{capacity}",
        title=session.title,
        taken=session.taken,
        capacity=session.capacity,
    )


def card_line(counts: Counts | None, t: Texts) -> str | None:
    """ "🧩 Työpaja 1: 12/20 · Työpaja 2: 8/20": the people coming to each session."""
    if counts is None or not counts.sessions:
        return None
    return t._("🧩 {sessions}", sessions=Html(" · ".join(_places(s, t) for s in counts.sessions)))


def title_of(counts: Counts | None, session_id: int | None) -> str | None:
    """A session's title from the counts a card already has (no read)."""
    if counts is None or session_id is None:
        return None
    return next((s.title for s in counts.sessions if s.id == session_id), None)


def picker(
    event: Event,
    offered: Sequence[SessionCount],
    t: Texts,
    key: bytes,
    chat_id: int,
    chosen: int | None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The question after "✅ Coming": one button a session, with its places left (a full one
    puts the person on its waiting list), the one already chosen marked."""
    sig = sign(key, event.id, chat_id)
    rows = []
    for session in offered:
        if session.capacity is None:
            label = session.title
        elif session.taken < session.capacity:
            label = t._(
                "{title} ({n} left)", title=session.title, n=session.capacity - session.taken
            )
        else:
            label = t._("{title} (full: waiting list)", title=session.title)
        if session.id == chosen:
            label = "✔ " + label
        # A button's label is plain text: the placeholders' HTML escaping is undone.
        rows.append([button(html.unescape(label)[:60], PICK_AREA, event.id, session.id, sig)])
    text = t._("🧩 Which session of <b>{title}</b> are you coming to?", title=event.title)
    return text, keyboard(rows)
