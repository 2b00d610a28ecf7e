"""The one private message that answers a prompt of the coordinator view (🧩 Sessions,
➕ Co-organiser, 💡 Suggestions until…): which event it is for, kept in a drafts row of the
prompt's kind, and whether the person may still manage that event when the answer comes."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message, Update
from telegram.constants import ChatType

from bot.context import AppContext
from bot.core.i18n import Texts
from bot.events import service as events
from handlers.common import texts_for
from storage import drafts
from storage import events as stored_events
from storage.events import Event

__all__ = ["EventAnswer", "event_answer"]


@dataclass(frozen=True, slots=True)
class EventAnswer:
    message: Message
    t: Texts
    event: Event
    user_id: int


async def event_answer(
    update: Update, context: AppContext, kind: str, *, key: str = "id", published: bool = False
) -> EventAnswer | bool:
    """The answer to an open prompt of `kind` (its event id under `key` in the draft): False when
    none is open (the message is someone else's), True when it was refused here (the event is
    gone, or no longer theirs to manage; `published`: or no longer published)."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None or chat.type != ChatType.PRIVATE:
        return False
    env = context.env
    stored = await drafts.get(env.db, user.id, user.id, kind)
    if stored is None:
        return False
    t = await texts_for(context, update)
    event = await stored_events.get(env.db, int(stored.payload.get(key, 0)))
    if (
        event is None
        or (published and event.state != "published")
        or not await events.may_manage(env, user.id, event)
    ):
        await drafts.delete(env.db, user.id, user.id, kind)
        await message.reply_text(t._("Only the event's coordinators can do that."))
        return True
    return EventAnswer(message, t, event, user.id)
