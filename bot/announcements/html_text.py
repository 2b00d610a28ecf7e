"""Telegram HTML written outside a chat (the `announce` command's --text): checked before it is
queued, so that a broken tag fails the command instead of every one of the broadcast's sends,
and measured as the text recipients see.

Only what Telegram accepts passes: its tags, each closed in order, and the character references
it knows (`&lt;` `&gt;` `&amp;` `&quot;` and numeric ones; any other stays as typed).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["HtmlError", "plain_text"]

_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins"}
    | {"tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote"}
)
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class HtmlError(ValueError):
    """Why Telegram would refuse the text."""


# `</>`: Python's parser skips an empty end tag without a word; Telegram refuses it.
_EMPTY_END_TAG = re.compile(r"</\s*>")


class _Reader(HTMLParser):
    """Python's HTML parser, with everything it would skip quietly (comments, declarations,
    processing instructions, `<b/>`) refused as Telegram refuses it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.parts: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TAGS:
            raise HtmlError(f'Unsupported start tag "{tag}"')
        if tag == "span" and ("class", "tg-spoiler") not in attrs:
            raise HtmlError('Tag "span" must have class "tg-spoiler"')
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise HtmlError(f'Unsupported start tag "{tag}/"')

    def handle_comment(self, data: str) -> None:
        raise HtmlError('Unsupported start tag "!--"')

    def handle_decl(self, decl: str) -> None:
        raise HtmlError(f'Unsupported start tag "!{decl.split()[0] if decl else ""}"')

    def unknown_decl(self, data: str) -> None:
        raise HtmlError(f'Unsupported start tag "![{data[:10]}"')

    def handle_pi(self, data: str) -> None:
        raise HtmlError('Unsupported start tag "?"')

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            raise HtmlError(f'Unmatched end tag "{tag}"')
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data:  # what the parser gives back of a tag it could not read
            raise HtmlError(f"Unclosed start tag {data[data.index('<') :][:20]!r}")
        self.parts.append(data)

    def handle_entityref(self, name: str) -> None:
        self.parts.append(_NAMED.get(name, f"&{name};"))

    def handle_charref(self, name: str) -> None:
        try:
            code = int(name[1:], 16) if name[:1] in "xX" else int(name)
            self.parts.append(chr(code) if 0 < code < 0x10FFFF else f"&#{name};")
        except ValueError:
            self.parts.append(f"&#{name};")


def plain_text(html: str) -> str:
    """The text a recipient sees (tags dropped, references decoded); HtmlError when Telegram
    would refuse the HTML."""
    if _EMPTY_END_TAG.search(html):
        raise HtmlError('Empty end tag "</>"')
    reader = _Reader()
    reader.feed(html)
    reader.close()
    if reader.open:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{reader.open[-1]}"')
    return "".join(reader.parts)
