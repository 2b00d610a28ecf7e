"""Grant calls from a CSV sheet (`python -m bot grants import`): the header
title,funder,municipalities,themes,opens,deadline,amount,link,description, every row checked
with the events import's sheet reader, row checks and municipality resolution
(bot/events/importing.py) and the /newgrant field rules; calls come back only from a clean file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.config_values import Theme
from bot.core.place_search import PlaceIndex
from bot.events.importing import (
    ImportProblem,
    RowCheck,
    read_sheet,
    row_municipalities,
    split_cells,
)
from bot.grants.fields import (
    GrantFields,
    check_amount,
    check_description,
    check_funder,
    check_link,
    check_title,
    parse_deadline,
    parse_opens,
)

__all__ = ["COLUMNS", "ImportedGrant", "parse_csv"]

COLUMNS = (
    "title",
    "funder",
    "municipalities",
    "themes",
    "opens",
    "deadline",
    "amount",
    "link",
    "description",
)
_DATE_FORM = "use e.g. 2027-01-15 16:00, 15.1.2027 16.00 or 15.1.2027 (local time)"


@dataclass(frozen=True, slots=True)
class ImportedGrant:
    row: int  # CSV line number (the header is line 1)
    fields: GrantFields


def _validate(
    row: RowCheck,
    cells: dict[str, str],
    now: datetime,
    tz: ZoneInfo,
    index: PlaceIndex,
    themes: Sequence[Theme],
) -> GrantFields | None:
    def cell(column: str) -> str:
        return cells.get(column, "")

    title = row.check("title", cell("title"), check_title, "")
    funder = row.check("funder", cell("funder"), check_funder, "")
    municipalities = row_municipalities(row, cell("municipalities"), index)
    known = {theme.id.lower(): theme.id for theme in themes}
    for theme in split_cells(cell("themes")):
        if theme.lower() not in known:
            row.problem(f"themes: {theme!r} is not a theme id; use {', '.join(known.values())}")
    chosen = [known[t.lower()] for t in split_cells(cell("themes")) if t.lower() in known]
    opens = None
    if cell("opens").strip():
        opens = row.check("opens", cell("opens"), lambda t: parse_opens(t, now, tz), None)
    deadline = row.check(
        "deadline", cell("deadline"), lambda t: parse_deadline(t, now, tz), None, _DATE_FORM
    )
    amount = row.check("amount", cell("amount"), check_amount, "")
    link = row.check("link", cell("link"), check_link, "")
    description = row.check("description", cell("description"), check_description, "")
    if row.problems or deadline is None:
        return None
    return GrantFields(
        title=title,
        funder=funder,
        municipalities=municipalities,
        themes=tuple(dict.fromkeys(chosen)),
        deadline=deadline,
        opens=opens,
        amount=amount,
        link=link,
        description=description,
    )


def parse_csv(
    text: str, *, now: datetime, tz: ZoneInfo, index: PlaceIndex, themes: Sequence[Theme]
) -> tuple[list[ImportedGrant], list[ImportProblem]]:
    rows, problems = read_sheet(text, COLUMNS)
    found: list[ImportedGrant] = []
    for row, cells in rows:
        fields = _validate(row, cells, now, tz, index, themes)
        problems.extend(row.problems)
        if fields is not None:
            found.append(ImportedGrant(row.number, fields))
    if not found and not problems:
        problems.append(ImportProblem(0, "the file has no grant calls after the header"))
    return ([] if problems else found), problems
