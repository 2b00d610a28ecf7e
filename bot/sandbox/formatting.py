"""Telegram's text formatting as the Bot API applies it: parse_mode parsing, then trimming.

Offsets and lengths are UTF-16 code units, as Telegram counts; parse errors carry Telegram's own
wording (the server prefixes "Bad Request: can't parse entities: ").
"""

from __future__ import annotations

from collections.abc import Callable

from bot.sandbox.entities import Entity, ParseError, trim, utf16_len
from bot.sandbox.html_markup import parse_html
from bot.sandbox.markdown import parse_markdown, parse_markdown_v2

__all__ = ["PARSE_MODES", "Entity", "ParseError", "format_text", "parse", "utf16_len"]

_PARSERS: dict[str, Callable[[str], tuple[str, list[Entity]]]] = {
    "html": parse_html,
    "markdownv2": parse_markdown_v2,
    "markdown": parse_markdown,
}
PARSE_MODES = frozenset(_PARSERS)


def parse(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Plain text and entities for the parse_mode (None or "": the text as it is)."""
    mode = (parse_mode or "").lower()
    if not mode:
        return text, []
    parser = _PARSERS.get(mode)
    if parser is None:
        raise ParseError(f'Unsupported parse_mode "{parse_mode}"')
    return parser(text)


def format_text(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """What the recipient sees: parsed, then trimmed."""
    plain, entities = parse(text, parse_mode)
    return trim(plain, entities)
