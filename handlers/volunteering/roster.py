"""/mycalls, /call ID and the coordinator view of a volunteer call: per shift signed up /
places / waiting / checked in, the names (organisers only, private chat only), 🔄 Refresh,
📄 CSV, 👥 Attendance per shift (✅ / ⬜ per person, ⏱ corrects the hours:
handlers/volunteering/roster_hours.py) and ❌ Cancel call with a confirm step.

Every tap re-checks that the call (or shift) exists and that the tapper may manage it now
(bot/volunteering/roster.py `may_manage`): a role can be withdrawn after the buttons were sent.
Callback data: `vcr:<action>:<call id>` or `vcr:<action>:<shift id>[:<user id>]`.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import AppContext
from bot.core.callbacks import button, claim, decode, keyboard, pattern
from bot.core.i18n import Texts
from bot.roles.access import role_of
from bot.roles.permissions import AdminCheckFailed
from bot.volunteering import roster
from bot.volunteering.cancel import (
    ShiftRefusal,
    cancel_call,
    cancel_shift,
    has_begun,
    shift_refusal,
)
from bot.volunteering.cards import shift_when
from bot.volunteering.organised import organised_calls
from handlers.common import edit_in_place, texts_for
from handlers.volunteering import roster_hours
from handlers.volunteering.roster_hours import may_manage
from storage import volunteer_calls
from storage.volunteer_calls import Call, Shift

__all__ = ["AREA", "handlers", "open_button"]

AREA = claim("vcr", __name__)
_LISTED = 30  # calls in /mycalls
_NAME_IN_BUTTON = 30
_PAGE = 40  # people a page of the attendance list: up to 2 buttons each, under 100 in all
# Actions naming a shift (and a person) rather than the call.
_SHIFT_ACTIONS = frozenset({"a", "m", "u", "h", "sx", "sxy", "sk"})


def open_button(t: Texts, call_id: int) -> InlineKeyboardButton:
    """The button that opens a call's view (after /newcall publishes it)."""
    return button(t._("📋 Open the call's view"), AREA, "o", call_id)


def _view_markup(
    call: Call, rosters: list[roster.ShiftRoster], t: Texts, now: int
) -> InlineKeyboardMarkup:
    rows = [
        [
            button(t._("🔄 Refresh"), AREA, "r", call.id),
            button(t._("📄 CSV"), AREA, "csv", call.id),
        ]
    ]
    for r in rosters:
        if r.shift.cancelled_at is not None:
            continue
        label = t._("👥 Attendance {when}", when=shift_when(r.shift, t))
        rows.append([button(label, AREA, "a", r.shift.id)])
    if call.state == "published" and not has_begun([r.shift for r in rosters], now):
        rows.append([button(t._("❌ Cancel call"), AREA, "cx", call.id)])
    return keyboard(rows)


async def _view(context: AppContext, t: Texts, call: Call) -> tuple[str, InlineKeyboardMarkup]:
    rosters = await roster.build(context.env, call)
    return roster.render(call, rosters, t), _view_markup(call, rosters, t, context.env.db.now())


async def _open(message: Message, update: Update, context: AppContext, call_id: int) -> None:
    """The view as a new message, or a clear refusal."""
    t = await texts_for(context, update)
    user = update.effective_user
    assert user is not None
    if message.chat.type != ChatType.PRIVATE:
        await message.reply_text(t._("Open the call's view in a private chat with me."))
        return
    call = await volunteer_calls.get(context.env.db, call_id)
    env = context.env
    if call is None and await role_of(env.config, env.db, user.id) != "participant":
        await message.reply_text(t._("There is no volunteer call {id}.", id=call_id))
        return
    # A participant hears the same for a call that does not exist, so ids cannot be probed.
    if call is None or not await may_manage(context, user.id, call):
        await message.reply_text(t._("Only the call's organisers can open its view."))
        return
    text, markup = await _view(context, t, call)
    await message.reply_html(text, reply_markup=markup)


async def call_command(update: Update, context: AppContext) -> None:
    message = update.effective_message
    assert message is not None
    args = context.args or []
    if len(args) != 1 or not args[0].isdigit() or len(args[0]) > 12:
        t = await texts_for(context, update)
        await message.reply_text(t._("Usage: /call 12 — the number is in /mycalls."))
        return
    await _open(message, update, context, int(args[0]))


async def mycalls_command(update: Update, context: AppContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = await texts_for(context, update)
    if message.chat.type != ChatType.PRIVATE:
        await message.reply_text(t._("Open the call's view in a private chat with me."))
        return
    env = context.env
    role = await role_of(env.config, env.db, user.id)

    async def group_admin(chat_id: int) -> bool | None:
        try:
            return await context.services.group_admins.is_admin(context.bot, chat_id, user.id)
        except AdminCheckFailed:
            return None

    organised = await organised_calls(
        env, user.id, admin=role == "admin", group_admin=group_admin, limit=_LISTED
    )
    found = organised.calls
    if organised.unchecked:
        await message.reply_text(
            t._(
                "Telegram did not answer when I asked which association groups you administer, "
                "so their calls may be missing below. Try again in a moment."
            )
        )
    if not found and role == "participant":
        await message.reply_text(
            t._(
                "Only the organisers of volunteer calls can use this: coordinators, and the "
                "administrators of association groups that posted a call with /newcall."
            )
        )
        return
    if not found:
        await message.reply_text(t._("No volunteer calls yet. /newcall posts one."))
        return
    lines, rows = [t._("<b>Volunteer calls</b>")], []
    for c in found:
        state = " " + t._("(cancelled)") if c.state == "cancelled" else ""
        lines.append(t._("{id}: {title}{state}", id=c.id, title=c.title, state=state))
        rows.append([button(f"{c.id}: {c.title[:40]}", AREA, "o", c.id)])
    await message.reply_html("\n".join(lines), reply_markup=keyboard(rows))


@dataclass(frozen=True, slots=True)
class _Tap:
    action: str
    call: Call
    shift: Shift | None
    person: int | None  # the user id a per-person button names (the page, for "a")
    message: Message
    t: Texts
    page: int = 0  # the attendance list's page a per-person button was on

    @property
    def list_page(self) -> int:
        return (self.person if self.action == "a" else self.page) or 0


async def _tap(update: Update, context: AppContext) -> _Tap | None:
    """Decode, find the call (or shift), and check the tapper may manage it now; a refusal is
    answered here."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    action = data.part(0) if data else None
    item = data.int_part(1) if data else None
    db = context.env.db
    shift = None
    if action in _SHIFT_ACTIONS and item is not None:
        shift = await volunteer_calls.shift(db, item)
        item = shift.call_id if shift is not None else None
    call = await volunteer_calls.get(db, item) if item is not None else None
    message = query.message
    if (
        data is None
        or action is None
        or call is None
        or not isinstance(message, Message)
        # The names and the CSV are for the organisers' private chat, never a group's.
        or message.chat.type != ChatType.PRIVATE
        or not await may_manage(context, user.id, call)
    ):
        await query.answer(t._("Only the call's organisers can do that."), show_alert=True)
        return None
    return _Tap(action, call, shift, data.int_part(2), message, t, data.int_part(3) or 0)


async def on_tap(update: Update, context: AppContext) -> None:
    tap = await _tap(update, context)
    if tap is None:
        return
    query = update.callback_query
    assert query is not None
    t, call, message = tap.t, tap.call, tap.message
    if tap.action == "o":
        await query.answer()
        text, markup = await _view(context, t, call)
        await message.reply_html(text, reply_markup=markup)
    elif tap.action in ("r", "b"):
        await query.answer()
        text, markup = await _view(context, t, call)
        await edit_in_place(message, text, markup)
    elif tap.action == "csv":
        await query.answer()
        rosters = await roster.build(context.env, call)
        signups = sum(len(r.signed) + len(r.waiting) for r in rosters)
        await context.bot.send_document(
            message.chat.id,
            InputFile(roster.roster_csv(rosters, t), filename=f"call-{call.id}-signups.csv"),
            caption=t.n_("{n} sign-up.", "{n} sign-ups.", signups),
        )
    elif tap.action in ("a", "m", "u", "h") and tap.shift is not None:
        await _attendance_tap(update, context, tap, tap.shift)
    elif tap.action in ("sx", "sxy", "sk") and tap.shift is not None:
        await _shift_cancel_tap(update, context, tap, tap.shift)
    else:
        await _cancel_tap(update, context, tap)


async def _attendance_tap(update: Update, context: AppContext, tap: _Tap, shift: Shift) -> None:
    query = update.callback_query
    assert query is not None
    t = tap.t
    if tap.action in ("m", "u") and tap.person is not None:
        outcome = await roster.mark(context.env, shift, tap.person, tap.action == "m")
        if outcome == "marked":
            context.services.delivery.wake()  # a thank-you, when the shift's went out already
        answer = {
            "marked": None,
            "unmarked": None,
            "already": t._("Already marked as there."),
            "early": t._(
                "Attendance can be marked from 30 minutes before the shift starts ({when}).",
                when=shift_when(shift, t),
            ),
            "waiting": t._(
                "They are on the waiting list: you can mark them once the shift has started."
            ),
            "not_signed_up": t._("This person is not signed up for the shift any more."),
            "closed": t._("This call was cancelled."),
            "shift_cancelled": t._("This shift is already cancelled."),
        }[outcome]
        await query.answer(answer, show_alert=outcome not in ("marked", "unmarked", "already"))
    elif tap.action == "h" and tap.person is not None:
        await roster_hours.ask(update, context, t, tap.call, shift, tap.person)
        return
    else:
        await query.answer()
    text, markup = await _attendance(context, t, tap.call, shift, tap.list_page)
    await edit_in_place(tap.message, text, markup)


async def _attendance(
    context: AppContext, t: Texts, call: Call, shift: Shift, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    """The shift's people, each with ✅ (marked as there) or ⬜ to toggle, and ⏱ to correct the
    hours of those marked; `_PAGE` people a page, so a 500-place shift stays within Telegram's
    100 buttons a message."""
    rosters = await roster.build(context.env, call)
    found = next(r for r in rosters if r.shift.id == shift.id)
    lines = [
        t._("<b>👥 Attendance: {when}</b>", when=shift_when(shift, t)),
        t._(
            "{title} · checked in {checked}/{signed}",
            title=call.title,
            checked=found.checked_in,
            signed=len(found.signed),
        ),
        t._("Tap a name to mark them there or not there; ⏱ corrects the hours."),
    ]
    people = (*found.signed, *found.waiting)
    if not people:
        lines.append(t._("Nobody yet."))
    if found.waiting:
        lines.append(
            t._(
                "⏳ = on the waiting list: someone who came anyway can be marked once the shift "
                "has started, and gets a place."
            )
        )
    pages = max(1, -(-len(people) // _PAGE))
    page = min(max(page, 0), pages - 1)
    rows = []
    for p in people[page * _PAGE : (page + 1) * _PAGE]:
        name = roster.display_name(p, t)[:_NAME_IN_BUTTON]
        action = "u" if p.attended else "m"
        mark = ("✅ " if p.attended else "⬜ " if p.status == "yes" else "⏳ ") + name
        row = [button(mark, AREA, action, shift.id, p.user_id, page)]
        if p.attended and p.hours is not None:
            hours = t._("⏱ {hours} h", hours=t.number(p.hours))
            row.append(button(hours, AREA, "h", shift.id, p.user_id, page))
        rows.append(row)
    if pages > 1:
        lines.append(t._("Page {page}/{pages}", page=page + 1, pages=pages))
        turn = [button("◀", AREA, "a", shift.id, page - 1)] if page > 0 else []
        if page < pages - 1:
            turn.append(button("▶", AREA, "a", shift.id, page + 1))
        rows.append(turn)
    shifts = [r.shift for r in rosters]
    if shift_refusal(call, shifts, shift, context.env.db.now()) is None:
        rows.append([button(t._("❌ Cancel this shift"), AREA, "sx", shift.id)])
    rows.append([button(t._("◀ Back"), AREA, "b", call.id)])
    return "\n".join(lines), keyboard(rows)


def _refusal_text(t: Texts, refused: ShiftRefusal) -> str:
    return {
        "gone": t._("This call no longer exists."),
        "closed": t._("This call was cancelled."),
        "already": t._("This shift is already cancelled."),
        "started": t._(
            "This shift has started, so it can no longer be cancelled: its attendance and "
            "hours stay."
        ),
        "last": t._("This is the call's last shift still on: cancel the whole call instead."),
    }[refused]


async def _shift_cancel_tap(update: Update, context: AppContext, tap: _Tap, shift: Shift) -> None:
    """❌ Cancel this shift on its attendance page: a confirm step, then the cancel and one
    notice to each person signed up or waiting for it (bot/volunteering/cancel.py)."""
    query = update.callback_query
    assert query is not None
    t, call = tap.t, tap.call
    if tap.action == "sx":
        shifts = await volunteer_calls.shifts(context.env.db, call.id)
        refused = shift_refusal(call, shifts, shift, context.env.db.now())
        if refused is not None:
            await query.answer(_refusal_text(t, refused), show_alert=True)
            return
        await query.answer()
        rosters = await roster.build(context.env, call)
        found = next(r for r in rosters if r.shift.id == shift.id)
        await tap.message.reply_text(
            t.n_(
                "Cancel the shift {when} of “{title}”? The {n} person signed up or waiting "
                "for it is told; the call's other shifts go on.",
                "Cancel the shift {when} of “{title}”? The {n} people signed up or waiting "
                "for it are told; the call's other shifts go on.",
                len(found.signed) + len(found.waiting),
                when=shift_when(shift, t),
                title=call.title,
            ),
            reply_markup=keyboard(
                [
                    [button(t._("Yes, cancel the shift"), AREA, "sxy", shift.id)],
                    [button(t._("No, keep it"), AREA, "sk", shift.id)],
                ]
            ),
        )
        return
    if tap.action == "sk":
        await query.answer()
        await edit_in_place(tap.message, t._("The shift stays as it is."), None)
        return
    done = await cancel_shift(context.env, shift.id)
    if done.refused is not None:
        await query.answer(_refusal_text(t, done.refused), show_alert=True)
        return
    context.services.delivery.wake()
    await query.answer()
    text = t.n_(
        "The shift {when} is cancelled; {n} person signed up or waiting is being told.",
        "The shift {when} is cancelled; {n} people signed up or waiting are being told.",
        done.notified,
        when=shift_when(shift, t),
    )
    await edit_in_place(tap.message, text, None)


def _begun_text(t: Texts) -> str:
    return t._(
        "Its shifts have begun, so the call can no longer be cancelled: the attendance and "
        "hours already recorded stay. Cancel its later shifts one by one with ❌ Cancel this "
        "shift on their attendance pages."
    )


async def _cancel_tap(update: Update, context: AppContext, tap: _Tap) -> None:
    query = update.callback_query
    assert query is not None
    t, call, message = tap.t, tap.call, tap.message
    if call.state != "published":
        await query.answer(t._("This call is already cancelled."), show_alert=True)
    elif tap.action in ("cx", "cxy") and has_begun(
        await volunteer_calls.shifts(context.env.db, call.id), context.env.db.now()
    ):
        await query.answer(_begun_text(t), show_alert=True)
    elif tap.action == "cx":
        await query.answer()
        await message.reply_text(
            t._(
                "Cancel the volunteer call “{title}”? Everyone signed up or waiting is told.",
                title=call.title,
            ),
            reply_markup=keyboard(
                [
                    [button(t._("Yes, cancel the call"), AREA, "cxy", call.id)],
                    [button(t._("No, keep it"), AREA, "keep", call.id)],
                ]
            ),
        )
    elif tap.action == "cxy":
        notified = await cancel_call(context.env, call.id)
        if notified is None or notified == "begun":
            already = t._("This call is already cancelled.")
            await query.answer(already if notified is None else _begun_text(t), show_alert=True)
            return
        context.services.delivery.wake()
        await query.answer()
        text = t.n_(
            "The call was cancelled; {n} notice is on its way.",
            "The call was cancelled; {n} notices are on their way.",
            notified,
        )
        await edit_in_place(message, text, None)
    elif tap.action == "keep":
        await query.answer()
        await edit_in_place(message, t._("The call stays as it is."), None)
    else:
        await query.answer(t._("This menu has expired."), show_alert=True)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("mycalls", mycalls_command),
        CommandHandler("call", call_command),
        CallbackQueryHandler(on_tap, pattern=pattern(AREA)),
    ]
