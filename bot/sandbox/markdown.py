"""Telegram's MarkdownV2 and legacy Markdown parse modes, following TDLib's parsers.

MarkdownV2 refuses every reserved character that is not escaped, which is what bots most often
trip over; the wording of each error is TDLib's.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.sandbox.entities import (
    SPACE,
    Entity,
    Output,
    ParseError,
    byte_offset,
    check_url,
    user_id_of,
)

__all__ = ["parse_markdown", "parse_markdown_v2"]

_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_CODE_RESERVED = frozenset("`")
# Entity kinds as TDLib names them in "Can't find end of … entity" errors → Bot API types.
_API_TYPES = {
    "Bold": "bold",
    "Italic": "italic",
    "Underline": "underline",
    "Strikethrough": "strikethrough",
    "Spoiler": "spoiler",
    "Code": "code",
    "Pre": "pre",
    "PreCode": "pre",
    "TextUrl": "text_link",
    "CustomEmoji": "custom_emoji",
}


@dataclass(slots=True)
class _Open:
    kind: str
    offset: int  # UTF-16 offset in the output
    chars: int  # code points in the output, for links whose text is their URL
    at: int  # index in the source, reported as a byte offset
    language: str | None = None


def _char(text: str, i: int) -> str:
    return text[i] if i < len(text) else ""


def _is_end(kind: str, text: str, i: int) -> bool:
    ch, following = text[i], _char(text, i + 1)
    if kind == "Italic":
        return ch == "_" and following != "_"
    if kind == "Underline":
        return ch == "_" and following == "_"
    if kind == "Spoiler":
        return ch == "|" and following == "|"
    if kind in ("Pre", "PreCode"):
        return text.startswith("```", i)
    if kind in ("TextUrl", "CustomEmoji"):
        return ch == "]"
    return ch == {"Bold": "*", "Strikethrough": "~", "Code": "`"}[kind]


def _open_pre(text: str, i: int) -> tuple[_Open, int]:
    """A ``` block at i: an optional language on the first line, whose newline is dropped."""
    start = i
    i += 3
    end = i
    while end < len(text) and text[end] not in SPACE and text[end] != "`":
        end += 1
    opened = _Open("Pre", 0, 0, start)
    if end != i and end < len(text) and text[end] != "`":
        opened.kind, opened.language = "PreCode", text[i:end]
        i = end
    if _char(text, i) in ("\n", "\r"):
        pair = _char(text, i + 1) in ("\n", "\r") and text[i] != text[i + 1]
        i += 2 if pair else 1
    return opened, i


def _link_target(text: str, i: int, opened: _Open, out: Output) -> tuple[str, int]:
    """The URL after `]` at i, and the index after it."""
    if _char(text, i + 1) != "(":
        return out.since(opened.chars), i + 1
    i += 2
    start = i
    parts: list[str] = []
    while i < len(text) and text[i] != ")":
        if text[i] == "\\" and 0 < ord(_char(text, i + 1) or "\0") <= 126:
            parts.append(text[i + 1])
            i += 2
            continue
        parts.append(text[i])
        i += 1
    if i >= len(text):
        raise ParseError(f"Can't find end of a URL at byte offset {byte_offset(text, start)}")
    return "".join(parts), i + 1


def parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    out = Output()
    entities: list[Entity] = []
    stack: list[_Open] = []
    quote: tuple[int, int] | None = None  # open blockquote: UTF-16 offset, source index
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and 0 < ord(_char(text, i + 1) or "\0") <= 126:
            out.add(text[i + 1])
            i += 2
            continue
        in_code = bool(stack) and stack[-1].kind in ("Code", "Pre", "PreCode")
        line_start = i == 0 or text[i - 1] == "\n"
        if ch == ">" and line_start and not in_code:
            if quote is None:
                quote = (out.length, i)
            i += 1
            continue
        if ch == "\n" and quote is not None and _char(text, i + 1) != ">" and not in_code:
            if out.length > quote[0]:
                entities.append(Entity("blockquote", quote[0], out.length - quote[0]))
            quote = None
        if ch not in (_CODE_RESERVED if in_code else _RESERVED):
            j = i + 1
            while j < n and text[j] not in _RESERVED and text[j] not in "\\\n":
                j += 1
            out.add(text[i:j])
            i = j
            continue
        if stack and _is_end(stack[-1].kind, text, i):
            i = _close(text, i, stack.pop(), out, entities)
            continue
        opened: _Open
        if ch == "_" and _char(text, i + 1) == "_":
            opened, i = _Open("Underline", 0, 0, i), i + 2
        elif ch == "|" and _char(text, i + 1) == "|":
            opened, i = _Open("Spoiler", 0, 0, i), i + 2
        elif ch == "!" and _char(text, i + 1) == "[":
            opened, i = _Open("CustomEmoji", 0, 0, i), i + 2
        elif ch == "`" and text.startswith("```", i):
            opened, i = _open_pre(text, i)
        elif ch in "_*~[`":
            kinds = {"_": "Italic", "*": "Bold", "~": "Strikethrough", "[": "TextUrl", "`": "Code"}
            opened, i = _Open(kinds[ch], 0, 0, i), i + 1
        else:
            raise ParseError(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        opened.offset, opened.chars = out.length, out.chars()
        stack.append(opened)
    if stack:
        last = stack[-1]
        raise ParseError(
            f"Can't find end of {last.kind} entity at byte offset {byte_offset(text, last.at)}"
        )
    if quote is not None and out.length > quote[0]:
        entities.append(Entity("blockquote", quote[0], out.length - quote[0]))
    entities.sort(key=lambda e: (e.offset, -e.length))
    return out.text(), entities


def _close(text: str, i: int, opened: _Open, out: Output, entities: list[Entity]) -> int:
    """Close the entity whose end marker is at i; returns the index after the marker."""
    kind, offset = opened.kind, opened.offset
    length = out.length - offset
    if kind in ("TextUrl", "CustomEmoji"):
        url, after = _link_target(text, i, opened, out)
        if length and kind == "CustomEmoji":
            emoji = url.removeprefix("tg://emoji?id=")
            if emoji == url or not emoji.isdigit():
                raise ParseError("Custom emoji entity must contain a tg://emoji URL")
            entities.append(Entity("custom_emoji", offset, length, custom_emoji_id=emoji))
        elif length and (user_id := user_id_of(url)) is not None:
            entities.append(Entity("text_mention", offset, length, user_id=user_id))
        elif length and (checked := check_url(url)) is not None:
            entities.append(Entity("text_link", offset, length, url=checked))
        return after
    if length:
        entities.append(Entity(_API_TYPES[kind], offset, length, language=opened.language))
    return i + {"Underline": 2, "Spoiler": 2, "Pre": 3, "PreCode": 3}.get(kind, 1)


def parse_markdown(text: str) -> tuple[str, list[Entity]]:
    """Legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting."""
    out = Output()
    entities: list[Entity] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and _char(text, i + 1) in ("_", "*", "`", "["):
            out.add(text[i + 1])
            i += 2
            continue
        if ch not in "_*`[":
            j = i + 1
            while j < n and text[j] not in "_*`[\\":
                j += 1
            out.add(text[i:j])
            i = j
            continue
        begin = i
        end_char = "]" if ch == "[" else ch
        language: str | None = None
        pre = ch == "`" and text.startswith("```", i)
        if pre:
            opened, i = _open_pre(text, i)
            language = opened.language
        else:
            i += 1
        offset = out.length
        while i < n and (text[i] != end_char or (pre and not text.startswith("```", i))):
            out.add(text[i])
            i += 1
        if i >= n:
            raise ParseError(
                f"Can't find end of the entity starting at byte offset {byte_offset(text, begin)}"
            )
        length = out.length - offset
        after = i + (3 if pre else 1)
        if ch == "[":
            url = text[begin + 1 : i]
            if _char(text, i + 1) == "(":
                close = text.find(")", i + 2)
                close = n if close == -1 else close
                url, after = text[i + 2 : close], close + 1
            user_id = user_id_of(url)
            checked = check_url(url)
            if length and user_id is not None:
                entities.append(Entity("text_mention", offset, length, user_id=user_id))
            elif length and checked is not None:
                entities.append(Entity("text_link", offset, length, url=checked))
        elif length:
            kind = {"_": "italic", "*": "bold"}.get(ch, "pre" if pre else "code")
            entities.append(Entity(kind, offset, length, language=language))
        i = after
    return out.text(), entities
