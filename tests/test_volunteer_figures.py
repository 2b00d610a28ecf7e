"""Volunteering in the statistics: the year's calls, filled shifts, attendance and hours in
total and per municipality, theme and association, in /stats, `stats --json`, /report and the
year-end report's volunteering file. Only published calls count, and only attended sign-ups
('yes' and checked in) credit hours; the year is the bot's time zone's."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.core.i18n import Texts
from bot.ops import volunteer_figures
from bot.ops.figures import year_bounds
from bot.ops.year_report import Line, Report, chart_figure, chart_png
from bot.volunteering.calls import NewCall, NewShift, publish
from storage import chats, listings, volunteer_calls, volunteer_stats
from storage.listings import Listing
from tests.factories import ADMIN, JOENSUU, admin_user
from tests.harness import BotHarness

OUTOKUMPU = "309"
AINO, BO, CAJ, DAN, EMIL = 101, 102, 103, 104, 105


def _shift(tz: tzinfo, start: tuple[int, int, int, int, int], hours: int, places: int) -> NewShift:
    begins = datetime(*start, tzinfo=tz)
    return NewShift(begins, begins + timedelta(hours=hours), places)


def _call(
    title: str,
    places: tuple[str, ...],
    theme: str,
    shifts: tuple[NewShift, ...],
    listing: int | None,
) -> NewCall:
    return NewCall(title, "", "", places, (theme,), shifts, listing_id=listing)


async def _signup(
    h: BotHarness, shift_id: int, user_id: int, status: str, hours: float | None = None
) -> None:
    """A sign-up row as the sign-up and check-in code leave it (hours only when checked in)."""
    now = h.env.db.now()
    async with h.env.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO shift_signups (shift_id, user_id, chat_id, status, checked_in_at, hours, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (shift_id, user_id, user_id, status, None if hours is None else now, hours, now, now),
        )


async def _volunteering(h: BotHarness) -> int:
    """Three calls around the turn of 2026/2027 (Helsinki time); returns the listing's id.

    Messut (the association's; Joensuu and Outokumpu, health): 3.12. 10–12 two places, both
    attended (2 h and a corrected 1.5 h) — filled; 31.12. 23.30–1.30 three places, Aino attended
    (2 h), Caj signed up but never came, Dan on the waiting list.
    Konsertti (the network's; Joensuu, culture): 10.12. 18–20 one place, Dan attended (2 h), Emil
    cancelled after a check-in; 1.1.2027 00.30–02.30 one place, Aino attended (2 h): that year's.
    Peruttu (cancelled; Joensuu, health): 5.12. Bo attended 3 h, which counts nowhere."""
    tz = h.config.bot.timezone
    listing = await listings.save(
        h.env.db, Listing(0, None, None, "Joen Terveys", (JOENSUU,), status="public")
    )
    fair = _call(
        "Messut",
        (JOENSUU, OUTOKUMPU),
        "health",
        (_shift(tz, (2026, 12, 3, 10, 0), 2, 2), _shift(tz, (2026, 12, 31, 23, 30), 2, 3)),
        listing.id,
    )
    concert = _call(
        "Konsertti",
        (JOENSUU,),
        "culture",
        (_shift(tz, (2026, 12, 10, 18, 0), 2, 1), _shift(tz, (2027, 1, 1, 0, 30), 2, 1)),
        None,
    )
    cancelled = _call(
        "Peruttu", (JOENSUU,), "health", (_shift(tz, (2026, 12, 5, 10, 0), 3, 1),), listing.id
    )
    ids = [(await publish(h.env, call, ADMIN))[0] for call in (fair, concert, cancelled)]
    (f1, f2), (c1, c2), (x1,) = [
        tuple(s.id for s in await volunteer_calls.shifts(h.env.db, i)) for i in ids
    ]
    await _signup(h, f1, AINO, "yes", 2.0)
    await _signup(h, f1, BO, "yes", 1.5)
    await _signup(h, f2, AINO, "yes", 2.0)
    await _signup(h, f2, CAJ, "yes")
    await _signup(h, f2, DAN, "waitlist")
    await _signup(h, c1, DAN, "yes", 2.0)
    await _signup(h, c1, EMIL, "cancelled", 2.0)
    await _signup(h, c2, AINO, "yes", 2.0)
    await _signup(h, x1, BO, "yes", 3.0)
    async with h.env.db.transaction() as tx:
        await tx.execute("UPDATE volunteer_calls SET state = 'cancelled' WHERE id = ?", (ids[2],))
    return listing.id


def _counts(f: volunteer_stats.Figures) -> tuple[object, ...]:
    return (
        f.calls, f.shifts, f.shifts_filled, f.places, f.signups, f.attended, f.volunteers, f.hours
    )  # fmt: skip


async def test_figures_by_municipality_theme_and_association(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        listing_id = await _volunteering(h)
        tz = h.config.bot.timezone
        figures = await volunteer_figures.collect(
            h.env.db, h.config, h.env.catalog, *year_bounds(2026, tz), "en"
        )
        # calls, shifts, filled, places, sign-ups, attended, volunteers, hours
        assert _counts(figures.total) == (2, 3, 2, 6, 5, 4, 3, 7.5)
        assert [(x.code, x.name, _counts(x.figures)) for x in figures.municipalities] == [
            (JOENSUU, "Joensuu", (2, 3, 2, 6, 5, 4, 3, 7.5)),
            (OUTOKUMPU, "Outokumpu", (1, 2, 1, 5, 4, 3, 2, 5.5)),
        ]
        assert [(x.code, x.name, _counts(x.figures)) for x in figures.themes] == [
            ("health", "Health", (1, 2, 1, 5, 4, 3, 2, 5.5)),
            ("culture", "Culture", (1, 1, 1, 1, 1, 1, 1, 2.0)),
        ]
        assert [(x.code, x.name, _counts(x.figures)) for x in figures.associations] == [
            (str(listing_id), "Joen Terveys", (1, 2, 1, 5, 4, 3, 2, 5.5)),
            ("", "", (1, 1, 1, 1, 1, 1, 1, 2.0)),
        ]
        # The shift at 00.30 on New Year's night is 2027's, though it is still 2026 in UTC.
        following = await volunteer_stats.totals(h.env.db, *year_bounds(2027, tz))
        assert _counts(following) == (1, 1, 1, 1, 1, 1, 1, 2.0)
        assert (await volunteer_stats.totals(h.env.db, *year_bounds(2025, tz))).calls == 0

        admin = admin_user(h)
        await admin.send("/start")
        await admin.send("/stats")
        text = admin.last_message().text
        assert "Volunteering in 2026\nCalls: 2; shifts filled: 2 of 3 (5 of 6 places taken)\n" in (
            text
        )
        assert "Attended shifts: 4 by 3 volunteers; hours: 7.5" in text
        assert (
            "Volunteer hours by municipality\n"
            "• Joensuu: 7.5 h, 3 volunteers, 2/3 shifts filled\n"
            "• Outokumpu: 5.5 h, 2 volunteers, 1/2 shifts filled"
        ) in text
        assert (
            "Volunteer hours by association\n"
            "• Joen Terveys: 5.5 h, 2 volunteers, 1/2 shifts filled\n"
            "• the network (no association): 2 h, 1 volunteer, 1/1 shifts filled"
        ) in text
        await chats.set_language(h.env.db, admin.id, "fi")
        await admin.send("/stats")
        finnish = admin.last_message().text
        assert "Tehtyjä vuoroja: 4, 3 vapaaehtoista; tunteja: 7,5" in finnish
        assert "• Joensuu: 7,5 h, 3 vapaaehtoista, 2/3 vuoroa täynnä" in finnish
        assert "• verkosto (ei yhdistystä): 2 h, 1 vapaaehtoinen, 1/1 vuoroa täynnä" in finnish


async def test_report_sends_the_volunteering_file(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        listing_id = await _volunteering(h)
        admin = admin_user(h)
        await admin.send("/start")
        await admin.send("/report 2025")
        assert admin.last_message().text == "No published events in 2025."
        await admin.send("/report 2026")
        # No events that year, but the volunteering chart and file still come.
        no_events, chart, sent = admin.messages()[-3:]
        assert no_events.text == "No published events in 2026."
        assert chart.photo is not None and chart.caption == "Volunteering in 2026"
        assert sent.document is not None and sent.document.filename == "volunteering_2026.csv"
        assert sent.caption == (
            "Volunteering in 2026: 2 calls, 2 of 3 shifts filled, 7.5 hours by 3 volunteers; "
            "by municipality, theme and association."
        )
        rows = list(csv.DictReader(io.StringIO(sent.document.data.decode("utf-8-sig"))))
        by_section = {(r["section"], r["code"]): r for r in rows}
        assert by_section[("total", "")] == {
            "year": "2026",
            "section": "total",
            "code": "",
            "name": "",
            "calls": "2",
            "shifts": "3",
            "shifts_filled": "2",
            "places": "6",
            "signups": "5",
            "attended": "4",
            "volunteers": "3",
            "hours": "7.50",
        }
        assert by_section[("municipality", OUTOKUMPU)]["hours"] == "5.50"
        assert by_section[("theme", "culture")]["name"] == "Culture"
        assert by_section[("association", str(listing_id))]["name"] == "Joen Terveys"
        assert by_section[("association", "")]["name"] == "the network (no association)"
        assert len(rows) == 7  # the total, 2 municipalities, 2 themes, 2 associations


async def test_cli_stats_json_and_report_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_path = tmp_path / "bot.sqlite3"
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        listing_id = await _volunteering(h)
    config = tmp_path / "ops.toml"
    config.write_text(f'[storage]\npath = "{db_path}"\n[bot]\ndefault_language = "en"\n', "utf-8")
    argv = ["--year", "2026", "--config", str(config)]
    assert await asyncio.to_thread(main, ["stats", "--json", *argv]) == 0
    data = json.loads(capsys.readouterr().out)["volunteering"]
    assert {k: data[k] for k in ("calls", "shifts", "shifts_filled", "hours")} == {
        "calls": 2,
        "shifts": 3,
        "shifts_filled": 2,
        "hours": 7.5,
    }
    assert data["by_municipality"][1] == {
        "code": OUTOKUMPU,
        "name": "Outokumpu",
        "calls": 1,
        "shifts": 2,
        "shifts_filled": 1,
        "places": 5,
        "signups": 4,
        "attended": 3,
        "volunteers": 2,
        "hours": 5.5,
    }
    assert data["by_theme"][0]["id"] == "health"
    assert [(a["listing_id"], a["name"]) for a in data["by_association"]] == [
        (listing_id, "Joen Terveys"),
        (None, None),
    ]
    assert await asyncio.to_thread(main, ["stats", *argv]) == 0
    plain = capsys.readouterr().out
    assert (
        "volunteering 2026: 2 calls, 2 of 3 shifts filled (5 of 6 places taken), "
        "4 attended shifts by 3 volunteers, 7.5 hours"
    ) in plain
    assert "  network (no association): 1 calls, 1/1 shifts filled, 1 volunteers, 2.0 hours" in (
        plain
    )

    out = tmp_path / "reports"
    report = ["report", "2026", "--out", str(out), "--language", "fi", "--config", str(config)]
    assert await asyncio.to_thread(main, report) == 0
    assert f"{out / 'volunteering_2026.csv'}: volunteer calls" in capsys.readouterr().out
    rows = list(csv.reader(io.StringIO((out / "volunteering_2026.csv").read_text("utf-8-sig"))))
    assert rows[0] == [
        "vuosi", "osio", "koodi", "nimi", "kutsuja", "vuoroja", "täyttyneitä vuoroja",
        "paikkoja", "ilmoittautumisia", "tehtyjä vuoroja", "vapaaehtoisia", "tunteja",
    ]  # fmt: skip
    assert rows[1] == ["2026", "yhteensä", "", "", "2", "3", "2", "6", "5", "4", "3", "7.50"]
    assert ["2026", "kunta", JOENSUU, "Joensuu", "2", "3", "2", "6", "5", "4", "3", "7.50"] in rows
    assert ["2026", "yhdistys", "", "verkosto (ei yhdistystä)"] in [r[:4] for r in rows]
    # The participation file keeps its columns (operators' scripts read them).
    participation = (out / "participation_2026.csv").read_text("utf-8-sig").splitlines()[0]
    assert participation.startswith("vuosi,osio,koodi,nimi,tapahtumia,")
    # An existing file is not overwritten without --force.
    assert await asyncio.to_thread(main, report) != 0


def _panels(
    report: Report, t: Texts, figures: volunteer_figures.VolunteerFigures
) -> list[tuple[str, list[str], list[str]]]:
    """Each panel's title, bar names and bar labels."""
    return [
        (
            axes.get_title(loc="left"),
            [label.get_text() for label in axes.get_yticklabels()],
            [text.get_text() for text in axes.texts],
        )
        for axes in chart_figure(report, t, figures).axes
    ]


async def test_the_report_chart_shows_the_hours_volunteered(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        await _volunteering(h)
        tz = h.config.bot.timezone
        report = Report(2026, (Line("municipality", JOENSUU, "Joensuu", 1, 3, 3, 0, 0, None),))
        t = h.env.translator.texts("en")
        figures = await volunteer_figures.collect(
            h.env.db, h.config, h.env.catalog, *year_bounds(2026, tz), "en"
        )
        panels = _panels(report, t, figures)
        assert [title for title, _names, _labels in panels] == [
            "People coming, by municipality of the event",
            "People coming, by theme of the event",
            "People coming, by association",
            "Volunteer hours, by municipality of the call",
            "Volunteer hours, by theme of the call",
            "Volunteer hours, by association",
        ]
        assert panels[3][1:] == (
            ["Joensuu", "Outokumpu"],
            ["7.5 h, 3 volunteers", "5.5 h, 2 volunteers"],
        )
        assert panels[5][1] == ["Joen Terveys", "the network (no association)"]
        finnish = _panels(report, h.env.translator.texts("fi"), figures)
        assert finnish[3][0] == "Vapaaehtoistunnit kutsun kunnan mukaan"
        assert finnish[3][2] == ["7,5 h, 3 vapaaehtoista", "5,5 h, 2 vapaaehtoista"]

        # A year without volunteer calls draws only the events' panels, byte for byte as
        # without the figures; the chart is the same bytes each time.
        quiet = await volunteer_figures.collect(
            h.env.db, h.config, h.env.catalog, *year_bounds(2025, tz), "en"
        )
        assert quiet.empty
        assert len(_panels(report, t, quiet)) == 3
        assert chart_png(report, t, quiet) == chart_png(report, t)
        drawn = chart_png(report, t, figures)
        assert drawn == chart_png(report, t, figures)
        assert drawn != chart_png(report, t)
        # A year of volunteer calls without events: the hours' panels alone.
        no_events = Report(2026, ())
        assert [title for title, _n, _l in _panels(no_events, t, figures)] == [
            "Volunteer hours, by municipality of the call",
            "Volunteer hours, by theme of the call",
            "Volunteer hours, by association",
        ]
