"""Translations (gettext catalogs compiled with Babel) and locale-aware formatting.

Catalogs live in `bot/core/locales/<lang>/LC_MESSAGES/<area>.po`, one file per feature area so that
features can be added without touching each other's catalogs; all areas of a language are merged.
Source strings (msgids) are English with named placeholders: `_("Hello {name}")`.

Placeholder values are HTML-escaped because every message is sent with parse_mode HTML; a value
that is already safe markup is passed wrapped in `Html`.
"""

from __future__ import annotations

import functools
import gettext
import html
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from importlib import resources
from importlib.abc import Traversable
from typing import Any

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

__all__ = ["LANGUAGE_NAMES", "N_", "Html", "Texts", "Translator", "pick_language", "shorten"]

LANGUAGES: tuple[str, ...] = ("fi", "sv", "en")
# Shown on the language buttons in the language itself, so a reader always finds their own.
LANGUAGE_NAMES: dict[str, str] = {"fi": "Suomi", "sv": "Svenska", "en": "English"}


_DATE_PATTERNS = {"fi": "EEE d.M.yyyy", "sv": "EEE d.M.yyyy", "en": "EEE d MMM yyyy"}


class Html(str):
    """A string that is already valid Telegram HTML and must not be escaped again."""

    __slots__ = ()


def escape(value: object) -> str:
    if isinstance(value, Html):
        return str(value)
    return html.escape(str(value), quote=False)


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, an ellipsis marking a cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


def pick_language(stored: str | None, telegram_code: str | None, default: str) -> str:
    """Stored choice first, then the Telegram client's language (fi/sv/en), then the default."""
    if stored in LANGUAGES:
        return stored
    if telegram_code:
        base = telegram_code.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return default


def _compile(po_files: Iterable[Traversable], language: str) -> gettext.GNUTranslations:
    """One compiled catalog of all the areas' files: a lookup is one dictionary read. (Chained
    as gettext fallbacks, a text of the last area walked the whole chain, on every text of
    every tap.) The first area holding a msgid wins, as it did in the chain."""
    merged = Catalog(locale=language)
    for po_file in po_files:
        with po_file.open("rb") as fh:
            catalog = read_po(fh, locale=language)
        for message in catalog:
            if message.id and merged.get(message.id) is None:
                merged[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def catalog_files(language: str) -> list[Traversable]:
    folder = resources.files("bot.core").joinpath("locales", language, "LC_MESSAGES")
    return sorted((f for f in folder.iterdir() if f.name.endswith(".po")), key=lambda f: f.name)


@dataclass(frozen=True, slots=True)
class Texts:
    """Translations and formatting for one language and time zone."""

    language: str
    translations: gettext.NullTranslations
    timezone: tzinfo

    def _(self, message: str, /, **values: Any) -> str:
        text = self.translations.gettext(message)
        if not values:
            return text
        return text.format(**{key: escape(value) for key, value in values.items()})

    def n_(self, singular: str, plural: str, count: int, /, **values: Any) -> str:
        text = self.translations.ngettext(singular, plural, count)
        escaped = {key: escape(value) for key, value in values.items()}
        return text.format(n=self.number(count), **escaped)

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.language)

    def number(self, value: float) -> str:
        return _decimal(value, self.language)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.timezone)

    def when(self, moment: datetime) -> str:
        """Weekday, date and time in the reader's language, e.g. "ti 1.12.2026 klo 17.30"."""
        return self._("{day} at {time}", day=self.day(moment), time=self.clock(moment))

    def day(self, value: date | datetime) -> str:
        if isinstance(value, datetime):
            value = self.local(value)
        return format_date(value, _DATE_PATTERNS[self.language], locale=self.language)

    def clock(self, moment: datetime) -> str:
        pattern = "HH:mm" if self.language == "en" else "H.mm"
        return format_time(self.local(moment), pattern, locale=self.language)


@functools.lru_cache(maxsize=2048)
def _decimal(value: float, language: str) -> str:
    # Babel parses the locale's pattern on every call; cards show the same few counts again and
    # again (after every RSVP tap), so the formatted ones are kept.
    return format_decimal(value, locale=language)


class Translator:
    """All languages' catalogs, loaded and compiled once at start-up."""

    def __init__(self, default_language: str, timezone: tzinfo) -> None:
        self.default_language = default_language
        self.timezone = timezone
        self._translations: dict[str, gettext.NullTranslations] = {}
        for language in LANGUAGES:
            self._translations[language] = _compile(catalog_files(language), language)

    def texts(self, language: str | None) -> Texts:
        lang = language if language in LANGUAGES else self.default_language
        assert lang is not None
        return Texts(lang, self._translations[lang], self.timezone)

    def all(self) -> Iterable[Texts]:
        return (self.texts(language) for language in LANGUAGES)
