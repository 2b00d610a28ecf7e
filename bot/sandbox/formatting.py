"""Telegram's text formatting, as the Bot API parses it: HTML, MarkdownV2 and legacy Markdown.

Each parser returns the plain text a user would see and its entities (offsets and lengths in
UTF-16 code units, as Telegram counts), or raises `ParseError` with Telegram's wording, which the
server turns into "Bad Request: can't parse entities: …".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Entity", "ParseError", "parse", "utf16_len"]

# Tag → entity type; Telegram accepts these and nothing else.
_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ATTR = re.compile(r'\s*([a-zA-Z_:-]+)\s*(?:=\s*(?:"([^"]*)"|\'([^\']*)\'|([^\s"\'>]+)))?')
_MD2_RESERVED = set("_*[]()~`>#+-=|{}.!")


class ParseError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Entity:
    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None

    def to_api(self) -> dict[str, object]:
        data: dict[str, object] = {"type": self.type, "offset": self.offset, "length": self.length}
        if self.url is not None:
            data["url"] = self.url
        if self.language is not None:
            data["language"] = self.language
        return data


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


@dataclass
class _Open:
    tag: str
    start: int  # UTF-16 offset in the output
    url: str | None = None
    language: str | None = None


class _Output:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0  # UTF-16 units so far

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += utf16_len(text)

    def text(self) -> str:
        return "".join(self.parts)


def _html_entity(source: str, index: int) -> tuple[str, int]:
    """Decode `&…;` at index; a lone ampersand stays literal."""
    end = source.find(";", index)
    if end == -1 or end - index > 10:
        return "&", index + 1
    name = source[index + 1 : end]
    if name in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[name], end + 1
    if re.fullmatch(r"#\d{1,7}", name) or re.fullmatch(r"#[xX][0-9a-fA-F]{1,6}", name):
        code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
        if 0 < code <= 0x10FFFF:
            return chr(code), end + 1
    if re.fullmatch(r"[a-zA-Z]+", name):
        raise ParseError(
            f'Unsupported HTML entity "&{name};" at byte offset {_byte_offset(source, index)}'
        )
    return "&", index + 1


def _open_tag(source: str, index: int, body: str, out: _Output) -> _Open:
    match = re.match(r"([a-zA-Z][a-zA-Z0-9-]*)", body)
    if not match:
        raise ParseError(f"Unexpected start tag at byte offset {_byte_offset(source, index)}")
    tag = match.group(1).lower()
    if tag not in _HTML_TAGS:
        raise ParseError(
            f'Unsupported start tag "{tag}" at byte offset {_byte_offset(source, index)}'
        )
    attrs: dict[str, str] = {}
    for attr in _ATTR.finditer(body[match.end() :]):
        if attr.group(1):
            attrs[attr.group(1).lower()] = attr.group(2) or attr.group(3) or attr.group(4) or ""
    opened = _Open(tag, out.length)
    if tag == "a":
        if not attrs.get("href"):
            raise ParseError(
                f"Can't find href attribute at byte offset {_byte_offset(source, index)}"
            )
        opened.url = attrs["href"]
    elif tag == "span" and attrs.get("class") != "tg-spoiler":
        raise ParseError(
            f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(source, index)}'
        )
    elif tag == "code" and attrs.get("class", "").startswith("language-"):
        opened.language = attrs["class"][len("language-") :]
    return opened


def parse_html(source: str) -> tuple[str, list[Entity]]:
    out = _Output()
    stack: list[_Open] = []
    entities: list[Entity] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch == "<":
            end = source.find(">", i)
            if end == -1:
                raise ParseError(f"Unclosed start tag at byte offset {_byte_offset(source, i)}")
            body = source[i + 1 : end].strip()
            if body.startswith("/"):
                name = body[1:].strip().lower()
                if not stack:
                    raise ParseError(f"Unexpected end tag at byte offset {_byte_offset(source, i)}")
                top = stack[-1]
                if name != top.tag:
                    raise ParseError(
                        f"Unmatched end tag at byte offset {_byte_offset(source, i)}, expected "
                        f'"</{top.tag}>", found "</{name}>"'
                    )
                stack.pop()
                length = out.length - top.start
                if length > 0:
                    kind = _HTML_TAGS[top.tag]
                    if top.tag == "blockquote" and "expandable" in source[i:end]:
                        kind = "expandable_blockquote"
                    entities.append(Entity(kind, top.start, length, top.url, top.language))
            else:
                stack.append(_open_tag(source, i, body, out))
            i = end + 1
        elif ch == "&":
            decoded, i = _html_entity(source, i)
            out.add(decoded)
        else:
            j = i
            while j < n and source[j] not in "<&":
                j += 1
            out.add(source[i:j])
            i = j
    if stack:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e.offset, -e.length))
    return out.text(), entities


_MD2_MARKS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}
_MD2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
}


def parse_markdown_v2(source: str) -> tuple[str, list[Entity]]:
    out = _Output()
    entities: list[Entity] = []
    stack: list[tuple[str, int, int]] = []  # mark, output offset, source index
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch == "\\":
            if i + 1 >= n or not 0 < ord(source[i + 1]) < 127:
                raise ParseError(
                    "Character '\\' is reserved and must be escaped with the preceding '\\'"
                )
            out.add(source[i + 1])
            i += 2
            continue
        if ch == "`":
            fence = source.startswith("```", i)
            closing = source.find("```" if fence else "`", i + (3 if fence else 1))
            if closing == -1:
                kind = "Pre" if fence else "Code"
                raise ParseError(
                    f"Can't find end of {kind} entity at byte offset {_byte_offset(source, i)}"
                )
            inner = source[i + (3 if fence else 1) : closing]
            language = None
            if fence and "\n" in inner:
                first, rest = inner.split("\n", 1)
                if first and re.fullmatch(r"[\w+-]+", first):
                    language, inner = first, rest
            inner = re.sub(r"\\([`\\])", r"\1", inner)
            start = out.length
            out.add(inner)
            entities.append(
                Entity("pre" if fence else "code", start, out.length - start, language=language)
            )
            i = closing + (3 if fence else 1)
            continue
        mark = "__" if source.startswith("__", i) else "||" if source.startswith("||", i) else ch
        if mark in _MD2_MARKS:
            if stack and stack[-1][0] == mark:
                _, start, _ = stack.pop()
                if out.length > start:
                    entities.append(Entity(_MD2_MARKS[mark], start, out.length - start))
            else:
                stack.append((mark, out.length, i))
            i += len(mark)
            continue
        if ch == "[":
            stack.append(("[", out.length, i))
            i += 1
            continue
        if ch == "]" and stack and stack[-1][0] == "[":
            _, start, at = stack.pop()
            if not source.startswith("(", i + 1):
                raise ParseError(
                    f"Can't find end of TextUrl entity at byte offset {_byte_offset(source, at)}"
                )
            close = source.find(")", i + 2)
            if close == -1:
                raise ParseError(
                    f"Can't find end of TextUrl entity at byte offset {_byte_offset(source, at)}"
                )
            url = source[i + 2 : close].replace("\\)", ")").replace("\\\\", "\\")
            entities.append(Entity("text_link", start, out.length - start, url=url))
            i = close + 1
            continue
        if ch in _MD2_RESERVED:
            raise ParseError(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        out.add(ch)
        i += 1
    if stack:
        mark, _, at = stack[-1]
        name = "TextUrl" if mark == "[" else _MD2_NAMES[_MD2_MARKS[mark]]
        raise ParseError(
            f"Can't find end of {name} entity at byte offset {_byte_offset(source, at)}"
        )
    entities.sort(key=lambda e: (e.offset, -e.length))
    return out.text(), entities


def parse_markdown(source: str) -> tuple[str, list[Entity]]:
    """Legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting."""
    out = _Output()
    entities: list[Entity] = []
    i, n = 0, len(source)
    pairs = {"*": "bold", "_": "italic"}
    while i < n:
        ch = source[i]
        if ch == "\\" and i + 1 < n and source[i + 1] in "*_`[":
            out.add(source[i + 1])
            i += 2
        elif ch in pairs or ch == "`":
            fence = ch == "`" and source.startswith("```", i)
            token = "```" if fence else ch
            close = source.find(token, i + len(token))
            if close == -1:
                name = {"*": "bold", "_": "italic"}.get(ch, "code")
                raise ParseError(
                    f"Can't find end of the entity starting at byte offset "
                    f"{_byte_offset(source, i)} ({name})"
                )
            start = out.length
            out.add(source[i + len(token) : close])
            kind = pairs.get(ch, "pre" if fence else "code")
            entities.append(Entity(kind, start, out.length - start))
            i = close + len(token)
        elif ch == "[" and (m := re.match(r"\[([^\]]*)\]\(([^)]*)\)", source[i:])):
            start = out.length
            out.add(m.group(1))
            entities.append(Entity("text_link", start, out.length - start, url=m.group(2)))
            i += m.end()
        else:
            out.add(ch)
            i += 1
    return out.text(), entities


def parse(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Plain text and entities for the given parse_mode (None: the text as it is)."""
    mode = (parse_mode or "").lower()
    if not mode:
        return text, []
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise ParseError(f'Unsupported parse_mode "{parse_mode}"')
