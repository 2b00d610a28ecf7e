"""Formatting is parsed as Telegram parses it; the expected results and error texts are TDLib's
own test vectors where it has them."""

from __future__ import annotations

import contextlib
import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.sandbox.entities import Entity, ParseError, check_url, utf16_len
from bot.sandbox.formatting import format_text, parse

HTML_ERRORS = [
    ("🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"),
    ("🏟 🏟&lt;<abac aba>", 'Unsupported start tag "abac" at byte offset 13'),
    ("🏟 🏟&lt;<i   =aba>", 'Empty attribute name in the tag "i" at byte offset 13'),
    ("🏟 🏟&lt;<i    aba  =  ", 'Unclosed start tag "i" at byte offset 13'),
    ("🏟 🏟&lt;<i    aba  =  190azAz-.,", "Unexpected end of name token at byte offset 27"),
    ('🏟 🏟&lt;<i    aba  =  "&lt;&gt;&quot;>', "Unclosed start tag at byte offset 13"),
    ("🏟 🏟&lt;</", "Unexpected end tag at byte offset 13"),
    ("🏟 🏟&lt;<b></b></", "Unexpected end tag at byte offset 20"),
    ("🏟 🏟&lt;<i>a</i   ", "Unclosed end tag at byte offset 17"),
    ("🏟 🏟&lt;<i>a</em   >", 'Unmatched end tag at byte offset 17, expected "</i>", found "</em>"'),
    ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
    ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ('<tg-emoji emoji-id="x">👍</tg-emoji>', "Invalid custom emoji identifier specified"),
]


@pytest.mark.parametrize(("source", "error"), HTML_ERRORS)
def test_html_errors_are_tdlibs(source: str, error: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(source, "HTML")
    assert str(caught.value) == error


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("&lt;&gt;&amp;&quot;&laquo;&#12345678;", '<>&"&laquo;&#12345678;', []),
        ("➡️ ➡️<i>➡️ ➡️</i>", "➡️ ➡️➡️ ➡️", [Entity("italic", 5, 5)]),
        ("🏟 🏟<i>🏟 &lt🏟</i>", "🏟 🏟🏟 <🏟", [Entity("italic", 5, 6)]),
        (
            "🏟 🏟<i>🏟 &gt;<b aba   =   caba>&lt🏟</b></i>",
            "🏟 🏟🏟 ><🏟",
            [Entity("italic", 5, 7), Entity("bold", 9, 3)],
        ),
        (
            "<a>telegram.org</a>",
            "telegram.org",
            [Entity("text_link", 0, 12, "http://telegram.org/")],
        ),
        (
            "<a href='https://x.fi/a?b=&lt;'>x</a>",
            "x",
            [Entity("text_link", 0, 1, "https://x.fi/a?b=<")],
        ),
        ("<a href=telegram.org>x</a>", "x", [Entity("text_link", 0, 1, "http://telegram.org/")]),
        (
            '<pre><code class="language-python">x = 1</code></pre>',
            "x = 1",
            [Entity("pre", 0, 5, language="python")],
        ),
        ('<code class="language-python">x</code>', "x", [Entity("code", 0, 1)]),
        (
            "<tg-spoiler>s</tg-spoiler><s>t</s><u>u</u>",
            "stu",
            [Entity("spoiler", 0, 1), Entity("strikethrough", 1, 1), Entity("underline", 2, 1)],
        ),
        ("<blockquote expandable>q</blockquote>", "q", [Entity("expandable_blockquote", 0, 1)]),
        ("<B>x</>", "x", [Entity("bold", 0, 1)]),
        ("<b></b>x", "x", []),
    ],
)
def test_html(source: str, text: str, entities: list[Entity]) -> None:
    assert parse(source, "HTML") == (text, entities)


MARKDOWN_V2_ERRORS = [
    ("🏟 🏟_abacaba", "Can't find end of Italic entity at byte offset 9"),
    ("🏟 🏟_abac * asd ", "Can't find end of Bold entity at byte offset 15"),
    ("🏟 🏟`", "Can't find end of Code entity at byte offset 9"),
    ("🏟 🏟```", "Can't find end of Pre entity at byte offset 9"),
    ("🏟 🏟```a ", "Can't find end of PreCode entity at byte offset 9"),
    ("🏟 🏟__🏟 🏟_", "Can't find end of Italic entity at byte offset 20"),
    ("🏟 🏟_🏟 🏟__", "Can't find end of Underline entity at byte offset 19"),
    ("[telegram\\.org](asd\\)", "Can't find end of a URL at byte offset 16"),
    ("🏟 🏟__🏟 _🏟___", "Can't find end of Italic entity at byte offset 23"),
    ("Kiitos!", "Character '!' is reserved and must be escaped with the preceding '\\'"),
    ("1 + 1 = 2", "Character '+' is reserved and must be escaped with the preceding '\\'"),
]


@pytest.mark.parametrize(("source", "error"), MARKDOWN_V2_ERRORS)
def test_markdown_v2_errors_are_tdlibs(source: str, error: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(source, "MarkdownV2")
    assert str(caught.value) == error


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("\\\\\\a\\b\\➡️\\", "\\ab\\➡️\\", []),
        ("🏟 🏟_🏟 \\.🏟_", "🏟 🏟🏟 .🏟", [Entity("italic", 5, 6)]),
        ("🏟 🏟_🏟 __🏟___", "🏟 🏟🏟 🏟", [Entity("italic", 5, 5), Entity("underline", 8, 2)]),
        ("🏟 🏟```🏟\n🏟```", "🏟 🏟🏟", [Entity("pre", 5, 2, language="🏟")]),
        (
            "`a.b` ||s|| ~x~",
            "a.b s x",
            [Entity("code", 0, 3), Entity("spoiler", 4, 1), Entity("strikethrough", 6, 1)],
        ),
        ("[linkki](https://x.fi/a\\)b)", "linkki", [Entity("text_link", 0, 6, "https://x.fi/a)b")]),
        (">lainaus\n>toinen\nloppu", "lainaus\ntoinen\nloppu", [Entity("blockquote", 0, 14)]),
        ("**", "", []),
    ],
)
def test_markdown_v2(source: str, text: str, entities: list[Entity]) -> None:
    assert parse(source, "MarkdownV2") == (text, entities)


def test_legacy_markdown() -> None:
    assert parse("*b* _i_ `c` [l](https://x.fi) \\*", "Markdown") == (
        "b i c l *",
        [
            Entity("bold", 0, 1),
            Entity("italic", 2, 1),
            Entity("code", 4, 1),
            Entity("text_link", 6, 1, "https://x.fi/"),
        ],
    )
    with pytest.raises(ParseError, match="Can't find end of the entity starting at byte offset 2"):
        parse("a *b", "markdown")


def test_plain_text_trimming_and_lengths() -> None:
    assert parse("<b>as is</b>", None) == ("<b>as is</b>", [])
    assert format_text("  <b> hei </b>\n", "HTML") == ("hei", [Entity("bold", 0, 3)])
    assert utf16_len("🎉a") == 3
    assert format_text("🎉 <b>juhla</b>", "html") == ("🎉 juhla", [Entity("bold", 3, 5)])
    with pytest.raises(ParseError, match="Unsupported parse_mode"):
        parse("x", "BBCode")


def test_urls_are_normalised_like_telegram() -> None:
    assert check_url("x.fi") == "http://x.fi/"
    assert check_url("https://x.fi/a") == "https://x.fi/a"
    assert check_url("tg://user?id=1") == "tg://user?id=1"
    assert check_url("not a url") is None


@given(st.text(max_size=300))
def test_escaped_text_round_trips_through_html(text: str) -> None:
    plain, entities = parse(html.escape(text, quote=False), "HTML")
    assert plain == text
    assert entities == []


_MD2 = "_*[]()~`>#+-=|{}.!\\"


@given(st.text(max_size=300))
def test_escaped_text_round_trips_through_markdown_v2(text: str) -> None:
    escaped = "".join("\\" + ch if ch in _MD2 else ch for ch in text)
    assert parse(escaped, "MarkdownV2") == (text, [])


@given(st.text(alphabet="<>/&;#xab \"='ispanrecodtg-", max_size=60))
def test_html_parser_never_crashes(text: str) -> None:
    with contextlib.suppress(ParseError):
        plain, entities = parse(text, "HTML")
        size = utf16_len(plain)
        assert all(e.offset >= 0 and e.offset + e.length <= size for e in entities)


@given(st.text(alphabet="_*[]()~`>|\\!.ab\n ", max_size=60))
def test_markdown_parsers_never_crash(text: str) -> None:
    for mode in ("MarkdownV2", "Markdown"):
        with contextlib.suppress(ParseError):
            plain, entities = parse(text, mode)
            size = utf16_len(plain)
            assert all(e.offset >= 0 and e.offset + e.length <= size for e in entities)
