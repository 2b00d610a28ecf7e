"""Value types of the configuration and their parsers: themes, durations, quiet hours.

Kept apart from bot.core.config (which reads and validates the file) so features can use them
without the loader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time, timedelta

__all__ = [
    "DEFAULT_QUIET_HOURS",
    "DEFAULT_THEMES",
    "QuietHours",
    "Theme",
    "parse_duration",
    "parse_quiet_hours",
]


@dataclass(frozen=True, slots=True)
class Theme:
    id: str
    fi: str
    sv: str
    en: str

    def name(self, language: str) -> str:
        return {"fi": self.fi, "sv": self.sv}.get(language, self.en)


DEFAULT_THEMES: tuple[Theme, ...] = (
    Theme("health", "Terveys", "Hälsa", "Health"),
    Theme("volunteering", "Vapaaehtoistoiminta", "Frivilligverksamhet", "Volunteering"),
    Theme("multiculturalism", "Monikulttuurisuus", "Mångkulturalism", "Multiculturalism"),
    Theme("village", "Kylätoiminta", "Byaverksamhet", "Village activity"),
    Theme("families", "Lapset ja perheet", "Barn och familjer", "Children & families"),
    Theme("youth", "Nuoret", "Unga", "Youth"),
    Theme("older_people", "Ikäihmiset", "Äldre", "Older people"),
    Theme("disability", "Vammaisuus", "Funktionsnedsättning", "Disability"),
    Theme(
        "mental_health",
        "Mielenterveys- ja päihdetyö",
        "Mental hälsa och missbruksarbete",
        "Mental health & substance work",
    ),
    Theme("culture", "Kulttuuri", "Kultur", "Culture"),
    Theme("sports", "Liikunta ja ulkoilu", "Idrott och friluftsliv", "Sports & outdoors"),
    Theme("environment", "Ympäristö", "Miljö", "Environment"),
    Theme("hyte", "Hyvinvoinnin edistäminen (HYTE)", "Främjande av välfärd", "Wellbeing promotion"),
)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily window in local time; `start > end` wraps past midnight (21:00-08:00)."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


_DURATION = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
_CLOCK = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


def parse_duration(text: str) -> timedelta:
    """Parse "7d", "2h" or "30m"; raise ValueError with the accepted form otherwise."""
    match = _DURATION.match(text)
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not a duration like 7d, 2h or 30m")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def parse_quiet_hours(text: str) -> QuietHours | None:
    """Parse "21:00-08:00"; an empty string turns quiet hours off."""
    if not text.strip():
        return None
    parts = [p.strip() for p in text.split("-")]
    if len(parts) != 2:
        raise ValueError(f"{text!r} is not a window like 21:00-08:00")
    bounds: list[time] = []
    for part in parts:
        match = _CLOCK.match(part)
        if not match:
            raise ValueError(f"{part!r} is not a time of day between 00:00 and 23:59")
        bounds.append(time(int(match.group(1)), int(match.group(2))))
    if bounds[0] == bounds[1]:
        raise ValueError(f"{text!r} starts and ends at the same time")
    return QuietHours(bounds[0], bounds[1])


# Evenings and nights are for the volunteers themselves.
DEFAULT_QUIET_HOURS = QuietHours(time(21, 0), time(8, 0))
