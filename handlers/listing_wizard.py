"""Listing an association without a Telegram group, from a private chat: /profile there shows
the person's listings (edit, withdraw) and starts a short wizard — name, municipalities, themes,
what we do, languages, contact, volunteers — ending in a preview card and "Send for approval".

A wizard over a `drafts` row (handlers/wizard.py). Sending stores the listing as 'pending' and
asks its coordinators in the same transaction (bot/directory/moderation.py `submit`); editing
an approved listing sends it for approval again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import AppContext
from bot.core.callbacks import button, claim, decode, keyboard, pattern
from bot.core.config import Theme
from bot.core.i18n import Texts
from bot.directory import moderation
from bot.directory.cards import card_text
from bot.directory.fields import (
    Refused,
    parse_about,
    parse_contact,
    parse_languages,
    parse_municipalities,
    parse_name,
    parse_themes,
)
from bot.directory.notices import status_line
from handlers.common import edit_in_place, texts_for
from handlers.wizard import DraftKind, Turn, Wizard, one_at_a_time
from storage import listings
from storage.listings import Listing

__all__ = ["AREA", "WIZARD", "handlers", "private_profile"]

AREA = claim("lsw", __name__)
KIND = DraftKind(
    "listing", __name__, discarded=lambda t: t._("Your unfinished listing was discarded.")
)
_TEXT_STEPS = ("name", "municipality", "about", "languages", "contact")
_SKIPPABLE = ("about", "languages")


def _to_json(listing: Listing) -> dict[str, Any]:
    return asdict(listing)


def _from_json(value: dict[str, Any]) -> Listing:
    fields = dict(value)
    for key in ("municipalities", "themes", "languages"):
        fields[key] = tuple(fields.get(key) or ())
    return Listing(**fields)


def _question(
    step: str, t: Texts, listing: Listing, themes: Sequence[Theme]
) -> tuple[str, InlineKeyboardMarkup | None]:
    keep = [button(t._("Keep ▶"), AREA, "skip")] if listing.id else []
    skip = [button(t._("Skip ▶"), AREA, "skip")] if step in _SKIPPABLE else keep
    if step == "name":
        return t._("1/7 What is the association's name?"), keyboard([keep]) if keep else None
    if step == "municipality":
        text = t._("2/7 In which municipalities does it work? For example “Joensuu, Outokumpu”.")
        return text, keyboard([keep]) if keep else None
    if step == "themes":
        return t._("3/7 Which themes? Tap them, then Done."), _themes_markup(t, listing, themes)
    if step == "about":
        return t._(
            "4/7 What does the association do? One paragraph, at most 500 characters."
        ), keyboard([skip])
    if step == "languages":
        return t._("5/7 In which languages does it work? For example “suomi, arabia”."), keyboard(
            [skip]
        )
    if step == "contact":
        text = t._(
            "6/7 A public contact: a t.me link or @username, an e-mail address, a phone number "
            "or a web address."
        )
        return text, keyboard([keep]) if keep else None
    return t._("7/7 Does the association welcome new volunteers?"), keyboard(
        [[button(t._("Yes"), AREA, "vol", "y"), button(t._("No"), AREA, "vol", "n")]]
    )


def _themes_markup(t: Texts, listing: Listing, themes: Sequence[Theme]) -> InlineKeyboardMarkup:
    rows = []
    for theme in themes:
        mark = "✅ " if theme.id in listing.themes else ""
        rows.append([button(mark + theme.name(t.language), AREA, "th", theme.id)])
    rows.append([button(t._("Done ▶"), AREA, "thd")])
    return keyboard(rows)


async def _ask(
    message: Message, context: AppContext, t: Texts, step: str, listing: Listing
) -> None:
    text, markup = _question(step, t, listing, context.env.themes)
    await message.reply_text(text, reply_markup=markup)


async def _store(context: AppContext, t: Texts, user_id: int, step: str, listing: Listing) -> None:
    await KIND.keep(context, t, user_id, user_id, step, _to_json(listing))


def _next(step: str) -> str:
    order = ("name", "municipality", "themes", "about", "languages", "contact", "volunteers")
    return order[order.index(step) + 1] if step in order[:-1] else "confirm"


async def _advance(
    message: Message, context: AppContext, t: Texts, step: str, listing: Listing
) -> None:
    user_id = message.chat_id
    following = _next(step)
    await _store(context, t, user_id, following, listing)
    if following == "confirm":
        await _preview(message, context, t, listing)
    else:
        await _ask(message, context, t, following, listing)


async def _preview(message: Message, context: AppContext, t: Texts, listing: Listing) -> None:
    env = context.env
    await message.reply_text(
        t._("This is how the card will look:")
        + "\n\n"
        + card_text(listing, t, env.catalog, env.themes),
        reply_markup=keyboard(
            [
                [button(t._("📨 Send for approval"), AREA, "send")],
                [button(t._("✖ Discard"), AREA, "drop")],
            ]
        ),
    )


def _parse(step: str, text: str, context: AppContext, t: Texts, listing: Listing) -> Listing:
    env = context.env
    if step == "name":
        return replace(listing, name=parse_name(text, t))
    if step == "municipality":
        return replace(listing, municipalities=parse_municipalities(text, env.place_index, t))
    if step == "themes":
        return replace(listing, themes=parse_themes(text, env.themes, t))
    if step == "about":
        return replace(listing, about=parse_about(text, t))
    if step == "languages":
        return replace(listing, languages=parse_languages(text, t))
    return replace(listing, contact=parse_contact(text, t))


def _typed(step: str) -> Any:
    async def take(turn: Turn) -> None:
        listing = _from_json(turn.draft.payload)
        if not turn.text:
            await turn.message.reply_text(turn.t._("Please answer with text, or /cancel."))
            return
        try:
            changed = _parse(step, turn.text, turn.context, turn.t, listing)
        except Refused as refused:
            await turn.message.reply_text(refused.text)
            return
        await _advance(turn.message, turn.context, turn.t, step, changed)

    return take


async def private_profile(message: Message, context: AppContext, t: Texts, user_id: int) -> None:
    """/profile in a private chat: the person's own listings, and a way to add one."""
    mine = await listings.for_user(context.env.db, user_id)
    lines = [
        t._(
            "A group's association profile is set with /profile in the group. An association "
            "without a Telegram group can be listed here: a coordinator of its municipality "
            "approves it before it is public in /directory."
        )
    ]
    rows = [[button(t._("➕ List an association without a group"), AREA, "new")]]
    if mine:
        lines += ["", t._("<b>Your listings</b>")]
    for listing in mine:
        lines.append(f"• {listing.name}: {status_line(listing, t)}")
        rows.append(
            [
                button(t._("✏️ Edit {name}", name=listing.name[:20]), AREA, "edit", listing.id),
                button(t._("🗑 Withdraw"), AREA, "wd", listing.id),
            ]
        )
    await message.reply_text("\n".join(lines), reply_markup=keyboard(rows))


async def _own(context: AppContext, user_id: int, listing_id: int | None) -> Listing | None:
    found = await listings.get(context.env.db, listing_id) if listing_id else None
    if found is None or found.chat_id is not None or found.user_id != user_id:
        return None
    return found


async def on_tap(update: Update, context: AppContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    message = query.message
    t = await texts_for(context, update)
    data = decode(query.data)
    action = data.part(0) if data else None
    if data is None or not isinstance(message, Message) or message.chat.type != "private":
        await query.answer()
        return
    if action in ("new", "edit", "wd"):
        await _entry(update, context, t, message, action, data.int_part(1))
        return
    stored = await KIND.load(context, user.id, user.id)
    if stored is None:
        await query.answer(
            t._("This listing is no longer being prepared. Start again with /profile."),
            show_alert=True,
        )
        return
    await query.answer()
    listing, step = _from_json(stored.payload), stored.step
    if action == "skip" and (step in _SKIPPABLE or (listing.id and step in _TEXT_STEPS)):
        await _advance(message, context, t, step, listing)
    elif action == "th" and step == "themes":
        theme = data.part(1) or ""
        chosen = tuple(x for x in listing.themes if x != theme)
        if theme not in listing.themes and theme in {x.id for x in context.env.themes}:
            chosen = (*listing.themes, theme)
        listing = replace(listing, themes=chosen)
        await _store(context, t, user.id, step, listing)
        await edit_in_place(
            message, message.text_html, _themes_markup(t, listing, context.env.themes)
        )
    elif action == "thd" and step == "themes":
        await _advance(message, context, t, step, listing)
    elif action == "vol" and step == "volunteers":
        await _advance(
            message, context, t, step, replace(listing, welcomes_volunteers=data.part(1) == "y")
        )
    elif action == "send" and step == "confirm":
        await KIND.end(context, user.id, user.id)
        saved = await moderation.submit(context.env, replace(listing, user_id=user.id))
        context.services.delivery.wake()
        await edit_in_place(message, message.text_html, None)
        await message.reply_text(
            t._(
                "📨 Sent. A coordinator approves “{name}” before it is public in /directory; "
                "I will tell you when they decide.",
                name=saved.name,
            )
        )
    elif action == "drop":
        await KIND.end(context, user.id, user.id)
        await edit_in_place(message, message.text_html, None)
        await message.reply_text(t._("The listing was discarded."))


async def _entry(
    update: Update,
    context: AppContext,
    t: Texts,
    message: Message,
    action: str,
    listing_id: int | None,
) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    if action == "new":
        await query.answer()
        listing = Listing(0, None, user.id, "")
        await KIND.begin(context, t, user.id, user.id, "name", _to_json(listing))
        await _ask(message, context, t, "name", listing)
        return
    found = await _own(context, user.id, listing_id)
    if found is None:
        await query.answer(t._("This listing no longer exists."), show_alert=True)
        return
    await query.answer()
    if action == "wd":
        await listings.delete(context.env.db, found.id)
        await message.reply_text(
            t._("“{name}” was withdrawn from the directory and removed.", name=found.name)
        )
        return
    await KIND.begin(context, t, user.id, user.id, "name", _to_json(found))
    await message.reply_text(
        t._("Editing “{name}”: Keep ▶ keeps a field as it is.", name=found.name)
    )
    await _ask(message, context, t, "name", found)


async def _on_cancel(turn: Turn) -> None:
    await KIND.end(turn.context, turn.draft.user_id, turn.draft.chat_id)
    await turn.message.reply_text(turn.t._("Stopped; the listing was not sent."))


WIZARD = Wizard(
    KIND,
    steps={step: _typed(step) for step in (*_TEXT_STEPS, "themes")},
    cancel=_on_cancel,
    text_only=True,
)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [CallbackQueryHandler(one_at_a_time(on_tap), pattern=pattern(AREA))]
