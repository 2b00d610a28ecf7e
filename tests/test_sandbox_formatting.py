"""The stand-in parses formatting exactly as far as the bot relies on Telegram's behaviour."""

from __future__ import annotations

import contextlib
import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.sandbox.formatting import Entity, ParseError, parse, utf16_len


def test_html_entities_and_nesting() -> None:
    text, entities = parse(
        '<b>Hei <i>kaikki</i></b> &amp; <a href="https://x.fi">linkki</a>', "HTML"
    )
    assert text == "Hei kaikki & linkki"
    assert Entity("bold", 0, 10) in entities
    assert Entity("italic", 4, 6) in entities
    assert Entity("text_link", 13, 6, url="https://x.fi") in entities


def test_html_offsets_count_utf16_units() -> None:
    text, entities = parse("🎉 <b>juhla</b>", "HTML")
    assert text == "🎉 juhla"
    assert entities == [Entity("bold", 3, 5)]
    assert utf16_len("🎉") == 2


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("<blink>x</blink>", 'Unsupported start tag "blink" at byte offset 0'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag"),
        ("a &nbsp; b", 'Unsupported HTML entity "&nbsp;"'),
        ("<a>x</a>", "Can't find href attribute"),
        ("<span>x</span>", 'must have class "tg-spoiler"'),
        ("1 < 2", "Unclosed start tag"),
    ],
)
def test_html_errors_are_worded_like_telegram(source: str, error: str) -> None:
    with pytest.raises(ParseError, match=error.replace("(", r"\(").replace(")", r"\)")):
        parse(source, "HTML")


def test_markdown_v2() -> None:
    text, entities = parse(
        r"*lihava* _kursiivi_ __alleviivattu__ `koodi` [linkki](https://x.fi) 1\.", "MarkdownV2"
    )
    assert text == "lihava kursiivi alleviivattu koodi linkki 1."
    kinds = [e.type for e in entities]
    assert kinds == ["bold", "italic", "underline", "code", "text_link"]
    with pytest.raises(ParseError, match=r"Character '\.' is reserved"):
        parse("Kiitos.", "MarkdownV2")
    with pytest.raises(ParseError, match="Can't find end of Bold entity"):
        parse("*auki", "MarkdownV2")


def test_legacy_markdown_and_plain() -> None:
    assert parse("*b* _i_ `c`", "Markdown")[0] == "b i c"
    assert parse("<b>as is</b>", None) == ("<b>as is</b>", [])
    with pytest.raises(ParseError, match="Unsupported parse_mode"):
        parse("x", "BBCode")


@given(st.text(max_size=200))
def test_escaped_text_round_trips_through_html(text: str) -> None:
    plain, entities = parse(html.escape(text, quote=False), "HTML")
    assert plain == text
    assert entities == []


@given(st.text(alphabet='<>/&;ab "=', max_size=40))
def test_html_parser_never_crashes(text: str) -> None:
    with contextlib.suppress(ParseError):
        parse(text, "HTML")
