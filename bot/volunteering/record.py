"""/myvolunteering: a person's volunteer shifts in a calendar year (the bot's time zone) — the
upcoming ones they hold or wait for, the attended ones with their hours — and the total.

Attended is the shared rule (storage/volunteer_record.py `RecordRow.attended`): a held place
that was checked in. Its hours are what the organisers recorded; the certificate
(bot/volunteering/certificate.py) is drawn from the same `Record`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from babel.dates import format_date

from bot.core.i18n import Texts
from bot.ops.figures import current_year, year_bounds
from storage import volunteer_record
from storage.db import Database
from storage.volunteer_record import RecordRow

__all__ = [
    "Record",
    "build",
    "current_year",
    "hours_text",
    "record_text",
    "row_hours",
    "shift_times",
]


def row_hours(row: RecordRow) -> float:
    """The credited hours of an attended shift. Check-in always sets them; a row from before
    that rule (NULL) counts the shift's length, which is what check-in would have set."""
    if row.hours is not None:
        return row.hours
    return (row.ends_at - row.starts_at) / 3600


@dataclass(frozen=True, slots=True)
class Record:
    year: int
    upcoming: tuple[RecordRow, ...]  # held or waiting, not over yet, of a call still on
    attended: tuple[RecordRow, ...]

    @property
    def empty(self) -> bool:
        return not self.upcoming and not self.attended

    @property
    def total_hours(self) -> float:
        return math.fsum(row_hours(row) for row in self.attended)

    @property
    def organisers(self) -> tuple[str | None, ...]:
        """The attended shifts' organisers, each once, in the order first met."""
        return tuple(dict.fromkeys(row.organiser for row in self.attended))


async def build(db: Database, tz: tzinfo, user_id: int, year: int) -> Record:
    """`year`'s record of the person, as of the database's clock."""
    since, until = year_bounds(year, tz)
    rows = await volunteer_record.signups(db, user_id, since, until)
    now = db.now()
    attended = tuple(row for row in rows if row.attended)
    upcoming = tuple(
        row
        for row in rows
        if not row.attended and row.ends_at > now and row.call_state == "published"
    )
    return Record(year, upcoming, attended)


def _moment(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def shift_times(t: Texts, row: RecordRow) -> str:
    """ "10.00–12.00" in the reader's time zone (with the end's date when it is another day)."""
    start, end = t.local(_moment(row.starts_at)), t.local(_moment(row.ends_at))
    if start.date() == end.date():
        return f"{t.clock(start)}–{t.clock(end)}"
    return f"{t.clock(start)} – {format_date(end, 'd.M.', locale=t.language)} {t.clock(end)}"


def _day(t: Texts, row: RecordRow) -> str:
    return format_date(t.local(_moment(row.starts_at)), "EEE d.M.", locale=t.language)


def hours_text(t: Texts, hours: float) -> str:
    """Hours as the reader writes them: "2", "1,5" (two decimals at most)."""
    return t._("{hours} h", hours=t.number(round(hours, 2)))


def _organiser(t: Texts, row: RecordRow) -> str:
    return row.organiser or t._("the network")


def _upcoming_line(t: Texts, row: RecordRow) -> str:
    line = t._(
        "• {day} {times} · {title} ({organiser})",
        day=_day(t, row),
        times=shift_times(t, row),
        title=row.call_title,
        organiser=_organiser(t, row),
    )
    if row.status == "waitlist":
        line += " " + t._("⏳ on the waiting list")
    return line


def _attended_line(t: Texts, row: RecordRow) -> str:
    return t._(
        "• {day} {times} · {title} ({organiser}) · {hours}",
        day=_day(t, row),
        times=shift_times(t, row),
        title=row.call_title,
        organiser=_organiser(t, row),
        hours=hours_text(t, row_hours(row)),
    )


def record_text(t: Texts, record: Record) -> str:
    """The /myvolunteering message (HTML)."""
    if record.empty:
        return t._(
            "You have no volunteer shifts in {year} yet. Send /volunteer to tell me where and "
            "in what you could help: calls for volunteers then come to you here.",
            year=record.year,
        )
    lines = [t._("🙋 <b>Your volunteering in {year}</b>", year=record.year)]
    if record.upcoming:
        lines += ["", t._("<b>Coming up</b>")]
        lines += [_upcoming_line(t, row) for row in record.upcoming]
    if record.attended:
        lines += ["", t._("<b>Done</b>")]
        lines += [_attended_line(t, row) for row in record.attended]
    lines.append("")
    lines.append(
        t.n_(
            "Total: {hours} in {n} shift.",
            "Total: {hours} in {n} shifts.",
            len(record.attended),
            hours=hours_text(t, record.total_hours),
        )
    )
    return "\n".join(lines)
