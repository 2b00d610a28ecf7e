"""Translation catalogs: complete in fi, sv and en, placeholders intact, formatting per locale."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.i18n import Html, Translator, catalog_files, pick_language
from tools.messages import LANGUAGES, catalogs, extract

_FIELDS = string.Formatter()


def _placeholders(text: object) -> set[str]:
    assert isinstance(text, str)
    return {name for _, name, _, _ in _FIELDS.parse(text) if name is not None}


def _tags(text: object) -> list[str]:
    assert isinstance(text, str)
    return re.findall(r"</?[a-z-]+", text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalog_entry_is_translated_with_the_same_placeholders(language: str) -> None:
    entries = [m for c in catalogs(language).values() for m in c if m.id]
    assert entries, f"no catalog for {language}"
    for message in entries:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{language}: untranslated {ids[0]!r}"
        expected = set().union(*(_placeholders(i) for i in ids))
        for translated in strings:
            assert _placeholders(translated) <= expected | {"n"}, (language, ids[0], translated)
            assert _placeholders(translated) >= _placeholders(ids[0]) - {"n"}, (language, ids[0])
            assert sorted(_tags(translated)) == sorted(_tags(ids[0])), (language, ids[0])


def test_code_and_catalogs_agree() -> None:
    """Every string the code marks is in every catalog, and no catalog keeps unused strings."""
    used = {k if isinstance(k, str) else k[0] for k in extract()}
    for language in LANGUAGES:
        known = {
            m.id if isinstance(m.id, str) else m.id[0]
            for c in catalogs(language).values()
            for m in c
            if m.id
        }
        assert sorted(used - known) == [], f"{language}: missing translations"
        assert sorted(known - used) == [], f"{language}: unused catalog entries"


def test_every_language_has_the_same_catalog_files() -> None:
    names = {lang: sorted(f.name for f in catalog_files(lang)) for lang in LANGUAGES}
    assert names["fi"] == names["sv"] == names["en"]


def test_translation_escapes_values_but_not_html_markers() -> None:
    translator = Translator("fi", ZoneInfo("Europe/Helsinki"))
    fi = translator.texts("fi")
    text = fi._("I don't know the command {command}. /help lists what I can do.", command="<b>")
    assert text == "En tunne komentoa &lt;b&gt;. /help kertoo, mitä osaan."
    marked = fi._(
        "I don't know the command {command}. /help lists what I can do.", command=Html("<b>x</b>")
    )
    assert "<b>x</b>" in marked
    assert translator.texts("de").language == "fi"


def test_dates_and_times_per_locale() -> None:
    translator = Translator("fi", ZoneInfo("Europe/Helsinki"))
    moment = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)  # 17.30 in Helsinki
    assert translator.texts("fi").when(moment) == "ti 1.12.2026 klo 17.30"
    assert translator.texts("sv").when(moment) == "tis 1.12.2026 kl. 17.30"
    assert translator.texts("en").when(moment) == "Tue 1 Dec 2026 at 17:30"
    assert translator.texts("fi").number(1234.5) == "1\xa0234,5"


@pytest.mark.parametrize(
    ("stored", "client", "expected"),
    [
        ("sv", "en-GB", "sv"),
        (None, "en-GB", "en"),
        (None, "de", "fi"),
        (None, None, "fi"),
        ("xx", "sv", "sv"),
    ],
)
def test_language_resolution_order(stored: str | None, client: str | None, expected: str) -> None:
    assert pick_language(stored, client, "fi") == expected
