"""A group administrator's command that goes on in the private chat (/propose, /newcall sent in an
association's group): the group gets a signed `start=` link instead of a conversation that would
flood it, and opening the link checks, again, that the person administers the group and that the
group has a profile to act for."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.context import AppContext
from bot.core.callbacks import sign, verify
from bot.core.i18n import Texts
from storage import listings
from storage.listings import Listing

__all__ = ["acting_for", "offer_private", "profile_ready"]


def profile_ready(listing: Listing | None) -> bool:
    """A profile the group can act under: a name and at least one municipality."""
    return listing is not None and bool(listing.name) and bool(listing.municipalities)


async def _allowed(
    message: Message, context: AppContext, t: Texts, chat_id: int, user_id: int, refusal: str
) -> Listing | None:
    if not await context.services.group_admins.is_admin(context.bot, chat_id, user_id):
        await message.reply_text(refusal)
        return None
    listing = await listings.for_chat(context.env.db, chat_id)
    if listing is None or not profile_ready(listing):
        await message.reply_text(
            t._("First give the group a profile with a name and a municipality: /profile")
        )
        return None
    return listing


async def offer_private(
    message: Message,
    context: AppContext,
    t: Texts,
    *,
    prefix: str,
    refusal: str,
    invitation: str,
) -> None:
    """In the group: the admin gets the link (signed for this group and this person)."""
    user, chat_id = message.from_user, message.chat.id
    assert user is not None
    if await _allowed(message, context, t, chat_id, user.id, refusal) is None:
        return
    payload = f"{prefix}{chat_id}_{sign(context.env.key, chat_id, user.id)}"
    link = f"https://t.me/{context.bot.username}?start={payload}"
    await message.reply_text(
        invitation,
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(t._("📨 Continue in private"), url=link)]]
        ),
    )


async def acting_for(
    update: Update, context: AppContext, t: Texts, *, prefix: str, refusal: str
) -> tuple[int, Listing] | None:
    """The link opened in the private chat: the group and its profile, or None after telling
    the person why not (a forged or foreign link, no longer an admin, no profile)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and context.args
    group, _, signature = context.args[0][len(prefix) :].partition("_")
    chat_id = int(group) if group.lstrip("-").isdigit() and len(group) < 20 else None
    if chat_id is None or not verify(context.env.key, chat_id, user.id, signature):
        await message.reply_text(t._("This link is not valid any more."))
        return None
    listing = await _allowed(message, context, t, chat_id, user.id, refusal)
    return None if listing is None else (chat_id, listing)
