""" "Which topics interest you?": an event's suggestions as one multiple-choice question, sent to
the people who answered the event through the poll machinery (bot/polls/sending.py `send`, the
same call /poll makes with the audience "event N").

Telegram's native polls take 2–10 options of at most 100 characters: repeated suggestions
(ignoring case and spacing) become one option, longer ones are cut with "…", and only the first
ten (the oldest) are asked; the preview says what was left out or cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.audience.recipients import AudienceSpec, count
from bot.core.i18n import Texts
from bot.environment import Environment
from bot.polls import sending
from bot.polls.rules import MAX_OPTION, MAX_OPTIONS, MAX_QUESTION, MIN_OPTIONS
from storage.events import Event
from storage.polls import NewPoll, NewQuestion
from storage.topics import Topic

__all__ = ["MIN_AHEAD", "Options", "audience_size", "options", "question", "send"]

MIN_AHEAD = 86400  # a poll about an event that starts within a day still runs a day


@dataclass(frozen=True, slots=True)
class Options:
    options: tuple[str, ...]
    left_out: int  # suggestions beyond the ten asked
    cut: int  # options shortened to fit
    merged: int  # repeated suggestions asked once

    @property
    def enough(self) -> bool:
        return len(self.options) >= MIN_OPTIONS


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str) -> str:
    """One line of at most MAX_OPTION characters as Telegram counts them (UTF-16 units)."""
    line = " ".join(text.split())
    if _utf16(line) <= MAX_OPTION:
        return line
    while _utf16(line) > MAX_OPTION - 1:
        line = line[:-1]
    return line.rstrip() + "…"


def options(found: Sequence[Topic]) -> Options:
    chosen: list[str] = []
    seen: set[str] = set()
    merged = 0
    for topic in found:
        folded = " ".join(topic.text.casefold().split())
        if folded in seen:
            merged += 1
            continue
        seen.add(folded)
        chosen.append(topic.text)
    asked = chosen[:MAX_OPTIONS]
    fitted = tuple(_fit(text) for text in asked)
    cut = sum(1 for text in asked if _utf16(" ".join(text.split())) > MAX_OPTION)
    return Options(fitted, len(chosen) - len(asked), cut, merged)


def question(t: Texts, event: Event) -> str:
    title = event.title
    while True:
        text = t._("Which topics interest you for {title}?", title=title)
        if _utf16(text) <= MAX_QUESTION:
            return text
        title = title[: len(title) - 10].rstrip() + "…"


def _spec(event: Event) -> AudienceSpec:
    return AudienceSpec(event_id=event.id)


async def audience_size(env: Environment, event: Event) -> int:
    return await count(env.db, env.catalog, _spec(event))


async def send(
    env: Environment, t: Texts, event: Event, chosen: Options, created_by: int, bot_username: str
) -> tuple[int, int]:
    """(poll id, chats asked). The poll closes when the event starts (at least a day on)."""
    closes = max(event.starts_at, env.db.now() + MIN_AHEAD)
    poll = NewPoll(
        questions=(NewQuestion("multiple", question(t, event), chosen.options),),
        anonymous=True,
        group_mode="association",
        closes_at=closes,
    )
    plan = sending.Plan(poll, _spec(event))
    return await sending.send(env, plan, created_by, bot_username=bot_username)
