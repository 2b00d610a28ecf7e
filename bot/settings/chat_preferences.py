"""A chat's own settings: quiet hours (overriding the default) and the weekly digest.

Typed input is parsed here so every bad form gets its own, localized, answer:
`/settings quiet 22:00-07:00 | off | default` and `/settings digest <weekday> <hour> | off`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.core.config import Config
from bot.core.config_values import QuietHours, parse_quiet_hours
from bot.delivery.quiet_hours import QuietHoursPolicy
from bot.events.digest import digest_key, set_digest
from storage import chat_settings, schedule
from storage.db import Database

__all__ = [
    "DigestChoice",
    "Preferences",
    "QuietChoice",
    "change_digest",
    "change_quiet_hours",
    "parse_digest",
    "parse_quiet",
    "preferences",
    "setting_named",
]

_OFF = {"off", "pois", "ei", "ei mitään", "av", "nej", "inga", "ingen", "none", "no"}
_DEFAULT = {"default", "oletus", "standard", "standardi"}
# `/settings <word> …` in English, Finnish or Swedish. A two-word name ("hiljaiset tunnit",
# "tysta timmar") is matched before its first word alone.
_SETTING_WORDS: dict[str, str] = {
    "quiet": "quiet",
    "hiljaisuus": "quiet",
    "hiljaiset tunnit": "quiet",
    "hiljaiset": "quiet",
    "hiljainen": "quiet",
    "tystnad": "quiet",
    "tysta timmar": "quiet",
    "tysta": "quiet",
    "tyst": "quiet",
    "digest": "digest",
    "kooste": "digest",
    "viikkokooste": "digest",
    "sammandrag": "digest",
    "veckosammandrag": "digest",
}
# Weekday prefixes in Finnish, Swedish and English; index 0 = Monday.
_WEEKDAYS: tuple[tuple[str, ...], ...] = (
    ("ma", "mån", "mon"),
    ("ti", "tis", "tue"),
    ("ke", "ons", "wed"),
    ("to", "tor", "thu"),
    ("pe", "fre", "fri"),
    ("la", "lör", "sat"),
    ("su", "sön", "sun"),
)
_HOUR = re.compile(r"^(?:klo\s*)?([01]?\d|2[0-3])(?:[:.]00)?$")


@dataclass(frozen=True, slots=True)
class Preferences:
    quiet: QuietHours | None  # in force
    quiet_is_default: bool
    digest_weekday: int | None
    digest_hour: int
    next_digest: datetime | None


@dataclass(frozen=True, slots=True)
class QuietChoice:
    """`value` as stored: None = the default, "" = none, else "HH:MM-HH:MM"."""

    value: str | None


@dataclass(frozen=True, slots=True)
class DigestChoice:
    weekday: int | None  # None: no digest
    hour: int = 9


def setting_named(words: list[str]) -> tuple[str | None, list[str]]:
    """`/settings`'s arguments → ("quiet" or "digest", the rest), or (None, words) when the
    first words name no setting. Case and a trailing colon do not matter."""
    folded = [w.casefold().rstrip(":") for w in words]
    for length in (2, 1):
        name = _SETTING_WORDS.get(" ".join(folded[:length])) if len(words) >= length else None
        if name is not None:
            return name, words[length:]
    return None, words


def parse_quiet(text: str) -> QuietChoice:
    """Raise ValueError for a window that is not like 21:00-08:00 (e.g. 25:00)."""
    word = " ".join(text.casefold().split())
    if word in _OFF:
        return QuietChoice("")
    if word in _DEFAULT:
        return QuietChoice(None)
    window = parse_quiet_hours(text)
    if window is None:
        raise ValueError("empty")
    return QuietChoice(str(window))


def parse_digest(words: list[str]) -> DigestChoice:
    """`off`, or a weekday and an hour ("ma 9", "tisdag 18", "fri 7:00"); ValueError otherwise."""
    if " ".join(words).casefold() in _OFF:
        return DigestChoice(None)
    if len(words) != 2:
        raise ValueError("form")
    day = words[0].casefold().rstrip(".")
    weekday = next(
        (i for i, names in enumerate(_WEEKDAYS) if any(day.startswith(n) for n in names)), None
    )
    hour = _HOUR.match(words[1].strip())
    if weekday is None or hour is None:
        raise ValueError("form")
    return DigestChoice(weekday, int(hour.group(1)))


async def preferences(
    db: Database, config: Config, policy: QuietHoursPolicy, chat_id: int
) -> Preferences:
    stored = await chat_settings.get(db, chat_id)
    job = await schedule.get(db, digest_key(chat_id))
    next_digest = None
    if stored.digest_weekday is not None and job is not None and job.state == "pending":
        next_digest = datetime.fromtimestamp(job.due_at, config.bot.timezone)
    return Preferences(
        quiet=await policy.hours_for(chat_id),
        quiet_is_default=stored.quiet_hours is None,
        digest_weekday=stored.digest_weekday,
        digest_hour=stored.digest_hour,
        next_digest=next_digest,
    )


async def change_quiet_hours(
    db: Database, policy: QuietHoursPolicy, chat_id: int, choice: QuietChoice
) -> None:
    async with db.transaction() as tx:
        await chat_settings.set_quiet_hours(tx, chat_id, choice.value, db.now())
    policy.invalidate(chat_id)


async def change_digest(
    db: Database,
    config: Config,
    chat_id: int,
    choice: DigestChoice,
    on_change: Callable[[], None],
) -> None:
    async with db.transaction() as tx:
        await set_digest(tx, chat_id, choice.weekday, choice.hour, config.bot.timezone, db.now())
    on_change()  # the running scheduler takes the new time in
