"""An event's card as one reader sees it — after an RSVP tap, in /event and in reminders: the
counts, the reader's own answer in a private chat, and the buttons for their chat.

What the cards of a batch of readers show is read in one storage trip (`read`), then each card
is rendered without further reads (`render`): a reminder to hundreds of chats is built inside
the scheduler's write transaction, which every other writer waits for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from telegram import InlineKeyboardMarkup

from bot.core.i18n import Texts
from bot.environment import Environment
from bot.events.cards import Answer, card_keyboard, card_text
from bot.events.sessions import title_of
from storage import rsvps
from storage.db import Database, Writer
from storage.events import Event
from storage.rsvps import CardReads, Counts

__all__ = ["Reader", "ReaderCard", "read", "render", "render_read"]


@dataclass(frozen=True, slots=True)
class Reader:
    """One chat a card goes to. In a private chat its id is the person's id, and the card shows
    their own answer; in a group nobody's own answer is shown."""

    chat_id: int
    private: bool


@dataclass(frozen=True, slots=True)
class ReaderCard:
    text: str
    markup: InlineKeyboardMarkup | None


async def read(db: Database | Writer, event_id: int, readers: Sequence[Reader]) -> CardReads:
    """Everything the cards of `readers` show, in one trip."""
    people = [reader.chat_id for reader in readers if reader.private]
    return await rsvps.card_reads(db, event_id, [r.chat_id for r in readers], people)


def render_read(
    env: Environment, event: Event, t: Texts, reader: Reader, reads: CardReads, *, now: int
) -> ReaderCard:
    """One reader's card from a batch read."""
    mine = reads.answers.get(reader.chat_id) if reader.private else None
    recipient = reads.recipients.get(reader.chat_id)
    return render(
        env,
        event,
        t,
        reader,
        counts=reads.counts,
        answer=Answer(*mine) if mine is not None else None,
        association=recipient is not None and recipient.association,
        now=now,
        organisers=reads.organisers,
    )


def render(
    env: Environment,
    event: Event,
    t: Texts,
    reader: Reader,
    *,
    counts: Counts,
    answer: Answer | None,
    association: bool,
    now: int,
    organisers: Sequence[str] = (),
) -> ReaderCard:
    """One reader's card from what is already known (a tap's own outcome needs no read). The
    "for our association" button only in an association's group: a tap on it in a private
    chat has no association to answer for. The sessions' places come with the counts."""
    if answer is not None and answer.rsvp.session_id is not None:
        answer = replace(answer, session=title_of(counts, answer.rsvp.session_id))
    text = card_text(
        event,
        t,
        env.catalog,
        env.themes,
        counts=counts,
        answer=answer if reader.private else None,
        now=now,
        organisers=organisers,
    )
    markup = card_keyboard(
        event, t, env.key, reader.chat_id, association=association and not reader.private, now=now
    )
    return ReaderCard(text, markup)
