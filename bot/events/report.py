"""The coordinator's view of an event's answers: counts, forecast, splits and the attendee CSV.

Names appear only here, and only the event's coordinators get here (checked by the caller).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core.i18n import N_, Texts
from bot.core.places import PlaceCatalog
from bot.core.sheets import csv_bytes, header, word
from storage import broadcasts, privacy, rsvps
from storage.db import Database
from storage.events import Event
from storage.rsvps import Attendee, Counts

__all__ = ["MAYBE_SHARE", "Report", "attendees_csv", "build", "render"]

# Half of the maybes usually come: the forecast coordinators plan coffee and chairs with.
MAYBE_SHARE = 0.5
_MAX_NAMES = 40


@dataclass(frozen=True, slots=True)
class Report:
    counts: Counts
    attendees: list[Attendee]
    invited: int
    delivered: int

    @property
    def forecast(self) -> int:
        return self.counts.yes_people + round(self.counts.maybe_people * MAYBE_SHARE)


async def build(db: Database, event: Event) -> Report:
    counts = await rsvps.counts(db, event.id)
    people = await rsvps.attendees(db, event.id)
    invited = delivered = 0
    if event.broadcast_id is not None:
        progress = await broadcasts.progress(db, event.broadcast_id)
        invited, delivered = progress.total, progress.sent
    return Report(counts, people, invited, delivered)


def _coming(attendee: Attendee) -> bool:
    return attendee.rsvp.status in ("yes", "maybe")


def render(event: Event, report: Report, t: Texts, catalog: PlaceCatalog) -> str:
    c = report.counts
    lines = [
        t._("<b>Answers to event {id}</b>", id=event.id),
        t._(
            "✅ Coming: {yes} ({people}) · ❔ Maybe: {maybe} · ❌ Can't: {no} · "
            "⏳ Waiting list: {waitlist}",
            yes=c.yes,
            people=t.n_("{n} person", "{n} people", c.yes_people),
            maybe=c.maybe,
            no=c.no,
            waitlist=c.waitlist,
        ),
        t.n_(
            "Forecast: about {n} person (those coming and half of the maybes).",
            "Forecast: about {n} people (those coming and half of the maybes).",
            report.forecast,
        ),
    ]
    if report.invited:
        lines.append(
            t._(
                "Invitations delivered: {sent} of {total}.",
                sent=report.delivered,
                total=report.invited,
            )
        )
    lines += _session_lines(report, t)
    lines += _group_lines(report, t, catalog)
    lines += _name_lines(report, t)
    return "\n".join(lines)


def _session_lines(report: Report, t: Texts) -> list[str]:
    """Breakout sessions: people coming to each, answers waiting for each."""
    if not report.counts.sessions:
        return []
    lines = ["", t._("<b>By session</b> (people coming, waiting)")]
    for s in report.counts.sessions:
        places = f"{s.taken}/{s.capacity}" if s.capacity is not None else str(s.taken)
        line = t._(
            "• {title}: {places}, ⏳ {waiting}", title=s.title, places=places, waiting=s.waiting
        )
        lines.append(line)
    return lines


def _group_lines(report: Report, t: Texts, catalog: PlaceCatalog) -> list[str]:
    """People coming or maybe coming, by association and by municipality."""
    associations: Counter[str] = Counter()
    municipalities: Counter[str] = Counter()
    for attendee in report.attendees:
        if not _coming(attendee):
            continue
        people = attendee.rsvp.headcount
        associations[attendee.rsvp.association or t._("individuals")] += people
        code = attendee.municipality_code
        place = catalog.municipality(code) if code else None
        municipalities[place.name(t.language) if place else t._("not known")] += people
    if not associations:
        return []
    lines = ["", t._("<b>By association</b> (coming and maybe, people)")]
    lines += [t._("• {name}: {n}", name=name, n=n) for name, n in associations.most_common()]
    lines.append(t._("<b>By municipality</b>"))
    lines += [t._("• {name}: {n}", name=name, n=n) for name, n in municipalities.most_common()]
    return lines


def _name_lines(report: Report, t: Texts) -> list[str]:
    if not report.attendees:
        return []
    lines = ["", t._("<b>Names</b> (visible to the event's coordinators only)")]
    marks = {"yes": "✅", "maybe": "❔", "no": "❌", "waitlist": "⏳"}
    for attendee in report.attendees[:_MAX_NAMES]:
        extra = t._(" (+{n})", n=attendee.rsvp.headcount - 1) if attendee.rsvp.headcount > 1 else ""
        association = f" — {attendee.rsvp.association}" if attendee.rsvp.association else ""
        lines.append(
            t._(
                "{mark} {name}{extra}{association}",
                mark=marks[attendee.rsvp.status],
                name=attendee.name or _unnamed(attendee, t),
                extra=extra,
                association=association,
            )
        )
    hidden = len(report.attendees) - _MAX_NAMES
    if hidden > 0:
        lines.append(t._("… and {n} more: the CSV has everyone.", n=hidden))
    return lines


_ATTENDEE_COLUMNS = (
    N_("event_id"),
    N_("name"),
    N_("username"),
    N_("status"),
    N_("people"),
    N_("association"),
    N_("municipality"),
    N_("session"),
    N_("answered_in"),
    N_("answered_at"),
)


def attendees_csv(event: Event, report: Report, t: Texts, catalog: PlaceCatalog) -> bytes:
    """One row per answer, column names and statuses in the reader's language."""
    rows = []
    for a in report.attendees:
        # The association's municipality only: the one a person's private chat follows is a
        # setting of theirs, used above in the counts but not put next to their name.
        place = catalog.municipality(a.rsvp.municipality_code or "")
        answered = datetime.fromtimestamp(a.rsvp.updated_at, UTC).astimezone(t.timezone)
        rows.append(
            [
                event.id,
                a.name,
                a.username or "",
                word(t, a.rsvp.status),
                a.rsvp.headcount,
                a.rsvp.association or "",
                place.name(t.language) if place else "",
                a.session_title or "",
                a.chat_title or "",
                answered.strftime("%Y-%m-%d %H:%M"),
            ]
        )
    return csv_bytes(header(t, _ATTENDEE_COLUMNS), rows)


def _unnamed(attendee: Attendee, t: Texts) -> str:
    """No user row: an answer anonymised by /forget or the retention run, or a person not
    recorded (then their id, as before)."""
    if privacy.is_pseudonym(attendee.rsvp.user_id):
        return t._("(anonymised)")
    return str(attendee.rsvp.user_id)
