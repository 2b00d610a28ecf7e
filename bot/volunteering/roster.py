"""The coordinator view of a volunteer call: who may see it, its numbers and names per shift,
the CSV, attendance marked by the organisers and their corrections to the hours.

Names appear only here, and only the call's organisers get here (`may_manage`, checked by the
caller on every tap). Attendance and hours follow the shared rule: a 'yes' sign-up with
`checked_in_at` set is attended, credited with the shift's length unless an organiser
corrects it (0 < hours <= 24).
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from bot.core.i18n import N_, Texts
from bot.core.sheets import csv_bytes, header, word, yes_no
from bot.environment import Environment
from bot.roles.access import is_admin
from bot.roles.coverage import covers
from bot.volunteering import thanks
from bot.volunteering.cards import shift_when
from bot.volunteering.checkin import OPENS_BEFORE, shift_hours
from storage import call_roster, listings, privacy, roles, shift_signups, volunteer_calls
from storage.call_roster import RosterRow
from storage.volunteer_calls import Call, Shift

__all__ = [
    "MAX_HOURS",
    "AdminOf",
    "MarkOutcome",
    "ShiftRoster",
    "build",
    "display_name",
    "mark",
    "may_manage",
    "parse_hours",
    "render",
    "roster_csv",
    "set_hours",
]

MAX_HOURS = 24.0
_TEXT_LIMIT = 3900  # Telegram's 4096, with room for the notes
_HOURS = re.compile(r"^\s*(\d{1,2}(?:[.,]\d{1,2})?)\s*(?:h|t|tuntia|timmar|hours)?\s*$", re.I)

# Whether the tapper is an administrator of a group (the association's), failing closed.
AdminOf = Callable[[int], Awaitable[bool]]
MarkOutcome = Literal[
    "marked",
    "unmarked",
    "already",
    "early",
    "waiting",
    "not_signed_up",
    "closed",
    "shift_cancelled",
]


async def may_manage(env: Environment, user_id: int, call: Call, admin_of: AdminOf) -> bool:
    """The call's organisers, as an event's coordinators: the network's administrators, its
    creator while their coordinator scope still covers one of its municipalities, and for an
    association's call the administrators of the association's group."""
    granted = await roles.active_roles(env.db, user_id)
    if is_admin(env.config, user_id, granted):
        return True
    if call.created_by == user_id and any(
        r.role == "coordinator" and covers(r, call.municipalities, env.catalog) for r in granted
    ):
        return True
    if call.listing_id is not None:
        listing = await listings.get(env.db, call.listing_id)
        if listing is not None and listing.chat_id is not None:
            return await admin_of(listing.chat_id)
    return False


@dataclass(frozen=True, slots=True)
class ShiftRoster:
    shift: Shift
    signed: tuple[RosterRow, ...]
    waiting: tuple[RosterRow, ...]

    @property
    def checked_in(self) -> int:
        return sum(1 for r in self.signed if r.attended)


async def build(env: Environment, call: Call) -> list[ShiftRoster]:
    shifts = await volunteer_calls.shifts(env.db, call.id)
    rows = await call_roster.roster(env.db, call.id)
    return [
        ShiftRoster(
            s,
            tuple(r for r in rows if r.shift_id == s.id and r.status == "yes"),
            tuple(r for r in rows if r.shift_id == s.id and r.status == "waitlist"),
        )
        for s in shifts
    ]


def display_name(row: RosterRow, t: Texts) -> str:
    """First and last name, else @username; "(anonymised)" after /forget."""
    if row.name:
        return row.name
    if row.username:
        return f"@{row.username}"
    if privacy.is_pseudonym(row.user_id):
        return t._("(anonymised)")
    return str(row.user_id)


def render(call: Call, rosters: Sequence[ShiftRoster], t: Texts) -> str:
    """The view's text; the names are left out when they would not fit one message."""
    text = _render(call, rosters, t, names=True)
    if len(text) <= _TEXT_LIMIT:
        return text
    note = t._("Too many names to show here: the 📄 CSV has them all.")
    return _render(call, rosters, t, names=False) + "\n\n" + note


def _render(call: Call, rosters: Sequence[ShiftRoster], t: Texts, *, names: bool) -> str:
    title = t._("<b>Volunteer call {id}: {title}</b>", id=call.id, title=call.title)
    if call.state == "cancelled":
        title += " " + t._("(cancelled)")
    lines = [title]
    for r in rosters:
        lines.append("")
        if r.shift.cancelled_at is not None:
            lines.append(t._("<b>{when}</b> · ❌ cancelled", when=shift_when(r.shift, t)))
            continue
        lines.append(
            t._(
                "<b>{when}</b> · signed up {signed}/{places} · waiting {waiting} · "
                "checked in {checked}",
                when=shift_when(r.shift, t),
                signed=len(r.signed),
                places=r.shift.places,
                waiting=len(r.waiting),
                checked=r.checked_in,
            )
        )
        if not names:
            continue
        if r.signed:
            shown = ", ".join(("📍" if p.attended else "") + display_name(p, t) for p in r.signed)
            lines.append(t._("✅ {names}", names=shown))
        if r.waiting:
            line = ", ".join(f"{p.position}. {display_name(p, t)}" for p in r.waiting)
            lines.append(t._("⏳ {names}", names=line))
        lines.extend(
            t._("🛠 {name}: {skills}", name=display_name(p, t), skills=p.skills)
            for p in (*r.signed, *r.waiting)
            if p.skills
        )
        if not r.signed and not r.waiting:
            lines.append(t._("Nobody yet."))
    return "\n".join(lines)


_COLUMNS = (
    N_("shift"),
    N_("start"),
    N_("end"),
    N_("name"),
    N_("status"),
    N_("waiting_position"),
    N_("confirmed"),
    N_("checked_in"),
    N_("hours"),
    N_("skills"),
)


def _local(t: Texts, moment: int | None) -> str:
    if moment is None:
        return ""
    return t.local(datetime.fromtimestamp(moment, UTC)).strftime("%Y-%m-%d %H:%M")


def roster_csv(rosters: Sequence[ShiftRoster], t: Texts) -> bytes:
    """One row per sign-up: column names and statuses in the reader's language, every cell
    safe to open in a spreadsheet."""
    rows: list[list[object]] = []
    for r in rosters:
        for p in (*r.signed, *r.waiting):
            rows.append(
                [
                    r.shift.position,
                    _local(t, r.shift.starts_at),
                    _local(t, r.shift.ends_at),
                    display_name(p, t),
                    word(t, p.status),
                    p.position or "",
                    yes_no(t, p.confirmed_at is not None),
                    _local(t, p.checked_in_at),
                    "" if p.hours is None or not p.attended else p.hours,
                    p.skills,
                ]
            )
    return csv_bytes(header(t, _COLUMNS), rows)


async def mark(env: Environment, shift: Shift, user_id: int, on: bool) -> MarkOutcome:
    """Mark a person as there (now, hours = the shift's length) or unmark them (no check-in,
    no hours). From half an hour before the shift's start onwards only; someone from the
    waiting list once the shift has started (a walk-in: they get a place, beyond the shift's
    places if need be, and keep it when unmarked: the line has moved on)."""
    now = env.db.now()
    outcome = await env.db.write(
        lambda raw: _mark_sync(raw, shift.id, user_id, on, now), inline=True, serialised=False
    )
    if outcome == "marked":
        await thanks.thank_late(env, shift, user_id)
    return outcome


def _mark_sync(
    raw: sqlite3.Connection, shift_id: int, user_id: int, on: bool, now: int
) -> MarkOutcome:
    # The call's row locked, as a sign-up tap locks it: the person's own cancel, a promotion
    # and a cancel of the shift or call decide on the same rows one after the other.
    found = volunteer_calls.locked_shift_sync(raw, shift_id)
    if found is None or found[1].state != "published":
        return "closed"
    shift = found[0]
    if shift.cancelled_at is not None:
        return "shift_cancelled"
    if now < shift.starts_at - OPENS_BEFORE:  # the window volunteers check in from
        return "early"
    held = shift_signups.get_sync(raw, shift_id, user_id)
    status = None if held is None else held.status
    if not on:
        cleared = status == "yes" and call_roster.clear_attendance_sync(raw, shift_id, user_id, now)
        return "unmarked" if cleared else "not_signed_up"
    if status == "waitlist":
        # There, though waiting: credited once the shift is on. Before the start a place may
        # still free up for them, in line, by the usual promotion.
        if now < shift.starts_at:
            return "waiting"
        call_roster.credit_walk_in_sync(raw, shift_id, user_id, shift_hours(shift), now)
        return "marked"
    if status != "yes":
        return "not_signed_up"
    if not call_roster.mark_attendance_sync(raw, shift_id, user_id, shift_hours(shift), now):
        return "already"  # a stale view, or they checked in themselves meanwhile
    return "marked"


def parse_hours(text: str) -> float | None:
    """ "2,5", "2.5" or "3 h" as hours, when 0 < hours <= 24; None otherwise."""
    match = _HOURS.match(text)
    if match is None:
        return None
    value = float(match.group(1).replace(",", "."))
    if not math.isfinite(value) or value <= 0 or value > MAX_HOURS:
        return None
    return round(value, 2)


async def set_hours(env: Environment, shift_id: int, user_id: int, hours: float) -> bool:
    """The organiser's correction, for an attended shift only."""
    return await call_roster.set_hours(env.db, shift_id, user_id, hours, env.db.now())
