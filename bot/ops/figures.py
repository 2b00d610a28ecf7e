"""Operations figures and exports: /stats, `python -m bot stats` and `python -m bot export`.

Stats: subscribers by region and theme (now), and for the calendar year (in the bot's time zone)
the events, the answer rate and the feedback rate (then the directory's figures,
bot/ops/directory_figures.py, and volunteering's, bot/ops/volunteer_figures.py):
- answer rate = invited chats from which someone answered / invitations delivered (per event);
- feedback rate = people who gave a rating / people asked (those who said yes or maybe).

Export (one directory, three CSV files, UTF-8 with BOM, formula-safe cells):
- `events.csv`: every non-draft event with its counts; no creator id;
- `rsvps.csv`: one row per answer with a *pseudonym* instead of the user id: `p` + 10 hex digits of
  an HMAC under a random key that exists only during that export, so people can be counted across
  events in one file but not linked to Telegram accounts or between two exports. Names and
  usernames only with `--with-names` (the operator then holds a personal-data file and must treat
  it as one; a coordinator gets names for their own event from /event's CSV anyway);
- `feedback.csv`: anonymous answers (no user id, no time, sorted by content), with municipality
  and association generalised per event exactly as /feedback's CSV does.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from bot.core.config import Config
from bot.core.i18n import N_, Texts
from bot.core.places import PlaceCatalog
from bot.core.sheets import csv_bytes, header, word, yes_no
from bot.events.cards import KIND_NAMES
from bot.feedback.report import _generalized as generalized_pairs
from bot.ops import directory_figures, volunteer_figures
from storage import ops
from storage.db import Database

__all__ = [
    "EXPORT_FILES",
    "Stats",
    "collect",
    "export",
    "render",
    "render_plain",
    "to_json",
    "year_bounds",
]

EXPORT_FILES = ("events.csv", "rsvps.csv", "feedback.csv")


def year_bounds(year: int, tz: tzinfo) -> tuple[int, int]:
    """Unix seconds of 1 January of `year` and of the next year, local midnight."""
    start = datetime(year, 1, 1, tzinfo=tz)
    end = datetime(year + 1, 1, 1, tzinfo=tz)
    return int(start.timestamp()), int(end.timestamp())


def current_year(now: float, tz: tzinfo) -> int:
    return datetime.fromtimestamp(now, UTC).astimezone(tz).year


@dataclass(frozen=True, slots=True)
class Named:
    code: str
    name: str
    chats: int


@dataclass(frozen=True, slots=True)
class Stats:
    year: int
    overview: ops.Overview
    regions: tuple[Named, ...]  # most followed first
    themes: tuple[Named, ...]  # most followed first; code '*' = every theme
    directory: directory_figures.DirectoryFigures | None = None
    volunteering: volunteer_figures.VolunteerFigures | None = None

    @property
    def answer_rate(self) -> float | None:
        o = self.overview
        return o.answered_chats / o.invitations if o.invitations else None

    @property
    def feedback_rate(self) -> float | None:
        o = self.overview
        return o.feedback_answers / o.feedback_asked if o.feedback_asked else None


def _theme_name(config: Config, theme_id: str, language: str) -> str:
    theme = config.bot.theme(theme_id)
    return theme.name(language) if theme else theme_id


async def collect(
    db: Database, config: Config, catalog: PlaceCatalog, *, year: int, language: str
) -> Stats:
    since, until = year_bounds(year, config.bot.timezone)
    by_region = await ops.subscribers_by_region(db)
    by_theme = await ops.subscribers_by_theme(db)
    regions = tuple(
        sorted(
            (
                Named(code, region.name(language) if (region := catalog.region(code)) else code, n)
                for code, n in by_region.items()
            ),
            key=lambda r: (-r.chats, r.name),
        )
    )
    themes = tuple(
        sorted(
            (
                Named(code, "*" if code == "*" else _theme_name(config, code, language), n)
                for code, n in by_theme.items()
            ),
            key=lambda r: (-r.chats, r.code == "*", r.name),
        )
    )
    directory = await directory_figures.collect(db, config, catalog, since, until, language)
    volunteering = await volunteer_figures.collect(db, config, catalog, since, until, language)
    overview = await ops.overview(db, since, until)
    return Stats(year, overview, regions, themes, directory, volunteering)


def _percent(rate: float | None) -> str:
    return "–" if rate is None else f"{round(100 * rate)} %"


def render_plain(stats: Stats) -> str:
    """The operator's plain-text summary (English, like the other subcommands)."""
    o = stats.overview
    lines = [
        f"chats: {o.active_chats} active ({o.private_chats} private, {o.group_chats} groups), "
        f"{o.subscribed_chats} subscribed, {o.paused_chats} paused",
        f"all of Finland: {o.whole_country}; all themes: {o.all_themes}",
        "subscribers by region:",
        *(f"  {r.name} ({r.code}): {r.chats}" for r in stats.regions),
        "subscribers by theme:",
        *(
            f"  {'(all themes)' if t.code == '*' else f'{t.name} ({t.code})'}: {t.chats}"
            for t in stats.themes
        ),
        f"events {stats.year}: {o.events} published, {o.cancelled} cancelled",
        f"invitations delivered: {o.invitations}; chats that answered: {o.answered_chats} "
        f"(answer rate {_percent(stats.answer_rate)})",
        f"answers: {o.answers} people; coming: {o.coming} people",
        f"feedback: {o.feedback_answers} of {o.feedback_asked} asked "
        f"(feedback rate {_percent(stats.feedback_rate)})",
    ]
    if stats.directory is not None:
        lines += directory_figures.plain(stats.directory)
    if stats.volunteering is not None:
        lines += volunteer_figures.plain(stats.volunteering, stats.year)
    return "\n".join(lines)


def to_json(stats: Stats) -> dict[str, Any]:
    o = stats.overview
    directory = directory_figures.to_json(stats.directory) if stats.directory else {}
    volunteering = volunteer_figures.to_json(stats.volunteering) if stats.volunteering else {}
    return {
        "year": stats.year,
        "chats": {
            "active": o.active_chats,
            "private": o.private_chats,
            "groups": o.group_chats,
            "paused": o.paused_chats,
            "subscribed": o.subscribed_chats,
            "all_of_finland": o.whole_country,
            "all_themes": o.all_themes,
        },
        "subscribers_by_region": [
            {"code": r.code, "name": r.name, "chats": r.chats} for r in stats.regions
        ],
        "subscribers_by_theme": [
            {"id": t.code, "name": t.name, "chats": t.chats} for t in stats.themes
        ],
        "events": {
            "published": o.events,
            "cancelled": o.cancelled,
            "invitations_delivered": o.invitations,
            "chats_answered": o.answered_chats,
            "answer_rate": stats.answer_rate,
            "answers": o.answers,
            "coming": o.coming,
            "feedback_asked": o.feedback_asked,
            "feedback_answers": o.feedback_answers,
            "feedback_rate": stats.feedback_rate,
        },
        **directory,
        **volunteering,
    }


def _rate(t: Texts, rate: float | None) -> str:
    return "–" if rate is None else t._("{n} %", n=t.number(round(100 * rate)))


def render(stats: Stats, t: Texts) -> str:
    """The admin's /stats message (HTML), in the reader's language."""
    o = stats.overview
    lines = [
        t._("<b>Statistics</b>"),
        t._(
            "Chats: {active} active ({private} private, {groups} groups), {subscribed} "
            "subscribed, {paused} paused",
            active=t.number(o.active_chats),
            private=t.number(o.private_chats),
            groups=t.number(o.group_chats),
            subscribed=t.number(o.subscribed_chats),
            paused=t.number(o.paused_chats),
        ),
        "",
        t._("<b>Subscribers by region</b>"),
    ]
    if o.whole_country:
        lines.append(t._("• All of Finland: {n}", n=t.number(o.whole_country)))
    lines += [t._("• {name}: {n}", name=r.name, n=t.number(r.chats)) for r in stats.regions]
    if not stats.regions and not o.whole_country:
        lines.append(t._("• none yet"))
    lines += ["", t._("<b>Subscribers by theme</b>")]
    for theme in stats.themes:
        name = t._("All themes") if theme.code == "*" else theme.name
        lines.append(t._("• {name}: {n}", name=name, n=t.number(theme.chats)))
    if not stats.themes:
        lines.append(t._("• none yet"))
    lines += [
        "",
        t._("<b>Events in {year}</b>", year=stats.year),
        t._(
            "Published: {events}, cancelled: {cancelled}",
            events=t.number(o.events),
            cancelled=t.number(o.cancelled),
        ),
        t._(
            "Invitations delivered: {n}; answer rate {rate} (chats from which someone answered)",
            n=t.number(o.invitations),
            rate=_rate(t, stats.answer_rate),
        ),
        t._(
            "Answers: {answers} people, coming: {coming} people",
            answers=t.number(o.answers),
            coming=t.number(o.coming),
        ),
        t._(
            "Feedback: {answers} of {asked} asked, feedback rate {rate}",
            answers=t.number(o.feedback_answers),
            asked=t.number(o.feedback_asked),
            rate=_rate(t, stats.feedback_rate),
        ),
    ]
    if stats.directory is not None:
        lines += directory_figures.render(stats.directory, t)
    if stats.volunteering is not None:
        lines += volunteer_figures.render(stats.volunteering, stats.year, t)
    return "\n".join(lines)


# --- export --------------------------------------------------------------------------------


def _local(ts: int | None, tz: tzinfo) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, UTC).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _municipality(catalog: PlaceCatalog, code: str | None, language: str) -> str:
    place = catalog.municipality(code) if code else None
    return place.name(language) if place else ""


_EVENTS_COLUMNS = (
    N_("event_id"),
    N_("uid"),
    N_("kind"),
    N_("state"),
    N_("title"),
    N_("starts"),
    N_("ends"),
    N_("place"),
    N_("online_url"),
    N_("municipality_codes"),
    N_("municipalities"),
    N_("themes"),
    N_("capacity"),
    N_("rsvp_deadline"),
    N_("series_id"),
    N_("published"),
    N_("cancelled"),
    N_("invited"),
    N_("delivered"),
    # The counts of each answer: in Finnish and Swedish the answer's own word heads its column.
    N_("yes"),
    N_("yes_people"),
    N_("maybe"),
    N_("no"),
    N_("waitlist"),
    N_("feedback_asked"),
    N_("feedback_answers"),
)


def _event_row(e: ops.EventRow, catalog: PlaceCatalog, tz: tzinfo, t: Texts) -> list[object]:
    kind = KIND_NAMES.get(e.kind)
    return [
        e.id,
        e.uid,
        t._(kind) if kind else e.kind,
        word(t, e.state),
        e.title,
        _local(e.starts_at, tz),
        _local(e.ends_at, tz),
        e.place,
        e.online_url,
        ";".join(e.municipalities),
        ";".join(_municipality(catalog, c, t.language) for c in e.municipalities),
        ";".join(e.themes),
        e.capacity or "",
        _local(e.rsvp_deadline, tz),
        e.series_id or "",
        _local(e.published_at, tz),
        _local(e.cancelled_at, tz),
        e.invited,
        e.delivered,
        e.yes,
        e.yes_people,
        e.maybe,
        e.no,
        e.waitlist,
        e.feedback_asked,
        e.feedback_answers,
    ]


def _events_csv(rows: list[ops.EventRow], catalog: PlaceCatalog, tz: tzinfo, t: Texts) -> bytes:
    return csv_bytes(header(t, _EVENTS_COLUMNS), (_event_row(e, catalog, tz, t) for e in rows))


_RSVP_COLUMNS = (
    N_("event_id"),
    N_("person"),
    N_("status"),
    N_("people"),
    N_("association"),
    N_("municipality"),
    N_("answered_in"),
    N_("answered"),
)


def _rsvps_csv(
    rows: list[ops.RsvpRow], catalog: PlaceCatalog, tz: tzinfo, t: Texts, *, with_names: bool
) -> bytes:
    key = secrets.token_bytes(32)  # forgotten when the export ends

    def pseudonym(user_id: int) -> str:
        return "p" + hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()[:10]

    columns = [*_RSVP_COLUMNS, *((N_("name"), N_("username")) if with_names else ())]
    out: list[list[object]] = []
    for r in rows:
        row: list[object] = [
            r.event_id,
            pseudonym(r.user_id),
            word(t, r.status),
            r.headcount,
            r.association or "",
            _municipality(catalog, r.municipality_code, t.language),
            word(t, "private" if r.chat_type == "private" else "group") if r.chat_type else "",
            _local(r.updated_at, tz),
        ]
        if with_names:
            row += [r.name or "", r.username or ""]
        out.append(row)
    return csv_bytes(header(t, columns), out)


def _feedback_csv(rows: list[ops.FeedbackRow], catalog: PlaceCatalog, t: Texts) -> bytes:
    other = t._("others")
    out: list[tuple[object, ...]] = []
    by_event: dict[int, list[ops.FeedbackRow]] = {}
    for r in rows:
        by_event.setdefault(r.event_id, []).append(r)
    for event_id, answers in by_event.items():
        pairs = generalized_pairs(
            [
                (
                    _municipality(catalog, a.municipality_code, t.language) or t._("not known"),
                    a.association or t._("no association"),
                )
                for a in answers
            ],
            other,
        )
        out += sorted(
            (
                event_id,
                "" if a.rating is None else str(a.rating),
                yes_no(t, a.attended),
                a.comment,
                municipality,
                association,
            )
            for a, (municipality, association) in zip(answers, pairs, strict=True)
        )
    columns = (N_("event_id"), N_("rating"), N_("attended"), N_("comment"), N_("municipality"),
               N_("association"))  # fmt: skip
    return csv_bytes(header(t, columns), out)


async def export(
    db: Database,
    config: Config,
    catalog: PlaceCatalog,
    t: Texts,
    directory: Path,
    *,
    with_names: bool = False,
) -> dict[str, int]:
    """Write the three CSV files into `directory` (which must exist); returns rows per file."""
    tz = config.bot.timezone
    events = await ops.event_rows(db)
    rsvps = await ops.rsvp_rows(db, with_names=with_names)
    feedback = await ops.feedback_rows(db)
    files = {
        "events.csv": (_events_csv(events, catalog, tz, t), len(events)),
        "rsvps.csv": (_rsvps_csv(rsvps, catalog, tz, t, with_names=with_names), len(rsvps)),
        "feedback.csv": (_feedback_csv(feedback, catalog, t), len(feedback)),
    }
    for name, (data, _count) in files.items():
        (directory / name).write_bytes(data)
    return {name: count for name, (_data, count) in files.items()}
