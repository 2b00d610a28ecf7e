"""The volunteer certificate's page: what is written on it, that a long record still fits one
page, that it is a PDF with embedded TrueType text, and that the same record gives the same
bytes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from matplotlib.figure import Figure

from bot.core.i18n import Translator
from bot.volunteering.certificate import A4, MAX_ROWS, certificate_pdf, draw, filename
from bot.volunteering.record import Record
from storage.volunteer_record import RecordRow

TZ = ZoneInfo("Europe/Helsinki")
# Monday 2.3.2026 at 10.00 in Helsinki.
BASE = int(datetime(2026, 3, 2, 8, 0, tzinfo=UTC).timestamp())


def _row(i: int, hours: float | None, organiser: str | None = "Kylät ry") -> RecordRow:
    starts = BASE + i * 86400
    return RecordRow(
        call_id=1,
        call_title=f"Messut & myyjäiset {i}",
        call_state="published",
        organiser=organiser,
        shift_id=i + 1,
        starts_at=starts,
        ends_at=starts + 7200,
        status="yes",
        checked_in_at=starts,
        hours=hours,
    )


def _texts(language: str, record: Record, name: str) -> list[str]:
    figure = Figure(figsize=A4)
    draw(figure, Translator("fi", TZ).texts(language), record, name=name, issued=date(2026, 12, 4))
    return [text.get_text() for text in figure.texts]


def test_the_page_says_who_what_and_how_much_in_the_readers_language() -> None:
    record = Record(2026, (), (_row(0, 2.0), _row(1, 1.5, None)))
    written = _texts("fi", record, "Äänekoski Öberg")
    assert written[:4] == [
        "Todistus vapaaehtoistyöstä",
        "2026",
        "Tällä todistuksella vahvistetaan, että",
        "Äänekoski Öberg",
    ]
    assert written[4] == (
        "teki vapaaehtoistyötä vuonna 2026 yhteensä 2 vuoroa. Järjestäjät: Kylät ry, verkosto"
    )
    assert written[5:10] == ["Päivä", "Aika", "Tehtävä", "Järjestäjä", "Tunnit"]
    # Stored text is drawn as written (no HTML escapes), hours in the Finnish way.
    assert written[10:15] == ["2.3.2026", "10.00–12.00", "Messut & myyjäiset 0", "Kylät ry", "2 h"]
    assert written[15:20] == [
        "3.3.2026",
        "10.00–12.00",
        "Messut & myyjäiset 1",
        "verkosto",
        "1,5 h",
    ]
    assert "Yhteensä: 3,5 h" in written and "Annettu 4.12.2026" in written
    assert any("läsnäolotiedoista" in text for text in written)
    assert filename(Translator("fi", TZ).texts("fi"), 2026) == "todistus-2026.pdf"


def test_a_long_record_is_summarised_on_one_page() -> None:
    record = Record(2026, (), tuple(_row(i, 2.0) for i in range(40)))
    written = _texts("sv", record, "Sven")
    dates = [text for text in written if re.fullmatch(r"\d+\.\d+\.2026", text)]
    assert len(dates) == MAX_ROWS - 1
    assert "… och 16 pass till" in written
    assert "Totalt: 80 h" in written  # every shift counted, also those not listed
    pdf = certificate_pdf(
        Translator("fi", TZ).texts("sv"), record, name="Sven", issued=date(2026, 12, 4)
    )
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 1


def test_the_pdf_is_stable_with_embedded_truetype_and_any_name() -> None:
    t = Translator("fi", TZ).texts("en")
    record = Record(2026, (), (_row(0, None),))  # hours missing: the shift's length
    assert "2 h" in _texts("en", record, "x")
    first = certificate_pdf(t, record, name="Äänekoski Öberg 🙂 Щука", issued=date(2026, 12, 4))
    again = certificate_pdf(t, record, name="Äänekoski Öberg 🙂 Щука", issued=date(2026, 12, 4))
    assert first.startswith(b"%PDF") and len(first) > 1000
    assert first == again
    assert b"/FontFile2" in first and b"DejaVuSans" in first
    assert b"CreationDate" not in first
