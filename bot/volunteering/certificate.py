"""The volunteer certificate: a one-page A4 PDF in the person's language — their name, the
associations they volunteered for, a table of the attended shifts, the total hours, the year, the
date it was issued, and that the bot drew it from the organisers' attendance records. The kind of
document a student or an unemployed volunteer is asked for.

Drawn with matplotlib's Figure API and its PDF canvas (no pyplot, no display), in the bundled
DejaVu Sans, which has Finnish, Swedish and Cyrillic letters; fonts embedded as TrueType
(`pdf.fonttype` 42) so the text can be copied and searched; no creation date in the file, so the
same record gives the same bytes. CPU-bound: run `certificate_pdf` in a thread from async code.
"""

from __future__ import annotations

import html
import io
import textwrap
import threading
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from babel.dates import format_date

from bot.core.i18n import N_, Texts, shorten
from bot.feedback.report import _drawable as drawable
from bot.volunteering.record import Record, hours_text, row_hours, shift_times
from storage.volunteer_record import RecordRow

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

__all__ = ["A4", "MAX_ROWS", "certificate_pdf", "draw", "filename"]

# rcParams are the process's: two certificates drawn at once in worker threads must not restore
# each other's `pdf.fonttype` before saving.
_DRAWING = threading.Lock()
# Rows of the table on the page; a longer record shows the first MAX_ROWS - 1 and a line
# "… and N more shifts" (the total still counts them all).
MAX_ROWS = 25
A4 = (8.27, 11.69)  # inches, portrait
_LEFT, _RIGHT = 0.08, 0.92
# Column starts (figure fractions): date, time, call, organiser; hours right-aligned at _RIGHT.
_COLUMNS = (0.08, 0.20, 0.33, 0.65)


def filename(t: Texts, year: int) -> str:
    """ "todistus-2026.pdf" / "intyg-2026.pdf" / "certificate-2026.pdf"."""
    return t._("certificate-{year}.pdf", year=year)


def _plain(text: str) -> str:
    """A translated text as written: t._ escapes placeholder values for Telegram HTML, and the
    page is not HTML. (Stored text — a name, a title — is drawn as it is.)"""
    return html.unescape(text)


def _organiser(t: Texts, organiser: str | None) -> str:
    return organiser or t._("the network")


def _cells(t: Texts, row: RecordRow) -> tuple[str, str, str, str, str]:
    day = format_date(
        t.local(datetime.fromtimestamp(row.starts_at, UTC)), "d.M.yyyy", locale=t.language
    )
    return (
        day,
        shift_times(t, row),
        shorten(row.call_title, 32),
        shorten(_organiser(t, row.organiser), 26),
        _plain(hours_text(t, row_hours(row))),
    )


def _table(figure: Figure, t: Texts, rows: tuple[RecordRow, ...], top: float) -> float:
    """The shifts' table from `top` down; returns where it ends."""
    size = 10.0 if len(rows) <= 15 else 8.5
    step = 0.026 if len(rows) <= 15 else 0.021
    shown = rows if len(rows) <= MAX_ROWS else rows[: MAX_ROWS - 1]
    headings = tuple(
        _plain(t._(h)) for h in (N_("Date"), N_("Time"), N_("Task"), N_("Organiser"), N_("Hours"))
    )
    y = top
    for cells, weight in [(headings, "bold")] + [(_cells(t, row), "normal") for row in shown]:
        for x, cell in zip(_COLUMNS, cells[:4], strict=True):
            _write(figure, x, y, cell, fontsize=size, weight=weight)
        _write(figure, _RIGHT, y, cells[4], fontsize=size, weight=weight, ha="right")
        if weight == "bold":
            figure.add_artist(_rule(y - step * 0.35))
        y -= step
    if len(shown) < len(rows):
        more = len(rows) - len(shown)
        note = t.n_("… and {n} more shift", "… and {n} more shifts", more)
        _write(figure, _COLUMNS[0], y, _plain(note), fontsize=size, style="italic")
        y -= step
    figure.add_artist(_rule(y + step * 0.55))
    return y


def _rule(y: float) -> Line2D:
    from matplotlib.lines import Line2D

    return Line2D([_LEFT, _RIGHT], [y, y], linewidth=0.6, color="#555555")


def _write(figure: Figure, x: float, y: float, text: str, **style: Any) -> None:
    """Text on the page as it is: without characters the font has no glyph for, no mathtext."""
    figure.text(x, y, drawable(text), parse_math=False, **style)


def _heading(figure: Figure, t: Texts, record: Record, name: str) -> None:
    _write(
        figure,
        0.5,
        0.92,
        _plain(t._("Volunteer certificate")),
        fontsize=22,
        weight="bold",
        ha="center",
    )
    _write(figure, 0.5, 0.885, str(record.year), fontsize=14, ha="center")
    _write(figure, _LEFT, 0.83, _plain(t._("This certifies that")), fontsize=11)
    _write(figure, _LEFT, 0.805, shorten(name, 60), fontsize=16, weight="bold")
    organisers = ", ".join(_organiser(t, o) for o in record.organisers)
    did = t.n_(
        "volunteered in {year} in {n} shift. Organiser: {organisers}",
        "volunteered in {year} in {n} shifts. Organisers: {organisers}",
        len(record.attended),
        year=record.year,
        organisers=shorten(organisers, 200),
    )
    # At most three lines of ~85 characters (11 pt within the margins); the table starts below.
    lines = textwrap.wrap(_plain(did), 85, max_lines=3, placeholder=" …")
    _write(figure, _LEFT, 0.785, "\n".join(lines), fontsize=11, va="top", linespacing=1.4)


def _footing(figure: Figure, t: Texts, record: Record, end: float, issued: date) -> None:
    total = t._("Total: {hours}", hours=hours_text(t, record.total_hours))
    _write(figure, _RIGHT, end - 0.01, _plain(total), fontsize=12, weight="bold", ha="right")
    day = format_date(issued, "d.M.yyyy", locale=t.language)
    _write(figure, _LEFT, 0.08, _plain(t._("Issued on {date}", date=day)), fontsize=10)
    source = t._(
        "Produced by Järjestöbotti from the attendance records kept by the organisers "
        "of the shifts."
    )
    _write(figure, _LEFT, 0.055, _plain(source), fontsize=8, color="#444444")


def draw(figure: Figure, t: Texts, record: Record, *, name: str, issued: date) -> None:
    """The certificate's text and rules on an A4 `figure` (record with at least one attended
    shift)."""
    assert record.attended, "no certificate without an attended shift"
    _heading(figure, t, record, name)
    end = _table(figure, t, record.attended, 0.70)
    _footing(figure, t, record, end, issued)


def certificate_pdf(t: Texts, record: Record, *, name: str, issued: date) -> bytes:
    """The certificate of `record`'s attended shifts (at least one) for the person `name`."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_pdf import FigureCanvasPdf
    from matplotlib.figure import Figure

    with (
        _DRAWING,
        rc_context({"pdf.fonttype": 42, "pdf.compression": 6, "font.family": "DejaVu Sans"}),
    ):
        figure = Figure(figsize=A4)
        FigureCanvasPdf(figure)
        draw(figure, t, record, name=name, issued=issued)
        buffer = io.BytesIO()
        title = _plain(t._("Volunteer certificate"))
        figure.savefig(
            buffer,
            format="pdf",
            metadata={"Title": title, "Creator": None, "Producer": None, "CreationDate": None},
        )
    return buffer.getvalue()
