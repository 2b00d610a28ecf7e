"""/grants [place]: the open grant calls by deadline, 5 a page; a call's card with 🔔 Remind me
and 📅 Deadline to calendar (the same buttons as the sent call); /editgrant ID DEADLINE for its
coordinators, which tells everyone who asked for reminders."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import InlineKeyboardMarkup, InputFile, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import AppContext
from bot.core.callbacks import button, claim, decode, keyboard, pattern
from bot.core.i18n import Texts
from bot.core.place_search import PlaceRef
from bot.events.fields import FieldError
from bot.grants import service as grants
from bot.grants.fields import parse_deadline
from bot.grants.texts import AREA as CARD_AREA
from bot.grants.texts import calendar_file, card_keyboard, card_text, ics_filename
from bot.roles.access import role_of
from handlers.common import edit_in_place, send_privately, texts_for
from handlers.grants.newgrant import deadline_error
from storage import grants as stored
from storage.grants import GrantCall

__all__ = ["handlers"]

AREA = claim("grl", __name__)  # list pages (p) and opening a card (o)
PAGE = 5
_KINDS = {"municipality": "m", "region": "r", "county": "c"}


async def _found(context: AppContext, chat_id: int, place: PlaceRef | None) -> list[GrantCall]:
    if place is None:
        return await grants.for_chat(context.env, chat_id)
    return await grants.for_place(context.env, place)


def _page(
    t: Texts, calls: list[GrantCall], page: int, place: PlaceRef | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    pages = max(1, -(-len(calls) // PAGE))
    page = min(max(page, 0), pages - 1)
    shown = calls[page * PAGE : (page + 1) * PAGE]
    lines = [t._("<b>Open grant calls</b>")]
    rows = []
    for call in shown:
        deadline = t.when(datetime.fromtimestamp(call.deadline_at, UTC))
        lines.append(
            t._(
                "{id}: {title} ({funder}) — deadline {when}",
                id=call.id,
                title=call.title,
                funder=call.funder,
                when=deadline,
            )
        )
        rows.append([button(t._("💶 {title}", title=call.title[:40]), AREA, "o", call.id)])
    if pages > 1:
        where = [_KINDS[place.kind], place.code] if place is not None else []
        nav = []
        if page > 0:
            nav.append(button(t._("◀ Earlier"), AREA, "p", page - 1, *where))
        if page < pages - 1:
            nav.append(button(t._("Later ▶"), AREA, "p", page + 1, *where))
        rows.append(nav)
        lines.append(t._("Page {page} of {pages}", page=page + 1, pages=pages))
    return "\n".join(lines), keyboard(rows) if rows else None


async def grants_command(update: Update, context: AppContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    t = await texts_for(context, update)
    typed = " ".join(context.args or []).strip()
    place = None
    if typed:
        place = context.env.place_index.search(typed).exact
        if place is None:
            await message.reply_text(t._("I do not know the place “{name}”.", name=typed))
            return
    calls = await _found(context, chat.id, place)
    if not calls:
        await message.reply_text(
            t._("No open grant calls there right now.")
            if place
            else t._("No open grant calls for your subscriptions right now. Try /grants Joensuu.")
        )
        return
    text, markup = _page(t, calls, 0, place)
    await message.reply_text(text, reply_markup=markup)


async def on_list_tap(update: Update, context: AppContext) -> None:
    query = update.callback_query
    assert query is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    message = query.message
    if data is None or not isinstance(message, Message):
        await query.answer()
        return
    if data.part(0) == "o":
        call = await stored.get(context.env.db, data.int_part(1) or 0)
        await query.answer()
        if call is None or call.state != "open":
            await message.reply_text(t._("This grant call is no longer open."))
            return
        user = update.effective_user
        reminding = user is not None and await stored.wants_reminder(
            context.env.db, call.id, user.id
        )
        env = context.env
        await message.reply_text(
            card_text(call, t, env.catalog, env.themes),
            reply_markup=card_keyboard(call, t, reminding=reminding),
        )
        return
    kinds = {v: k for k, v in _KINDS.items()}
    kind, code = kinds.get(data.part(2) or ""), data.part(3)
    place = PlaceRef(kind, code) if kind and code else None  # type: ignore[arg-type]
    await query.answer()
    calls = await _found(context, message.chat.id, place)
    text, markup = _page(t, calls, data.int_part(1) or 0, place)
    await edit_in_place(message, text, markup)


async def on_card_tap(update: Update, context: AppContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    env = context.env
    call = await stored.get(env.db, data.int_part(1) or 0) if data else None
    if data is None or call is None or call.state != "open":
        await query.answer(t._("This grant call is no longer open."), show_alert=True)
        return
    if data.part(0) == "c":
        await _send_calendar(update, context, t, call)
        return
    if call.deadline_at <= env.db.now():
        await query.answer(t._("The deadline of this grant call has passed."), show_alert=True)
        return
    on = await stored.toggle_reminder(env.db, call.id, user.id, env.db.now())
    await query.answer(
        t._("🔔 I will remind you before the deadline.")
        if on
        else t._("🔕 No reminders for this grant call.")
    )
    message = query.message
    if isinstance(message, Message) and message.chat.type == "private":
        await edit_in_place(message, message.text_html or "", card_keyboard(call, t, reminding=on))


async def _send_calendar(update: Update, context: AppContext, t: Texts, call: GrantCall) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    data = calendar_file(call, t, str(context.env.config.bot.timezone))
    await send_privately(
        query,
        context,
        t,
        InputFile(data, filename=ics_filename(call)),
        t._(
            "📅 {title} — open the file to add the deadline to your calendar.",
            title=call.title,
        ),
    )


async def edit_command(update: Update, context: AppContext) -> None:
    """/editgrant ID DEADLINE"""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = await texts_for(context, update)
    args = list(context.args or [])
    env = context.env
    if await role_of(env.config, env.db, user.id) == "participant":
        await message.reply_text(t._("Only coordinators can publish grant calls."))
        return
    call = None
    if args and args[0].isdigit():
        call = await stored.get(env.db, int(args[0]))
    if len(args) < 2 or call is None:
        await message.reply_text(t._("Send it like /editgrant 12 15.1.2027 16.00."))
        return
    if call.state != "open" or not await grants.may_manage(env, user.id, call):
        await message.reply_text(t._("You cannot change this grant call."))
        return
    try:
        deadline = parse_deadline(" ".join(args[1:]), env.clock.now(), env.config.bot.timezone)
    except FieldError as exc:
        await message.reply_text(deadline_error(t, exc))
        return
    told = await grants.change_deadline(env, call, deadline)
    context.services.delivery.wake()
    await message.reply_text(
        t.n_(
            "✏️ The deadline of grant call {id} is now {when}; {n} person was told.",
            "✏️ The deadline of grant call {id} is now {when}; {n} people were told.",
            told,
            id=call.id,
            when=t.when(deadline),
        )
    )


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("grants", grants_command),
        CommandHandler("editgrant", edit_command),
        CallbackQueryHandler(on_list_tap, pattern=pattern(AREA)),
        CallbackQueryHandler(on_card_tap, pattern=pattern(CARD_AREA)),
    ]
