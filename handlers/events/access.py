"""The guards an event's buttons and numbers pass: an event opened by number (a draft only for
its coordinators), a coordinator button (decode, find the event, re-check
that the tapper may manage it now; the event view and the feedback results) and a participant's
signed button (decode, check the signature against the chat the card is in; RSVP and feedback)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import CallbackQuery, Message, Update

from bot.context import AppContext
from bot.core.callbacks import Callback, decode, verify
from bot.core.i18n import Texts
from bot.environment import Environment
from bot.events import service as events
from bot.events.organisers import co_organises
from bot.roles.permissions import AdminCheckFailed
from handlers.common import texts_for
from storage import events as stored_events
from storage.events import Event

__all__ = [
    "ManagedTap",
    "SignedTap",
    "managed_tap",
    "may_view",
    "signed_tap",
    "visible_event",
]


async def may_view(context: AppContext, user_id: int, event: Event) -> bool:
    """The coordinator view: the event's coordinators and its co-organisers."""
    env = context.env
    if await events.may_manage(env, user_id, event):
        return True

    async def admin_of(chat_id: int) -> bool:
        try:
            return await context.services.group_admins.is_admin(context.bot, chat_id, user_id)
        except AdminCheckFailed:
            return False  # fail closed: nobody sees answers on a guess

    return await co_organises(env, user_id, event.id, admin_of)


async def visible_event(
    env: Environment, user_id: int | None, event_id: int, context: AppContext | None = None
) -> tuple[Event | None, bool]:
    """An event as a person may open it by number (/event, /feedback): None when there is no
    such event or it is a draft they may not manage; and whether they may manage it (with
    `context`, its co-organisers too)."""
    event = await stored_events.get(env.db, event_id)
    manager = (
        event is not None and user_id is not None and await events.may_manage(env, user_id, event)
    )
    if event is not None and user_id is not None and context is not None and not manager:
        manager = await may_view(context, user_id, event)
    if event is None or (event.state == "draft" and not manager):
        return None, False
    return event, manager


@dataclass(frozen=True, slots=True)
class ManagedTap:
    query: CallbackQuery
    t: Texts  # the tapper's language
    action: str | None
    event: Event
    message: Message


async def managed_tap(update: Update, context: AppContext) -> ManagedTap | None:
    """The opening of every coordinator button's handler: the tap's action and event when the
    tapper may manage the event now (a role can be withdrawn after the buttons were sent);
    otherwise the tap is answered with a refusal and None is returned.
    Callback data: `<area>:<action>:<event id>`."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = await texts_for(context, update)
    data: Callback | None = decode(query.data)
    event_id = data.int_part(1) if data else None
    env = context.env
    event = await stored_events.get(env.db, event_id) if event_id is not None else None
    message = query.message
    if (
        data is None
        or event is None
        or not isinstance(message, Message)
        or not await may_view(context, user.id, event)
    ):
        await query.answer(t._("Only the event's coordinators can do that."), show_alert=True)
        return None
    return ManagedTap(query, t, data.part(0), event, message)


@dataclass(frozen=True, slots=True)
class SignedTap:
    event_id: int
    action: str
    message: Message


def signed_tap(update: Update, context: AppContext, actions: frozenset[str]) -> SignedTap | None:
    """A participant's tap on `<area>:<event id>:<action>:<sig>`, when the action is one of
    `actions` and the signature matches the event and the chat the card is in; None otherwise
    (a forged, rewritten or copied button)."""
    query = update.callback_query
    assert query is not None
    data = decode(query.data)
    message = query.message
    event_id = data.int_part(0) if data else None
    action = data.part(1) if data else None
    if (
        data is None
        or event_id is None
        or action not in actions
        or not isinstance(message, Message)
        or not verify(context.env.key, event_id, message.chat.id, data.part(2))
    ):
        return None
    return SignedTap(event_id, action, message)
