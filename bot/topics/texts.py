"""What people read about topic suggestions: the closing date, the coordinators' list and CSV.

An anonymous suggestion shows no name anywhere (its author's id never leaves storage/topics.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot.core.i18n import N_, Texts
from bot.core.sheets import csv_bytes, header, yes_no
from bot.topics.rules import closes_at
from storage.events import Event
from storage.topics import Topic

__all__ = ["CSV_COLUMNS", "closed_text", "topics_csv", "topics_text", "until_text", "who"]

CSV_COLUMNS = (
    N_("event_id"),
    N_("association"),
    N_("anonymous"),
    N_("suggestion"),
    N_("suggested_at"),
)


MAX_LIST = 3800


def _moment(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def until_text(t: Texts, event: Event) -> str:
    return t.when(_moment(closes_at(event)))


def closed_text(t: Texts, event: Event) -> str:
    return t._("Topic suggestions closed on {when}.", when=until_text(t, event))


def who(t: Texts, topic: Topic) -> str:
    if topic.anonymous or not topic.association:
        return t._("anonymous")
    return topic.association


def topics_text(t: Texts, event: Event, found: Sequence[Topic], *, now: int) -> str:
    """The coordinator's list: who (association or anonymous) and the suggestion."""
    lines = [t._("💡 <b>Topic suggestions: {title}</b>", title=event.title)]
    if now < closes_at(event):
        lines.append(t._("Open until {when}.", when=until_text(t, event)))
    else:
        lines.append(closed_text(t, event))
    if not found:
        lines.append(t._("No suggestions yet."))
    size = sum(len(line) + 1 for line in lines)
    for number, topic in enumerate(found, start=1):
        line = t._("{number}. {who}: {text}", number=number, who=who(t, topic), text=topic.text)
        if size + len(line) > MAX_LIST:  # a message holds 4096 characters: the CSV has the rest
            lines.append(t._("… and {n} more: the CSV has them all.", n=len(found) - number + 1))
            break
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines)


def topics_csv(t: Texts, found: Sequence[Topic]) -> bytes:
    rows = [
        (
            topic.event_id,
            "" if topic.anonymous else topic.association,
            yes_no(t, topic.anonymous),
            topic.text,
            _moment(topic.created_at).astimezone(t.timezone).strftime("%Y-%m-%d %H:%M"),
        )
        for topic in found
    ]
    return csv_bytes(header(t, CSV_COLUMNS), rows)
