"""The `announce` command's check of Telegram HTML before queueing, and its length."""

from __future__ import annotations

import pytest

from bot.announcements.html_text import HtmlError, plain_text
from bot.sandbox.formatting import ParseError, parse


@pytest.mark.parametrize(
    ("html", "plain"),
    [
        ("<b>Foorumi</b> 1.12.", "Foorumi 1.12."),
        ('<a href="https://example.org">linkki</a>', "linkki"),
        ('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>', "st"),
        ("a &lt; b &amp; c &#65;&#x42; &copy;", "a < b & c AB &copy;"),
        ("<b><i>x</i></b>", "x"),
    ],
)
def test_accepted_html_measures_as_shown(html: str, plain: str) -> None:
    assert plain_text(html) == plain


@pytest.mark.parametrize(
    "html", ["<b>rikki", "a < b", "<p>x</p>", "<b><i>x</b></i>", "x</b>", "<span>x</span>", "<b"]
)
def test_what_telegram_refuses_is_refused(html: str) -> None:
    with pytest.raises(HtmlError):
        plain_text(html)


# What Python's parser would skip quietly, and forms both parsers read; the stand-in's parser
# (which follows Telegram's rules) is the reference: the check must refuse exactly what it does.
SIDE_BY_SIDE = [
    "<!-- c -->x",
    "<b/>hi",
    "a</>b",
    "<!DOCTYPE html>x",
    "<?x?>y",
    "<![CDATA[z]]>",
    "<b>ok</b>",
    "<i>x</i> &amp; <u>y</u>",
    "<b>x</i>",
    "<code>a<b</code>",
    '<a href="https://example.org">l</a>',
    "x > y",
]


@pytest.mark.parametrize("html", SIDE_BY_SIDE)
def test_refuses_what_the_stand_in_refuses(html: str) -> None:
    try:
        expected: str | None = parse(html, "HTML")[0]
    except ParseError:
        expected = None
    try:
        got: str | None = plain_text(html)
    except HtmlError:
        got = None
    assert (got is None) == (expected is None), (got, expected)
    if expected is not None:
        assert got == expected
