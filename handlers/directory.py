"""/directory [words], its ◀ ▶ and result buttons, and inline mode (`@bot Joensuu health`)."""

from __future__ import annotations

from telegram import CallbackQuery, InlineQueryResultsButton, Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, InlineQueryHandler

from bot.context import AppContext
from bot.core.callbacks import decode, keyboard, pattern
from bot.core.i18n import Texts, pick_language
from bot.directory.cards import card_markup, card_text
from bot.directory.moderation import may_moderate, moderation_row
from bot.directory.results import (
    AREA,
    INLINE_PAGE,
    PAGE_SIZE,
    find,
    inline_articles,
    result_view,
    usage,
    words_of,
)
from bot.directory.search import MAX_QUERY_CHARS, DirectoryQuery, from_subscription, parse_query
from handlers.common import edit_in_place, texts_for
from storage import listings, subscriptions

__all__ = ["handlers"]

# Telegram caches an inline answer this many seconds for everyone typing the same words.
INLINE_CACHE_SECONDS = 30


def _query(context: AppContext, words: str) -> DirectoryQuery:
    env = context.env
    return parse_query(words, env.place_index, env.catalog, env.config.bot.themes)


async def _subscription_query(context: AppContext, chat_id: int) -> DirectoryQuery | None:
    current = await subscriptions.get(context.env.db, chat_id)
    return None if current.empty else from_subscription(current, context.env.catalog)


def _too_long(t: Texts) -> str:
    return t._(
        "That is too long for a search: at most {limit} characters. Try a place, a theme or a "
        "few words.",
        limit=MAX_QUERY_CHARS,
    )


async def directory_command(update: Update, context: AppContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    t = await texts_for(context, update)
    parts = (message.text or "").split(maxsplit=1)
    words = parts[1].strip() if len(parts) > 1 else ""
    if len(words) > MAX_QUERY_CHARS:
        await message.reply_text(_too_long(t))
        return
    if words:
        query = _query(context, words)
        if query.empty:  # emoji or punctuation only
            await message.reply_text(usage(t))
            return
    else:
        found = await _subscription_query(context, chat.id)
        if found is None:
            await message.reply_text(usage(t))
            return
        query = found
    page = await find(context.env, query, offset=0, limit=PAGE_SIZE, record=bool(words))
    view = result_view(page, 0, words or None, context.env, t)
    await message.reply_text(view.text, reply_markup=view.markup)


async def directory_tap(update: Update, context: AppContext) -> None:
    callback = update.callback_query
    assert callback is not None
    t = await texts_for(context, update)
    data = decode(callback.data)
    message = callback.message
    if data is None or not isinstance(message, Message):
        await callback.answer(t._("This button no longer works. Send /directory again."))
        return
    if data.part(0) == "o":
        await _open_card(callback, message, data.int_part(1), context, t)
        return
    number = data.int_part(1)
    words = words_of(message.text) if data.part(2) == "w" else None
    query = (
        _query(context, words)
        if words
        else await _subscription_query(context, message.chat.id)
        if data.part(2) == "s"
        else None
    )
    if number is None or number < 0 or query is None:
        await callback.answer(t._("This button no longer works. Send /directory again."))
        return
    await callback.answer()
    page = await find(context.env, query, offset=number * PAGE_SIZE, limit=PAGE_SIZE, record=False)
    view = result_view(page, number, words, context.env, t)
    await edit_in_place(message, view.text, view.markup)


async def _open_card(
    callback: CallbackQuery,
    message: Message,
    listing_id: int | None,
    context: AppContext,
    t: Texts,
) -> None:
    """The card as a new message; a listing no longer public is not shown."""
    listing = await listings.get(context.env.db, listing_id) if listing_id else None
    if listing is None or not listing.is_public:
        await callback.answer(
            t._("This association is no longer in the directory."), show_alert=True
        )
        return
    await callback.answer()
    env = context.env
    markup = card_markup(listing, t)
    # A coordinator of the listing's area may hide it: the button only in their private chat,
    # where nobody else sees it (the tap is checked again either way).
    if message.chat.type == ChatType.PRIVATE and await may_moderate(
        env, callback.from_user.id, listing
    ):
        rows = [list(row) for row in markup.inline_keyboard] if markup else []
        markup = keyboard([*rows, moderation_row(listing, t, viewer_may_moderate=True)])
    await message.reply_text(
        card_text(listing, t, env.catalog, env.config.bot.themes), reply_markup=markup
    )


async def inline_search(update: Update, context: AppContext) -> None:
    """Inline results in the language of the person's Telegram app: nothing about them is read
    or stored (they may never have started the bot), and no miss is recorded (an inline query
    arrives at every keystroke, so its partial words would drown the real misses)."""
    inline = update.inline_query
    assert inline is not None
    env = context.env
    t = env.translator.texts(
        pick_language(None, inline.from_user.language_code, env.config.bot.default_language)
    )
    words = inline.query.strip()
    offset = int(inline.offset) if inline.offset.isdigit() else 0
    query = _query(context, words) if 0 < len(words) <= MAX_QUERY_CHARS else None
    if query is None or query.empty:
        hint = (
            t._("Too long: at most {limit} characters", limit=MAX_QUERY_CHARS)
            if len(words) > MAX_QUERY_CHARS
            else t._("Type a place, a theme or a language")
        )
        await inline.answer(
            [],
            cache_time=INLINE_CACHE_SECONDS,
            is_personal=False,
            button=InlineQueryResultsButton(hint, start_parameter="directory"),
        )
        return
    page = await find(env, query, offset=offset, limit=INLINE_PAGE, record=False)
    more = offset + len(page.listings) < page.total
    await inline.answer(
        inline_articles(page, env, t),
        cache_time=INLINE_CACHE_SECONDS,
        is_personal=False,
        next_offset=str(offset + INLINE_PAGE) if more else None,  # none: no more
        button=None
        if page.total
        else InlineQueryResultsButton(
            t._("Nothing found: try fewer words"), start_parameter="directory"
        ),
    )


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("directory", directory_command),
        CallbackQueryHandler(directory_tap, pattern=pattern(AREA)),
        InlineQueryHandler(inline_search),
    ]
