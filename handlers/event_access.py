"""The guard every coordinator button of an event passes: decode, find the event, re-check
that the tapper may manage it now. Shared by the event view and the feedback results."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message, Update

from bot import events
from bot.context import AppContext
from bot.i18n import Texts
from handlers.keyboards import Callback, decode
from storage import events as stored_events
from storage.events import Event

__all__ = ["ManagedTap", "managed_tap"]


@dataclass(frozen=True, slots=True)
class ManagedTap:
    action: str | None
    event: Event
    message: Message


async def managed_tap(update: Update, context: AppContext, t: Texts) -> ManagedTap | None:
    """The tap's action and event when the tapper may manage it; otherwise the tap is answered
    with a refusal and None is returned. Callback data: `<area>:<action>:<event id>`."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    data: Callback | None = decode(query.data)
    event_id = data.int_part(1) if data else None
    env = context.services.events
    event = await stored_events.get(env.db, event_id) if event_id is not None else None
    message = query.message
    if (
        data is None
        or event is None
        or not isinstance(message, Message)
        or not await events.may_manage(env, user.id, event)
    ):
        await query.answer(t._("Only the event's coordinators can do that."), show_alert=True)
        return None
    return ManagedTap(data.part(0), event, message)
