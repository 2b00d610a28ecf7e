"""Association group chats: the bot joining or leaving, and the association's profile."""

from __future__ import annotations

from dataclasses import replace

from telegram import ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import BaseHandler, ChatMemberHandler, CommandHandler

from bot.context import AppContext
from bot.core.callbacks import button, keyboard
from bot.core.i18n import Texts
from bot.subscriptions.rules import match_theme
from handlers.common import may_change_chat, refuse_non_admin, texts_for
from handlers.subscriptions.menu_render import AREA
from storage import chats, listings

__all__ = ["handlers"]

_PRESENT = {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
_GONE = {ChatMemberStatus.LEFT, ChatMemberStatus.BANNED}
MAX_NAME = 100
MAX_CONTACT = 200


def _joined(change: ChatMemberUpdated) -> bool | None:
    """True when the bot arrived, False when it was removed, None for other changes."""
    old, new = change.old_chat_member.status, change.new_chat_member.status
    if new in _PRESENT and old not in _PRESENT:
        return True
    if new in _GONE and old not in _GONE:
        return False
    return None


async def membership_changed(update: Update, context: AppContext) -> None:
    change = update.my_chat_member
    assert change is not None
    services = context.services
    chat = change.chat
    joined = _joined(change)
    if joined is None:
        return
    services.group_admins.forget(chat.id)
    if not joined:
        # Blocked in a private chat, kicked from or left a group: stop all deliveries there.
        reason = (
            "blocked"
            if chat.type == ChatType.PRIVATE
            else ("kicked" if change.new_chat_member.status == ChatMemberStatus.BANNED else "left")
        )
        await chats.upsert(
            services.env.db, chat.id, chats.chat_type(chat.type), chat.title, reactivate=False
        )
        await chats.deactivate(services.env.db, chat.id, reason, services.env.db.now())
        return
    await chats.upsert(services.env.db, chat.id, chats.chat_type(chat.type), chat.title)
    if chat.type == ChatType.PRIVATE:
        return
    t = await texts_for(context, update)
    await context.bot.send_message(
        chat.id,
        t._(
            "Hello, {title}! I bring this group the invitations to association forums, "
            "association evenings and workshops in the municipalities and themes you choose, "
            "and the network's announcements. An administrator of this group can subscribe on "
            "behalf of the association; everyone answers invitations for themselves.",
            title=chat.title or "",
        ),
        reply_markup=keyboard([[button(t._("➕ Subscribe this group"), AREA, "edit", "areas")]]),
    )


def _profile_text(profile: listings.Listing | None, context: AppContext, t: Texts) -> str:
    services = context.services
    if profile is None:
        return t._("This group has no association profile yet.")
    municipalities = [
        place.name(t.language)
        for code in profile.municipalities
        if (place := services.env.catalog.municipality(code)) is not None
    ]
    themes = [
        theme.name(t.language)
        for theme_id in profile.themes
        if (theme := services.env.config.bot.theme(theme_id)) is not None
    ]
    dash = "—"
    return "\n".join(
        [
            t._("<b>Association profile</b>"),
            t._("Name: {value}", value=profile.name),
            t._(
                "Municipality: {value}",
                value=", ".join(municipalities) or dash,
            ),
            t._("Themes: {value}", value=", ".join(themes) or dash),
            t._("Contact: {value}", value=profile.contact or dash),
        ]
    )


def _usage(t: Texts) -> str:
    return t._(
        "Coordinators see this profile when your association answers an invitation. Set it with:\n"
        "/profile name Joensuun Kyläyhdistys ry\n"
        "/profile municipality Joensuu\n"
        "/profile themes village, culture\n"
        "/profile contact puheenjohtaja@example.fi\n"
        "/profile clear — removes the profile"
    )


async def profile_command(update: Update, context: AppContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    assert message is not None
    assert chat is not None
    services = context.services
    t = await texts_for(context, update)
    if chat.type == ChatType.PRIVATE:
        await message.reply_text(
            t._(
                "Association profiles belong to association group chats. Add me to your "
                "association's group and use /profile there."
            )
        )
        return
    current = await listings.for_chat(services.env.db, chat.id)
    if not context.args:
        await message.reply_text(_profile_text(current, context, t) + "\n\n" + _usage(t))
        return
    if not await may_change_chat(update, context):
        await refuse_non_admin(update, t)
        return
    field, value = context.args[0].lower(), " ".join(context.args[1:]).strip()
    if field == "clear":
        if current is not None:
            await listings.delete(services.env.db, current.id)
        await message.reply_text(t._("The association profile was removed."))
        return
    base = current or listings.Listing(0, chat.id, None, chat.title or "")
    updated = _with_field(base, field, value, context, t)
    if isinstance(updated, str):
        await message.reply_text(updated + "\n\n" + _usage(t))
        return
    await listings.save(services.env.db, updated)
    await message.reply_text(t._("Saved.") + "\n\n" + _profile_text(updated, context, t))


def _with_field(
    base: listings.Listing, field: str, value: str, context: AppContext, t: Texts
) -> listings.Listing | str:
    """The profile with one field changed, or an explanation of what is wrong with the value."""
    services = context.services
    if not value:
        return t._("Please give a value after “{field}”.", field=field)
    if field == "name":
        if len(value) > MAX_NAME:
            return t._("The name is too long (at most {limit} characters).", limit=MAX_NAME)
        return replace(base, name=value)
    if field == "municipality":
        result = services.env.place_index.search(value)
        if result.exact is None or result.exact.kind != "municipality":
            return t._("I could not find the municipality “{name}”.", name=value)
        return replace(base, municipalities=(result.exact.code,))
    if field == "themes":
        chosen: list[str] = []
        for part in value.replace(";", ",").split(","):
            theme = match_theme(part, services.env.config.bot.themes)
            if theme is None:
                return t._("I do not know the theme “{name}”.", name=part.strip())
            if theme.id not in chosen:
                chosen.append(theme.id)
        return replace(base, themes=tuple(chosen))
    if field == "contact":
        if len(value) > MAX_CONTACT:
            return t._("The contact is too long (at most {limit} characters).", limit=MAX_CONTACT)
        return replace(base, contact=value)
    return t._("I do not know the profile field “{field}”.", field=field)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
        CommandHandler("profile", profile_command),
    ]
