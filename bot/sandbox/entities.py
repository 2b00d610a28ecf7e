"""Building blocks shared by the markup parsers: entities, UTF-16 lengths, URLs, trimming."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

__all__ = [
    "SPACE",
    "Entity",
    "Output",
    "ParseError",
    "byte_offset",
    "check_url",
    "trim",
    "user_id_of",
    "utf16_len",
]

SPACE = frozenset(" \t\r\n\v\f")
# What Telegram strips from both ends of a message text or caption.
_TRIM = " \t\r\n\v\f\u00a0\u2028\u2029"


class ParseError(ValueError):
    """Markup Telegram would refuse; the message is Telegram's, without the common prefix."""


@dataclass(frozen=True, slots=True)
class Entity:
    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None
    user_id: int | None = None  # text_mention; the server fills in the User object

    def to_api(self) -> dict[str, object]:
        data: dict[str, object] = {"type": self.type, "offset": self.offset, "length": self.length}
        if self.url is not None:
            data["url"] = self.url
        if self.language is not None:
            data["language"] = self.language
        if self.custom_emoji_id is not None:
            data["custom_emoji_id"] = self.custom_emoji_id
        if self.user_id is not None:
            data["user"] = {"id": self.user_id, "is_bot": False, "first_name": str(self.user_id)}
        return data


def utf16_len(text: str) -> int:
    # Characters outside the BMP take two UTF-16 units; counting them beats encoding the text.
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


class Output:
    """The plain text being built, with its length in UTF-16 units so far."""

    __slots__ = ("length", "parts")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += utf16_len(text)

    def text(self) -> str:
        return "".join(self.parts)

    def since(self, chars: int) -> str:
        return self.text()[chars:]

    def chars(self) -> int:
        return sum(len(p) for p in self.parts)


def user_id_of(url: str) -> int | None:
    """The user id of a tg://user?id=… link, which becomes a text_mention."""
    match = re.fullmatch(r"tg:(?://)?user/?\?(?:[^#]*&)?id=(\d{1,19})(?:[&#].*)?", url, re.I)
    return int(match.group(1)) if match else None


def check_url(url: str) -> str | None:
    """The URL as Telegram normalises it, or None when Telegram would drop the link."""
    url = url.strip()
    if not url or any(ch in SPACE for ch in url):
        return None
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):(//)?", url)
    if match is None or (match.group(2) is None and match.group(1).lower() in ("http", "https")):
        url = "http://" + url
        match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):(//)?", url)
        assert match is not None
    scheme = match.group(1).lower()
    if scheme in ("http", "https", "ftp"):
        rest = url[match.end() :]
        host = re.split(r"[/?#]", rest, maxsplit=1)[0]
        if not host or host.startswith(".") or ("." not in host.strip(".") and host != "localhost"):
            return None
        if rest == host:
            url += "/"
    return url


def trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Strip surrounding whitespace as Telegram does, shifting and clipping the entities."""
    stripped = text.strip(_TRIM)
    if stripped == text:
        return text, entities
    left = utf16_len(text[: len(text) - len(text.lstrip(_TRIM))])
    size = utf16_len(stripped)
    kept: list[Entity] = []
    for entity in entities:
        start = max(entity.offset - left, 0)
        end = min(entity.offset + entity.length - left, size)
        if end > start:
            kept.append(replace(entity, offset=start, length=end - start))
    return stripped, kept
