"""The `announce` command's check of Telegram HTML before queueing, and its length."""

from __future__ import annotations

import pytest

from bot.announcements.html_text import HtmlError, plain_text


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
