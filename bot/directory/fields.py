"""What an association may publish, field by field: the names the fields go by in three
languages, and the checks every value passes before it is stored (by /profile in a group and by
the private-chat listing wizard alike).

A value that fails a check raises `Refused` with the localized explanation; nothing is stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from bot.core.config import Theme
from bot.core.i18n import Texts
from bot.core.place_search import PlaceIndex, split_names
from bot.directory.languages import match_language
from bot.subscriptions.rules import match_theme
from storage.listings import Listing

__all__ = [
    "FIELDS",
    "MAX_ABOUT",
    "MAX_CONTACT",
    "MAX_NAME",
    "Refused",
    "apply_field",
    "check_markup",
    "field_name",
    "parse_about",
    "parse_contact",
    "parse_join_link",
    "parse_languages",
    "parse_municipalities",
    "parse_name",
    "parse_themes",
    "parse_yes_no",
]

MAX_NAME = 100
MAX_ABOUT = 500
MAX_CONTACT = 200
CLEAR = "-"  # an optional field's value that empties it

# Canonical field → the words for it (English first: the interface the docs promise).
FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name", "nimi", "namn"),
    "municipality": ("municipality", "municipalities", "kunta", "kunnat", "kommun", "kommuner"),
    "themes": ("themes", "teemat", "teman"),
    "contact": ("contact", "yhteystieto", "kontakt"),
    "about": ("about", "kuvaus", "beskrivning"),
    "languages": ("languages", "kielet", "språk"),
    "volunteers": ("volunteers", "vapaaehtoiset", "frivilliga"),
    "joinlink": ("joinlink", "liittymislinkki", "anslutningslänk"),
    "clear": ("clear", "tyhjennä", "rensa"),
    "publish": ("publish", "julkaise", "publicera"),
    "unpublish": ("unpublish", "yksityiseksi", "avpublicera"),
}
_BY_WORD = {word: field for field, words in FIELDS.items() for word in words}

_HTML = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9]*(\s[^<>]*)?/?\s*>|&[a-zA-Z]+;|&#\d+;")
_MARKDOWN = re.compile(
    r"\*\*[^*\n]+\*\*|__[^_\n]+__|~~[^~\n]+~~|\[[^\]\n]+\]\([^)\n]+\)|`[^`\n]+`"
    r"|(?<![\w*])\*[^*\s][^*\n]*\*(?![\w*])"
)
_TELEGRAM = re.compile(r"^(https?://)?(t\.me|telegram\.me)/\+?[A-Za-z0-9_/-]{2,}$", re.I)
_USERNAME = re.compile(r"^@[A-Za-z][A-Za-z0-9_]{3,31}$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^(\+\d{6,15}|0\d{5,12})$")
_PHONE_PUNCTUATION = re.compile(r"[\s().-]")
_WEB = re.compile(r"^(https?://|www\.)[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:\d+)?([/?#]\S*)?$", re.I)
_INVITE = re.compile(r"^(https://)?t\.me/(\+|joinchat/)?[A-Za-z0-9_-]{4,}$", re.I)
_YES = frozenset({"yes", "y", "kyllä", "kylla", "k", "ja", "j", "true", "1"})
_NO = frozenset({"no", "n", "ei", "e", "nej", "false", "0"})


class Refused(Exception):
    """A value that may not be stored; `text` tells the person why, in their language."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def field_name(word: str) -> str | None:
    """The canonical field (or action) a typed word names, in any of the three languages."""
    return _BY_WORD.get(word.casefold())


def check_markup(value: str, t: Texts) -> None:
    """HTML or Markdown would show as code in a card or be read as formatting: refused."""
    if _HTML.search(value) or _MARKDOWN.search(value):
        raise Refused(
            t._(
                "Please write plain text: HTML tags (like {tag}) and Markdown (like **bold**, "
                "[text](link) or `code`) are not allowed.",
                tag="<b>",
            )
        )


def _text(value: str, limit: int, too_long: str, t: Texts) -> str:
    value = " ".join(value.split()) if "\n" not in value else value.strip()
    if len(value) > limit:
        raise Refused(too_long)
    check_markup(value, t)
    return value


def parse_name(value: str, t: Texts) -> str:
    name = _text(
        value,
        MAX_NAME,
        t._("The name is too long (at most {limit} characters).", limit=MAX_NAME),
        t,
    )
    if not name:
        raise Refused(t._("Please give the association's name."))
    return name


def parse_about(value: str, t: Texts) -> str:
    return _text(
        value,
        MAX_ABOUT,
        t._(
            "That is {length} characters; “what we do” can be at most {limit}. "
            "Shorten it and send again.",
            length=len(value.strip()),
            limit=MAX_ABOUT,
        ),
        t,
    )


def parse_contact(value: str, t: Texts) -> str:
    """A t.me link or @username, an e-mail address, a phone number or a web address, kept as
    typed (only surrounding spaces go)."""
    contact = value.strip()
    if len(contact) > MAX_CONTACT:
        raise Refused(
            t._("The contact is too long (at most {limit} characters).", limit=MAX_CONTACT)
        )
    check_markup(contact, t)
    phone = _PHONE_PUNCTUATION.sub("", contact)
    if not any(
        pattern.match(candidate)
        for pattern, candidate in (
            (_TELEGRAM, contact),
            (_USERNAME, contact),
            (_EMAIL, contact),
            (_PHONE, phone),
            (_WEB, contact),
        )
    ):
        raise Refused(
            t._(
                "“{value}” is not a contact I can publish. Give a t.me link or @username, an "
                "e-mail address, a phone number (+358 40 123 4567 or 040 123 4567) or a web "
                "address (https://… or www.…).",
                value=contact[:60],
            )
        )
    return contact


def parse_municipalities(value: str, index: PlaceIndex, t: Texts) -> tuple[str, ...]:
    """ "Joensuu, Outokumpu": municipality codes, typos forgiven as in /subscribe."""
    codes: list[str] = []
    for name in split_names(value):
        result = index.search(name, limit=6)
        if result.exact is None or result.exact.kind != "municipality":
            raise Refused(t._("I could not find the municipality “{name}”.", name=name[:60]))
        if result.exact.code not in codes:
            codes.append(result.exact.code)
    if not codes:
        raise Refused(t._("Please name at least one municipality, e.g. “Joensuu, Outokumpu”."))
    return tuple(codes)


def parse_themes(value: str, themes: Iterable[Theme], t: Texts) -> tuple[str, ...]:
    available = tuple(themes)
    chosen: list[str] = []
    for part in value.replace(";", ",").split(","):
        if not part.strip():
            continue
        theme = match_theme(part, available)
        if theme is None:
            raise Refused(t._("I do not know the theme “{name}”.", name=part.strip()[:60]))
        if theme.id not in chosen:
            chosen.append(theme.id)
    return tuple(chosen)


def parse_languages(value: str, t: Texts) -> tuple[str, ...]:
    """ "suomi, arabia" → ("fi", "ar"); every unknown name is named in the refusal."""
    codes: list[str] = []
    unknown: list[str] = []
    for name in split_names(value):
        language = match_language(name)
        if language is None:
            unknown.append(name[:40])
        elif language.code not in codes:
            codes.append(language.code)
    if unknown:
        raise Refused(t._("I do not know the language(s): {names}.", names=", ".join(unknown[:5])))
    return tuple(codes)


def parse_yes_no(value: str, t: Texts) -> bool:
    word = value.strip().casefold()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise Refused(t._("Please answer yes or no (kyllä / ei, ja / nej)."))


def parse_join_link(value: str, t: Texts) -> str:
    """Only a Telegram invite or group link: the "Join the group" button opens it."""
    link = value.strip()
    if not _INVITE.match(link):
        raise Refused(
            t._(
                "The join link must be your group's Telegram link, like https://t.me/+AbCdEf123 "
                "or t.me/yourgroup."
            )
        )
    return link if link.lower().startswith("https://") else "https://" + link


def apply_field(
    base: Listing, field: str, value: str, index: PlaceIndex, themes: Iterable[Theme], t: Texts
) -> Listing:
    """The listing with one field changed (`field` canonical); raises Refused. "-" empties an
    optional field."""
    value = value.strip()
    if not value:
        raise Refused(t._("Please give a value after “{field}”.", field=field))
    clear = value == CLEAR
    if field == "name":
        return replace(base, name=parse_name(value, t))
    if field == "municipality":
        return replace(base, municipalities=parse_municipalities(value, index, t))
    if field == "themes":
        return replace(base, themes=() if clear else parse_themes(value, themes, t))
    if field == "contact":
        return replace(base, contact=None if clear else parse_contact(value, t))
    if field == "about":
        return replace(base, about="" if clear else parse_about(value, t))
    if field == "languages":
        return replace(base, languages=() if clear else parse_languages(value, t))
    if field == "volunteers":
        return replace(base, welcomes_volunteers=parse_yes_no(value, t))
    if field == "joinlink":
        return replace(base, join_link=None if clear else parse_join_link(value, t))
    raise Refused(t._("I do not know the profile field “{field}”.", field=field[:40]))
