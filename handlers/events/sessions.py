"""The coordinator's "🧩 Sessions" on an event's view: one message, one session a line
("Työpaja 1; 20" or "Työpaja 1"), kept as an answer draft so it survives a restart."""

from __future__ import annotations

from telegram import InlineKeyboardButton, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import AppContext
from bot.core.callbacks import button, claim, pattern
from bot.core.i18n import Texts
from bot.environment import Environment
from bot.events import sessions
from bot.events.sessions import Refused
from handlers.events.access import managed_tap
from handlers.events.view_answers import event_answer
from handlers.wizard import AnswerDraft
from storage import drafts, rsvps
from storage import sessions as stored_sessions
from storage.events import Event

__all__ = ["SESSIONS", "handlers", "sessions_button"]

AREA = claim("evs", __name__)
_KIND = "event_sessions"  # a drafts row: which event the next private message sets


def sessions_button(t: Texts, event: Event) -> InlineKeyboardButton:
    """The coordinator view's button (handlers/events/view.py)."""
    return button(t._("🧩 Sessions"), AREA, "set", event.id)


def _instructions(t: Texts, event: Event, current: list[stored_sessions.Session]) -> str:
    lines = [
        t._(
            "🧩 Send the breakout sessions of <b>{title}</b> in one message, one a line: a title "
            "and, if it has places, a semicolon and their number. For example:",
            title=event.title,
        ),
        t._("Workshop 1; 20\nWorkshop 2; 20\nWorkshop 3"),
        t._(
            "{low}–{high} sessions. A session someone has chosen cannot be removed. "
            "“-” removes them all; /cancel stops.",
            low=sessions.MIN_SESSIONS,
            high=sessions.MAX_SESSIONS,
        ),
    ]
    if current:
        now = "\n".join(
            s.title if s.capacity is None else f"{s.title}; {s.capacity}" for s in current
        )
        lines.append(t._("Now:\n{sessions}", sessions=now))
    return "\n\n".join(lines)


async def on_tap(update: Update, context: AppContext) -> None:
    tap = await managed_tap(update, context)
    if tap is None:
        return
    user = update.effective_user
    assert user is not None
    if tap.event.state == "cancelled" or tap.message.chat.type != ChatType.PRIVATE:
        await tap.query.answer(t_cancelled(tap.t), show_alert=True)
        return
    await tap.query.answer()
    env = context.env
    await drafts.save(env.db, user.id, user.id, _KIND, "set", {"id": tap.event.id})
    current = await stored_sessions.for_event(env.db, tap.event.id)
    await tap.message.reply_text(_instructions(tap.t, tap.event, current))


def t_cancelled(t: Texts) -> str:
    return t._("This event was already cancelled.")


async def take(update: Update, context: AppContext) -> bool:
    """The private message after 🧩 Sessions; False: none was asked."""
    answer = await event_answer(update, context, _KIND)
    if isinstance(answer, bool):
        return answer
    env, message, t, event = context.env, answer.message, answer.t, answer.event
    user_id = answer.user_id
    try:
        specs = sessions.parse(message.text or "", event, t)
    except Refused as refused:
        await message.reply_text(refused.text + "\n" + t._("Send the sessions again, or /cancel."))
        return True
    chosen = await sessions.save(env, event, specs)
    if chosen:
        await message.reply_text(
            t._(
                "Not changed: people have chosen {sessions}, which your list leaves out. "
                "Keep them in the list, or ask those people to change first. Send the sessions "
                "again, or /cancel.",
                sessions=", ".join(chosen),
            )
        )
        return True
    await drafts.delete(env.db, user_id, user_id, _KIND)
    await message.reply_text(await _saved(env, t, event, len(specs)))
    return True


async def _saved(env: Environment, t: Texts, event: Event, n: int) -> str:
    if n == 0:
        return t._("✅ The event has no sessions now.")
    line = sessions.card_line(await rsvps.counts(env.db, event.id), t) or ""
    return t.n_("✅ Saved: {n} session.", "✅ Saved: {n} sessions.", n) + "\n" + line


async def _drop(env: Environment, user_id: int) -> bool:
    return await drafts.delete(env.db, user_id, user_id, _KIND)


SESSIONS = AnswerDraft(
    take=take,
    drop=_drop,
    stopped=lambda t: t._("Stopped; nothing was changed."),
)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [CallbackQueryHandler(on_tap, pattern=pattern(AREA))]
