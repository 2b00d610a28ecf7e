"""⏱ in a shift's attendance list: the organiser corrects one person's hours. The tap asks
"Send the hours for NAME (e.g. 2.5)"; the next message in the private chat sets them (a draft of
kind `callhours`, handlers/wizard.py, so any bot process takes the answer). 0 < hours <= 24,
with a comma or a dot; only for a shift the person is marked as having attended.

Also the one check of who may manage a call from a handler (`may_manage`), shared with the
view (handlers/volunteering/roster.py)."""

from __future__ import annotations

from telegram import Update

from bot.context import AppContext
from bot.core.i18n import Texts
from bot.roles.permissions import AdminCheckFailed
from bot.volunteering import roster
from handlers.wizard import DraftKind, Turn, Wizard
from storage import call_roster, volunteer_calls
from storage.volunteer_calls import Call, Shift

__all__ = ["KIND", "WIZARD", "ask", "may_manage"]

KIND = DraftKind(
    "callhours", __name__, discarded=lambda t: t._("Your unfinished hours correction was dropped.")
)


async def may_manage(context: AppContext, user_id: int, call: Call) -> bool:
    """bot/volunteering/roster.py `may_manage`, with the group administrator check of this
    bot (failing closed)."""

    async def admin_of(chat_id: int) -> bool:
        try:
            return await context.services.group_admins.is_admin(context.bot, chat_id, user_id)
        except AdminCheckFailed:
            return False  # nobody sees names on a guess

    return await roster.may_manage(context.env, user_id, call, admin_of)


async def _attended(context: AppContext, shift: Shift, user_id: int) -> str | None:
    """The person's name when they are marked as there for the shift; None otherwise."""
    rows = await call_roster.roster(context.env.db, shift.call_id)
    found = next((r for r in rows if r.shift_id == shift.id and r.user_id == user_id), None)
    return None if found is None or not found.attended else found.name or found.username or ""


async def ask(
    update: Update, context: AppContext, t: Texts, call: Call, shift: Shift, user_id: int
) -> None:
    """The ⏱ tap (its tapper already checked as an organiser of the call)."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None
    organiser = query.from_user.id
    name = await _attended(context, shift, user_id)
    if call.state != "published":
        await query.answer(t._("This call was cancelled."), show_alert=True)
        return
    if name is None:
        await query.answer(
            t._("Hours can be corrected only for someone marked as there."), show_alert=True
        )
        return
    await query.answer()
    payload = {"shift_id": shift.id, "user_id": user_id, "name": name}
    await KIND.begin(context, t, organiser, chat.id, "hours", payload)
    await context.bot.send_message(
        chat.id,
        t._("Send the hours for {name} (e.g. 2.5), or /cancel.", name=name or str(user_id)),
    )


async def _on_hours(turn: Turn) -> None:
    t, payload = turn.t, turn.draft.payload
    hours = roster.parse_hours(turn.text or "")
    if hours is None:
        await turn.message.reply_text(
            t._("Send the hours as a number above 0 and at most 24, like 2.5 or 2,5.")
        )
        return
    context, user_id = turn.context, turn.draft.user_id
    shift = await volunteer_calls.shift(context.env.db, int(payload["shift_id"]))
    call = await volunteer_calls.get(context.env.db, shift.call_id) if shift else None
    await KIND.end(context, user_id, turn.draft.chat_id)
    if shift is None or call is None or not await may_manage(context, user_id, call):
        await turn.message.reply_text(t._("Only the call's organisers can do that."))
        return
    name = str(payload.get("name") or payload["user_id"])
    if not await roster.set_hours(context.env, shift.id, int(payload["user_id"]), hours):
        await turn.message.reply_text(
            t._("{name} is no longer marked as there; the hours were not changed.", name=name)
        )
        return
    await turn.message.reply_text(
        t._("⏱ {name}: {hours} h for the shift.", name=name, hours=t.number(hours))
    )


async def _on_cancel(turn: Turn) -> None:
    await KIND.end(turn.context, turn.draft.user_id, turn.draft.chat_id)
    await turn.message.reply_text(turn.t._("Stopped; the hours were not changed."))


WIZARD = Wizard(KIND, steps={"hours": _on_hours}, cancel=_on_cancel, text_only=True)
