"""Importing a vuosikello: CSV and .ics parsing, and every rule with the row it is reported on."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.core.config_values import DEFAULT_THEMES
from bot.core.place_search import PlaceIndex
from bot.core.places import load_catalog
from bot.events.calendar import event_ics
from bot.events.importing import ImportProblem, parse_csv, parse_ics, read_events
from tests.test_calendar import make_event

NOW = datetime(2026, 11, 25, 10, tzinfo=UTC)
TZ = ZoneInfo("Europe/Helsinki")
INDEX = PlaceIndex(load_catalog())
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "vuosikello.csv"
HEADER = (
    "title,kind,start,end,place,online_url,municipalities,themes,capacity,rsvp_deadline,description"
)
GOOD_CELLS = {
    "title": "Foorumi",
    "kind": "foorumi",
    "start": "1.12.2026 18.00",
    "end": "20.00",
    "place": "Carelicum",
    "online_url": "",
    "municipalities": "Joensuu;Outokumpu",
    "themes": "hyte",
    "capacity": "50",
    "rsvp_deadline": "",
    "description": "Tervetuloa",
}
OPTIONS: dict[str, Any] = {
    "now": NOW,
    "tz": TZ,
    "index": INDEX,
    "themes": DEFAULT_THEMES,
    "reminders": (86400, 3600),
}


def csv_rows(*rows: str, header: str = HEADER) -> tuple[list[Any], list[ImportProblem]]:
    return parse_csv("\n".join([header, *rows]) + "\n", **OPTIONS)


def row_with(**cells: str) -> str:
    return ",".join(f'"{value}"' for value in {**GOOD_CELLS, **cells}.values())


GOOD = row_with()


def test_example_file_imports_cleanly() -> None:
    events, problems = read_events(EXAMPLE, **OPTIONS)
    assert problems == []
    assert [e.row for e in events] == [2, 3, 4, 5, 6, 7]
    kinds = [e.fields.kind for e in events]
    assert set(kinds) == {"forum", "association_evening", "partnership_evening", "workshop"}
    first = events[0].fields
    assert first.title == "Pohjois-Karjalan järjestöfoorumi, kevät 2027"
    assert first.starts_at == datetime(2027, 2, 3, 17, tzinfo=TZ)
    assert first.ends_at == datetime(2027, 2, 3, 20, tzinfo=TZ)
    assert first.rsvp_deadline == datetime(2027, 1, 27, 16, tzinfo=TZ)
    assert "167" in first.municipalities
    assert first.reminders == (86400, 3600)
    assert all(e.fields.starts_at.year == 2027 for e in events)


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_either_delimiter_with_bom(delimiter: str) -> None:
    header = HEADER.replace(",", delimiter)
    row = delimiter.join(
        [
            "Yhdistysilta",
            "yhdistysilta",
            "2026-12-01 18:00",
            "2 h",
            "Kaupungintalo, Outokumpu" if delimiter == ";" else '"Kaupungintalo, Outokumpu"',
            "https://meet.example.fi/ilta",
            '"Outokumpu;167"',
            '"Volunteering;village"',
            "",
            "30.11.2026 12.00",
            '"Rivi yksi\nrivi kaksi"',
        ]
    )
    events, problems = parse_csv("\ufeff" + header + "\r\n" + row + "\r\n", **OPTIONS)
    assert problems == []
    [event] = events
    assert event.row == 2
    fields = event.fields
    assert fields.kind == "association_evening"
    assert fields.starts_at == datetime(2026, 12, 1, 18, tzinfo=TZ)
    assert fields.ends_at == datetime(2026, 12, 1, 20, tzinfo=TZ)
    assert fields.place == "Kaupungintalo, Outokumpu"
    assert fields.online_url == "https://meet.example.fi/ilta"
    assert fields.municipalities == ("309", "167")
    assert fields.themes == ("volunteering", "village")
    assert fields.capacity is None
    assert fields.rsvp_deadline == datetime(2026, 11, 30, 12, tzinfo=TZ)
    assert fields.description == "Rivi yksi\nrivi kaksi"


def test_municipalities_by_swedish_name_finnish_name_or_code() -> None:
    row = row_with(municipalities="Helsingfors; Vasa;jakobstad; Joensuu ;091")
    events, problems = parse_csv(HEADER + "\n" + row + "\n", **OPTIONS)
    assert problems == []
    # Each municipality once, in the order first named.
    assert events[0].fields.municipalities == ("091", "905", "598", "167")


def test_header_any_order_case_and_spaces() -> None:
    names = HEADER.split(",")
    header = ",".join(f" {name.upper()} " for name in reversed(names))
    row = ",".join(reversed(row_with(title="Käänteinen").split(",")))
    events, problems = csv_rows(row, header=header)
    assert problems == []
    assert events[0].fields.title == "Käänteinen"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (HEADER.replace(",themes", ""), "missing column(s) themes"),
        (HEADER + ",owner", "unknown column(s) owner"),
        (HEADER + ",title", "repeated column(s) title"),
        ("", "missing column(s) title"),
    ],
)
def test_header_problems_stop_the_import(header: str, expected: str) -> None:
    events, problems = csv_rows(GOOD, header=header)
    assert events == []
    assert {p.row for p in problems} == {1}
    assert any(expected in p.message for p in problems)


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"title": " "}, "title is required"),
        ({"title": "x" * 151}, "longer than 150"),
        ({"kind": "juhla"}, "kind 'juhla' is not known; use one of forum"),
        ({"start": ""}, "start is required"),
        ({"start": "1.11.2026 18.00"}, "start '1.11.2026 18.00' is in the past"),
        ({"start": "huomenna"}, "start 'huomenna' is not in an accepted form; use e.g. 2026-12-01"),
        ({"start": "31.2.2027 18.00"}, "is not a real date"),
        ({"start": "ma 1.12.2026 18.00"}, "weekday that does not match"),
        ({"end": "17.00"}, "end '17.00' is not after the start"),
        ({"end": "20 päivää"}, "end '20 päivää' is not in an accepted form"),
        ({"place": "", "online_url": ""}, "place and online_url are both empty"),
        ({"online_url": "meet.example.fi"}, "online_url 'meet.example.fi' is not a web address"),
        ({"municipalities": ""}, "municipalities is required"),
        ({"municipalities": "Atlantis"}, "'Atlantis' is not a known municipality"),
        ({"municipalities": "Pohjois-Karjala"}, "'Pohjois-Karjala' is a region"),
        ({"municipalities": "999"}, "'999' is not a known municipality"),
        ({"themes": "hyte;politics"}, "themes: 'politics' is not a theme id; use health"),
        ({"capacity": "0"}, "capacity '0' is smaller than 1"),
        ({"capacity": "-1"}, "capacity '-1' is smaller than 1"),
        ({"capacity": "many"}, "capacity 'many' is not in an accepted form"),
        ({"rsvp_deadline": "2.12.2026 12.00"}, "rsvp_deadline '2.12.2026 12.00' is after"),
        ({"rsvp_deadline": "1.11.2026 12.00"}, "rsvp_deadline '1.11.2026 12.00' is in the past"),
        ({"description": "x" * 2001}, "description"),
    ],
)
def test_each_rule_is_reported_with_its_row(cells: dict[str, str], expected: str) -> None:
    events, problems = csv_rows(GOOD, row_with(**cells))
    assert events == []
    assert [p.row for p in problems] == [3]
    assert expected in problems[0].message


def test_all_problems_of_all_rows_are_collected() -> None:
    rows = [
        row_with(title="", capacity="0"),
        GOOD,
        "",
        row_with(start="eilen", municipalities="Uusimaa"),
    ]
    events, problems = csv_rows(*rows)
    assert events == []
    assert [p.row for p in problems] == [2, 2, 5, 5]
    assert "title" in problems[0].message
    assert "capacity" in problems[1].message


def test_blank_lines_and_multiline_cells_keep_line_numbers() -> None:
    multiline = row_with(description="eka\ntoka")
    events, problems = csv_rows("", multiline, " , , ", GOOD)
    assert problems == []
    assert [e.row for e in events] == [3, 6]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("", "other"),
        ("foorumi", "forum"),
        ("Järjestöfoorumi", "forum"),
        ("yhdistysilta", "association_evening"),
        ("kumppanuusilta", "partnership_evening"),
        ("työpaja", "workshop"),
        ("muu", "other"),
        ("partnership evening", "partnership_evening"),
    ],
)
def test_kind_aliases(kind: str, expected: str) -> None:
    events, problems = csv_rows(row_with(kind=kind))
    assert problems == []
    assert events[0].fields.kind == expected


def test_values_outside_named_columns_are_a_problem() -> None:
    events, problems = csv_rows(GOOD + ",extra")
    assert events == []
    assert [p.row for p in problems] == [2]
    assert "outside the named columns" in problems[0].message


def test_header_only_file_is_a_problem() -> None:
    events, problems = csv_rows()
    assert events == []
    assert [p.row for p in problems] == [0]


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "vuosikello.csv"
    path.write_bytes((HEADER + "\n" + row_with(title="Tapaaminen ä")).encode("latin-1"))
    events, problems = read_events(path, **OPTIONS)
    assert events == []
    assert [p.row for p in problems] == [0]
    assert "UTF-8" in problems[0].message


def test_event_ics_round_trip(tmp_path: Path) -> None:
    event = make_event(online_url="https://meet.example.fi/a", capacity=75)
    path = tmp_path / "event.ICS"
    path.write_bytes(event_ics(event, location=event.place))
    events, problems = read_events(path, **OPTIONS)
    assert problems == []
    [imported] = events
    fields = imported.fields
    assert imported.row == 1
    assert fields.title == event.title
    assert int(fields.starts_at.timestamp()) == event.starts_at
    assert fields.ends_at is not None
    assert int(fields.ends_at.timestamp()) == event.ends_at
    assert fields.place == event.place
    assert fields.online_url == "https://meet.example.fi/a"
    assert fields.municipalities == event.municipalities
    assert fields.themes == event.themes
    assert fields.kind == event.kind
    assert fields.capacity == 75
    assert fields.description == event.description


def ics(*events: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\nUID:{n}@x\r\n{e}END:VEVENT\r\n" for n, e in enumerate(events))
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t\r\n{body}END:VCALENDAR\r\n".encode()


def lines(*items: str) -> str:
    return "".join(item + "\r\n" for item in items)


def test_ics_location_names_the_municipality_and_categories_map_to_themes() -> None:
    data = ics(
        lines(
            "SUMMARY:Kylätyöpaja",
            "DTSTART:20270310T170000",
            "DURATION:PT2H30M",
            "LOCATION:Koskikatu 5\\, 80100 Joensuu",
            "CATEGORIES:Kylätoiminta,Wellbeing promotion,youth,Unknown",
            "X-JARJESTOBOTTI-KIND:työpaja",
        ),
        lines(
            "SUMMARY:Etäilta",
            "DTSTART:20270311T150000Z",
            "URL:https://meet.example.fi/x",
            "X-JARJESTOBOTTI-MUNICIPALITIES:Lieksa;Nurmes",
            "X-JARJESTOBOTTI-CAPACITY:12",
        ),
    )
    events, problems = parse_ics(data, **OPTIONS)
    assert problems == []
    first, second = (e.fields for e in events)
    assert first.municipalities == ("167",)
    assert first.themes == ("village", "hyte", "youth")
    assert first.kind == "workshop"
    assert first.starts_at == datetime(2027, 3, 10, 17, tzinfo=TZ)
    assert first.ends_at == datetime(2027, 3, 10, 19, 30, tzinfo=TZ)
    assert second.starts_at == datetime(2027, 3, 11, 17, tzinfo=TZ)
    assert second.municipalities == ("422", "541")
    assert (second.kind, second.capacity, second.themes) == ("other", 12, ())


def test_ics_problems_name_the_property_and_vevent() -> None:
    data = ics(
        lines("SUMMARY:Koko päivä", "DTSTART;VALUE=DATE:20270310", "LOCATION:Joensuu"),
        lines("SUMMARY:Sali", "DTSTART:20270310T170000", "LOCATION:Sali"),
        lines("SUMMARY:Mennyt", "DTSTART:20261010T170000", "LOCATION:Kitee"),
        lines("DTSTART:20270310T170000", "LOCATION:Kitee", "DTEND:20270310T160000"),
        lines("SUMMARY:Toistuva", "DTSTART:20270310T170000", "LOCATION:Kitee", "RRULE:FREQ=YEARLY"),
    )
    events, problems = parse_ics(data, **OPTIONS)
    assert events == []
    by_row = {p.row: p.message for p in problems}
    assert [p.row for p in problems] == [1, 2, 3, 4, 4, 5]
    assert "needs a start time" in by_row[1]
    assert "no municipality" in by_row[2]
    assert "DTSTART '2026-10-10 17:00' is in the past" in by_row[3]
    assert [p.message.split()[0] for p in problems if p.row == 4] == ["SUMMARY", "DTEND"]
    assert "RRULE" in by_row[5]


@pytest.mark.parametrize(
    "data", [b"not a calendar", b"", "BEGIN:VCALENDAR\r\nX:ä\r\n".encode("latin-1")]
)
def test_broken_ics_is_one_file_problem(data: bytes) -> None:
    events, problems = parse_ics(data, **OPTIONS)
    assert events == []
    assert [p.row for p in problems] == [0]
