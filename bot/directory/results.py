"""Directory search, end to end below the handlers: run a query, record a miss, and say what was
found — the paged list of /directory and the articles of an inline query.

The words of a /directory search travel with the result message itself: its first line is
`🔎 ` and the words as typed, so a ◀ ▶ tap reads them back from the message it edits (the
words may be 200 characters; callback data holds 64 bytes). A search of the chat's own
subscriptions reads them again from the database instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)
from telegram.constants import ParseMode

from bot.core.callbacks import button, claim, keyboard
from bot.core.i18n import Texts, escape, shorten
from bot.directory.cards import card_markup, card_text, municipality_names, theme_names
from bot.directory.search import DirectoryQuery
from bot.environment import Environment
from storage import directory_search
from storage.directory_search import Page
from storage.listings import Listing

__all__ = [
    "AREA",
    "HEADER",
    "INLINE_PAGE",
    "PAGE_SIZE",
    "ResultView",
    "find",
    "inline_articles",
    "result_view",
    "usage",
    "words_of",
]

AREA = claim("dir", __name__)
PAGE_SIZE = 5
INLINE_PAGE = 20
HEADER = "🔎 "  # first line of a result message: the words searched, read back on ◀ ▶


@dataclass(frozen=True, slots=True)
class ResultView:
    text: str
    markup: InlineKeyboardMarkup | None


async def find(
    env: Environment, query: DirectoryQuery, *, offset: int, limit: int, record: bool
) -> Page:
    """One page of public listings; a search of typed words that found nothing is recorded
    (its folded words, never who asked) when `record`."""
    page = await directory_search.search(env.db, query.filter(), offset=offset, limit=limit)
    if record and page.total == 0 and query.typed:
        await directory_search.record_miss(env.db, query.typed)
    return page


def usage(t: Texts) -> str:
    return t._(
        "<b>Association directory</b>\n"
        "Search with municipalities, regions, themes, languages or words from an "
        "association's name, for example:\n"
        "/directory Joensuu\n"
        "/directory Pohjois-Karjala health arabia\n\n"
        "Without words I search the areas and themes this chat follows (/subscribe)."
    )


def summary(listing: Listing, env: Environment, t: Texts) -> str:
    """Places and themes in one short line: an inline result's description, a list line."""
    places = municipality_names(listing.municipalities, env.catalog, t.language)
    themes = theme_names(listing.themes, env.config.bot.themes, t.language)
    return " · ".join(part for part in (", ".join(places[:3]), ", ".join(themes[:3])) if part)


def words_of(text: str | None) -> str | None:
    """The searched words from a result message's first line (None: not a word search)."""
    first = (text or "").split("\n", 1)[0]
    return first[len(HEADER) :].strip() if first.startswith(HEADER) else None


def result_view(
    page: Page, number: int, words: str | None, env: Environment, t: Texts
) -> ResultView:
    """Page `number` (from 0) of the results; `words` None: the chat's subscriptions."""
    mode = "s" if words is None else "w"
    first = HEADER + words if words is not None else t._("🔎 This chat's subscriptions")
    if page.total == 0:
        return ResultView(
            escape(first)
            + "\n\n"
            + t._("No listed association matches all of these words. Try fewer words."),
            None,
        )
    pages = math.ceil(page.total / PAGE_SIZE)
    lines = [
        escape(first),
        t.n_("{n} association found", "{n} associations found", page.total)
        + (t._(" (page {page}/{pages})", page=number + 1, pages=pages) if pages > 1 else ""),
        "",
    ]
    rows: list[list[InlineKeyboardButton]] = []
    for index, listing in enumerate(page.listings, start=number * PAGE_SIZE + 1):
        about = summary(listing, env, t)
        lines.append(
            f"{index}. <b>{escape(listing.name)}</b>" + (f" — {escape(about)}" if about else "")
        )
        rows.append([button(f"{index}. {shorten(listing.name, 40)}", AREA, "o", listing.id)])
    nav = []
    if number > 0:
        nav.append(button("◀", AREA, "p", number - 1, mode))
    if number + 1 < pages:
        nav.append(button("▶", AREA, "p", number + 1, mode))
    rows.append(nav)
    return ResultView("\n".join(lines), keyboard(rows))


def inline_articles(page: Page, env: Environment, t: Texts) -> list[InlineQueryResultArticle]:
    """Inline results: the name, where and what, and the card itself as the message sent."""
    return [
        InlineQueryResultArticle(
            id=str(listing.id),
            title=listing.name,
            description=summary(listing, env, t) or None,
            input_message_content=InputTextMessageContent(
                card_text(listing, t, env.catalog, env.config.bot.themes),
                parse_mode=ParseMode.HTML,
            ),
            reply_markup=card_markup(listing, t),
        )
        for listing in page.listings
    ]
