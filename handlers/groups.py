"""Association group chats: the bot joining or leaving (their profile: directory_profile.py)."""

from __future__ import annotations

from telegram import ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import BaseHandler, ChatMemberHandler

from bot.context import AppContext
from bot.core.callbacks import button, keyboard
from handlers.common import texts_for
from handlers.subscriptions.menu_render import AREA
from storage import chats

__all__ = ["handlers"]

_PRESENT = {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
_GONE = {ChatMemberStatus.LEFT, ChatMemberStatus.BANNED}


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


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
    ]
