"""Telegram's HTML parse_mode, following TDLib's `parse_html` (which the Bot API server uses).

The same input fails with the same wording: unknown tags and unbalanced markup are errors, while
unknown named references such as `&nbsp;` stay literal text, and `<a>` with an unusable URL just
loses its link.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.sandbox.entities import (
    SPACE,
    Entity,
    Output,
    ParseError,
    byte_offset,
    check_url,
    user_id_of,
)

__all__ = ["parse_html"]

_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins"}
    | {"tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote"}
)
_SIMPLE = {
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
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_NAME_TOKEN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")


def _decode_entity(source: str, index: int) -> tuple[str, int]:
    """Decode a character reference at index; ("", index) when it is not one Telegram knows."""
    n = len(source)
    end = index + 1
    if end < n and source[end] == "#":
        end += 1
        hexadecimal = end < n and source[end] == "x"
        digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
        end += hexadecimal
        start = end
        while end < n and source[end] in digits:
            end += 1
        if end == start or end - index >= 10:
            return "", index
        code = int(source[start:end], 16 if hexadecimal else 10)
        if code == 0 or code >= 0x10FFFF:
            return "", index
        decoded = chr(code)
    else:
        while end < n and source[end].isascii() and source[end].isalpha():
            end += 1
        named = _NAMED.get(source[index + 1 : end])
        if named is None:
            return "", index
        decoded = named
    if end < n and source[end] == ";":
        end += 1
    return decoded, end


@dataclass(slots=True)
class _Open:
    tag: str
    argument: str
    offset: int  # UTF-16 offset in the output
    chars: int  # code points in the output, to recover the inner text of <a>
    at: int  # byte offset of the tag in the source


def _start_tag(source: str, begin: int, out: Output) -> tuple[_Open, int]:
    """Parse `<tag attr=value …>` at begin; returns the open tag and the index after '>'."""
    n = len(source)
    at = byte_offset(source, begin)
    i = begin + 1
    while i < n and source[i] not in SPACE and source[i] != ">":
        i += 1
    if i >= n:
        raise ParseError(f"Unclosed start tag at byte offset {at}")
    tag = source[begin + 1 : i].lower()
    if tag not in _TAGS:
        raise ParseError(f'Unsupported start tag "{tag}" at byte offset {at}')
    argument = ""
    while i < n and source[i] != ">":
        while i < n and source[i] in SPACE:
            i += 1
        if i >= n:
            raise ParseError(f'Unclosed start tag "{tag}" at byte offset {at}')
        if source[i] == ">":
            break
        name_start = i
        while i < n and source[i] not in SPACE and source[i] not in "=>":
            i += 1
        name = source[name_start:i]
        if not name:
            raise ParseError(f'Empty attribute name in the tag "{tag}" at byte offset {at}')
        while i < n and source[i] in SPACE:
            i += 1
        if i >= n:
            raise ParseError(f'Unclosed start tag "{tag}" at byte offset {at}')
        if source[i] != "=":
            if tag == "blockquote" and name == "expandable":
                argument = "1"
            continue
        i += 1
        while i < n and source[i] in SPACE:
            i += 1
        if i >= n:
            raise ParseError(f'Unclosed start tag "{tag}" at byte offset {at}')
        value, i = _attribute_value(source, i)
        if i >= n:
            raise ParseError(f"Unclosed start tag at byte offset {at}")
        if tag == "a" and name == "href":
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif tag == "span" and name == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif tag == "tg-emoji" and name == "emoji-id":
            argument = value
        elif tag == "blockquote" and name == "expandable":
            argument = "1"
    if tag == "span" and argument != "spoiler":
        raise ParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
    return _Open(tag, argument, out.length, out.chars(), at), i + 1


def _attribute_value(source: str, i: int) -> tuple[str, int]:
    n = len(source)
    if source[i] not in "'\"":
        # A name token: letters, digits, periods and hyphens, case-insensitive.
        start = i
        while i < n and source[i] in _NAME_TOKEN:
            i += 1
        if i < n and source[i] not in SPACE and source[i] != ">":
            raise ParseError(
                f"Unexpected end of name token at byte offset {byte_offset(source, start)}"
            )
        return source[start:i].lower(), i
    quote = source[i]
    i += 1
    parts: list[str] = []
    while i < n and source[i] != quote:
        if source[i] == "&":
            decoded, after = _decode_entity(source, i)
            if decoded:
                parts.append(decoded)
                i = after
                continue
        parts.append(source[i])
        i += 1
    return "".join(parts), i + 1 if i < n else i


def _close(opened: _Open, length: int, out: Output, entities: list[Entity]) -> None:
    """Turn a closed tag into its entity, as TDLib does (some produce none)."""
    offset, tag, argument = opened.offset, opened.tag, opened.argument
    if tag in _SIMPLE:
        entities.append(Entity(_SIMPLE[tag], offset, length))
    elif tag == "a":
        url = argument or out.since(opened.chars)
        user_id = user_id_of(url)
        if user_id is not None:
            entities.append(Entity("text_mention", offset, length, user_id=user_id))
        elif (checked := check_url(url)) is not None:
            entities.append(Entity("text_link", offset, length, url=checked))
    elif tag == "tg-emoji":
        if not argument.isdigit() or int(argument) == 0 or int(argument) >= 2**63:
            raise ParseError("Invalid custom emoji identifier specified")
        entities.append(Entity("custom_emoji", offset, length, custom_emoji_id=argument))
    elif tag == "blockquote":
        entities.append(
            Entity("expandable_blockquote" if argument else "blockquote", offset, length)
        )
    else:
        last = entities[-1] if entities else None
        same = last is not None and (last.offset, last.length) == (offset, length)
        if tag == "pre" and same and last is not None and last.type == "code" and last.language:
            entities[-1] = replace(last, type="pre")
        elif tag == "code" and same and last is not None and last.type == "pre" and argument:
            entities[-1] = replace(last, language=argument)
        elif tag == "pre":
            entities.append(Entity("pre", offset, length))
        else:
            entities.append(Entity("code", offset, length, language=argument or None))


def parse_html(source: str) -> tuple[str, list[Entity]]:
    out = Output()
    stack: list[_Open] = []
    entities: list[Entity] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch == "&":
            decoded, after = _decode_entity(source, i)
            if decoded:
                out.add(decoded)
                i = after
                continue
        if ch != "<":
            j = i + 1
            while j < n and source[j] not in "<&":
                j += 1
            out.add(source[i:j])
            i = j
            continue
        if i + 1 >= n or source[i + 1] != "/":
            opened, i = _start_tag(source, i, out)
            stack.append(opened)
            continue
        at = byte_offset(source, i)
        if not stack:
            raise ParseError(f"Unexpected end tag at byte offset {at}")
        j = i + 2
        while j < n and source[j] not in SPACE and source[j] != ">":
            j += 1
        name = source[i + 2 : j]
        while j < n and source[j] in SPACE:
            j += 1
        if j >= n or source[j] != ">":
            raise ParseError(f"Unclosed end tag at byte offset {at}")
        opened = stack.pop()
        # TDLib compares the end tag as written with the lower-cased start tag.
        if name and name != opened.tag:
            raise ParseError(
                f'Unmatched end tag at byte offset {at}, expected "</{opened.tag}>", '
                f'found "</{name}>"'
            )
        if out.length > opened.offset:
            _close(opened, out.length - opened.offset, out, entities)
        i = j + 1
    if stack:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities = [replace(e, language=None) if e.type == "code" else e for e in entities]
    entities.sort(key=lambda e: (e.offset, -e.length))
    return out.text(), entities
