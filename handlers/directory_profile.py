"""/profile: a group's association profile (its fields, publishing it in the directory) and, in
a private chat, the listings a person keeps for associations without a group
(handlers/listing_wizard.py). The rules live in bot/directory/ (fields, moderation)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import AppContext
from bot.core.callbacks import button, claim, decode, keyboard, pattern
from bot.core.i18n import Texts
from bot.directory import moderation
from bot.directory.cards import card_markup, card_text
from bot.directory.fields import Refused, apply_field, field_name
from bot.directory.languages import language_name
from bot.directory.notices import status_line
from handlers.common import may_change_chat, refuse_non_admin, texts_for
from handlers.listing_wizard import private_profile
from storage import listings
from storage.listings import Listing

__all__ = ["AREA", "handlers"]

AREA = claim("prf", __name__)  # the publish / unpublish buttons under a group's /profile


def _profile_text(profile: Listing | None, context: AppContext, t: Texts) -> str:
    env = context.env
    if profile is None:
        return t._("This group has no association profile yet.")
    municipalities = [
        place.name(t.language)
        for code in profile.municipalities
        if (place := env.catalog.municipality(code)) is not None
    ]
    themes = [
        theme.name(t.language)
        for theme_id in profile.themes
        if (theme := env.config.bot.theme(theme_id)) is not None
    ]
    dash = "—"
    lines = [
        t._("<b>Association profile</b>"),
        t._("Name: {value}", value=profile.name),
        t._("Municipality: {value}", value=", ".join(municipalities) or dash),
        t._("Themes: {value}", value=", ".join(themes) or dash),
        t._("Contact: {value}", value=profile.contact or dash),
        t._("What we do: {value}", value=profile.about or dash),
        t._(
            "Languages: {value}",
            value=", ".join(language_name(c, t.language) for c in profile.languages) or dash,
        ),
        t._(
            "New volunteers welcome: {value}",
            value=t._("yes") if profile.welcomes_volunteers else t._("no"),
        ),
        t._("Join link: {value}", value=profile.join_link or dash),
        "",
        status_line(profile, t),
    ]
    return "\n".join(lines)


def _usage(t: Texts) -> str:
    return t._(
        "Coordinators see this profile when your association answers an invitation; published, "
        "everyone finds it in /directory. Set it with:\n"
        "/profile name Joensuun Kyläyhdistys ry\n"
        "/profile municipality Joensuu, Outokumpu\n"
        "/profile themes village, culture\n"
        "/profile about What we do, in at most 500 characters\n"
        "/profile languages suomi, arabia\n"
        "/profile contact puheenjohtaja@example.fi\n"
        "/profile volunteers yes\n"
        "/profile joinlink https://t.me/+AbCdEf123\n"
        "/profile publish — show it in /directory; /profile unpublish — stop\n"
        "/profile clear — removes the profile\n"
        "“-” empties an optional field."
    )


def _markup(profile: Listing | None, t: Texts) -> InlineKeyboardMarkup | None:
    if profile is None or profile.status == "pending":
        return None
    if profile.status == "public":
        return keyboard([[button(t._("🔒 Unpublish"), AREA, "unpub")]])
    return keyboard([[button(t._("🌍 Publish in the directory"), AREA, "pub")]])


async def _publish(
    context: AppContext, t: Texts, chat_id: int, user_id: int, publish: bool
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The reply to /profile publish or unpublish (or their buttons), after the change."""
    env = context.env
    current = await listings.for_chat(env.db, chat_id)
    if current is None:
        return t._("This group has no association profile yet.") + "\n\n" + _usage(t), None
    if not publish:
        if await moderation.unpublish(env, current):
            return t._(
                "🔒 The profile is no longer public. Coordinators still see it when your "
                "association answers an invitation."
            ), _markup(await listings.for_chat(env.db, chat_id), t)
        return t._("The profile is not public.") + "\n" + status_line(current, t), None
    was = current.status
    outcome = await moderation.publish(env, current, user_id)
    if outcome == "incomplete":
        return t._(
            "To publish, the profile needs at least a name and one municipality: "
            "/profile name …, /profile municipality …"
        ), None
    if outcome == "pending":
        if was == "pending":
            return t._("It already waits for a coordinator's approval."), None
        return t._(
            "A coordinator hid this profile earlier (reason: {reason}). I sent it to the "
            "coordinators for approval as it is now; you will hear here when they decide.",
            reason=current.status_reason or "—",
        ), None
    published = await listings.for_chat(env.db, chat_id)
    assert published is not None
    text = t._("🌍 Published! Your association is now public in /directory:")
    return text + "\n\n" + card_text(published, t, env.catalog, env.themes), card_markup(
        published, t
    )


async def profile_command(update: Update, context: AppContext) -> None:
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    assert message is not None and chat is not None and user is not None
    env = context.env
    t = await texts_for(context, update)
    if chat.type == ChatType.PRIVATE:
        await private_profile(message, context, t, user.id)
        return
    current = await listings.for_chat(env.db, chat.id)
    if not context.args:
        await message.reply_text(
            _profile_text(current, context, t) + "\n\n" + _usage(t),
            reply_markup=_markup(current, t),
        )
        return
    if not await may_change_chat(update, context):
        await refuse_non_admin(update, t)
        return
    typed = context.args[0]
    field = field_name(typed) or typed.casefold()
    value = message.text.split(maxsplit=2)[2] if message.text and len(context.args) > 1 else ""
    if field == "clear":
        if current is not None:
            await listings.delete(env.db, current.id)
        await message.reply_text(t._("The association profile was removed."))
        return
    if field in ("publish", "unpublish"):
        text, markup = await _publish(context, t, chat.id, user.id, field == "publish")
        await message.reply_text(text, reply_markup=markup)
        return
    base = current or Listing(0, chat.id, None, chat.title or "")
    try:
        updated = apply_field(base, field, value, env.place_index, env.themes, t)
    except Refused as refused:
        await message.reply_text(refused.text + "\n\n" + _usage(t))
        return
    await listings.save(env.db, updated)
    await message.reply_text(
        t._("Saved.") + "\n\n" + _profile_text(updated, context, t),
        reply_markup=_markup(updated, t),
    )


async def profile_button(update: Update, context: AppContext) -> None:
    query, chat, user = update.callback_query, update.effective_chat, update.effective_user
    assert query is not None and chat is not None and user is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    if data is None or data.part(0) not in ("pub", "unpub") or chat.type == ChatType.PRIVATE:
        await query.answer()
        return
    if not await may_change_chat(update, context):
        await refuse_non_admin(update, t)
        return
    await query.answer()
    text, markup = await _publish(context, t, chat.id, user.id, data.part(0) == "pub")
    await context.bot.send_message(chat.id, text, reply_markup=markup)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("profile", profile_command),
        CallbackQueryHandler(profile_button, pattern=pattern(AREA)),
    ]
