"""/newgrant: the wizard that creates a grant call (coordinators, within their municipalities).

A wizard of handlers/wizard.py over a `drafts` row: title, funder, municipalities, themes
(buttons), opens (optional), deadline, amount (optional), link (optional), description
(optional), then a preview with the audience size and 📣 Publish.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import AppContext
from bot.core.callbacks import button, claim, decode, keyboard, pattern
from bot.core.i18n import Texts
from bot.events.draft import parse_municipalities
from bot.events.fields import FieldError
from bot.grants import service as grants
from bot.grants.fields import (
    GrantFields,
    check_amount,
    check_description,
    check_funder,
    check_link,
    check_title,
    parse_deadline,
    parse_opens,
)
from bot.grants.texts import card_keyboard, card_text
from bot.roles.access import role_of
from handlers.common import edit_in_place, texts_for
from handlers.events.prompts import field_error
from handlers.wizard import DraftKind, Turn, Wizard, one_at_a_time

__all__ = ["WIZARD", "deadline_error", "handlers"]

AREA = claim("ngr", __name__)
KIND = DraftKind(
    "newgrant",
    __name__,
    timeout=lambda config: config.bot.wizard_timeout,
    expired=lambda t: t._(
        "The grant call draft expired after a long pause. /newgrant starts again."
    ),
    discarded=lambda t: t._("Your unfinished grant call was discarded."),
)
STEPS = (
    "title",
    "funder",
    "municipalities",
    "themes",
    "opens",
    "deadline",
    "amount",
    "link",
    "description",
)
OPTIONAL = ("opens", "amount", "link", "description")
PREVIEW = "preview"


def _prompt(
    step: str, t: Texts, payload: dict[str, Any], context: AppContext
) -> tuple[str, InlineKeyboardMarkup | None]:
    skip = keyboard([[button(t._("Skip"), AREA, "skip", step)]]) if step in OPTIONAL else None
    if step == "themes":
        chosen = set(payload.get("themes", []))
        rows = [
            [button(("✅ " if th.id in chosen else "") + th.name(t.language), AREA, "theme", th.id)]
            for th in context.env.themes
        ]
        rows.append([button(t._("Done ▶"), AREA, "done")])
        return t._("Which themes? Tap to choose; none chosen means every theme."), keyboard(rows)
    texts = {
        "title": t._("The grant call's title?"),
        "funder": t._("Who grants it (the funder)?"),
        "municipalities": t._(
            "For which municipalities is it? Send names separated by commas; a region "
            "means all its municipalities. For example: Joensuu, Outokumpu"
        ),
        "opens": t._("When does the application period open? For example 1.12.2026, or Skip."),
        "deadline": t._(
            "The application deadline? For example 15.1.2027 16.00 (a date alone means 23.59)."
        ),
        "amount": t._("How much can be applied for? For example “500–3 000 €”, or Skip."),
        "link": t._("A link to the call (https://…), or Skip."),
        "description": t._("A short description, or Skip."),
    }
    return texts[step], skip


def deadline_error(t: Texts, exc: FieldError) -> str:
    if exc.reason == "past":
        return t._("That deadline is already past. Send a future date like 15.1.2027 16.00.")
    return field_error(t, "deadline", exc)


def fields_of(payload: dict[str, Any]) -> GrantFields | None:
    try:
        return GrantFields(
            title=payload["title"],
            funder=payload["funder"],
            municipalities=tuple(payload["municipalities"]),
            themes=tuple(payload.get("themes", [])),
            deadline=datetime.fromisoformat(payload["deadline"]),
            opens=date.fromisoformat(payload["opens"]) if payload.get("opens") else None,
            amount=payload.get("amount", ""),
            link=payload.get("link", ""),
            description=payload.get("description", ""),
        )
    except KeyError:
        return None


async def _ask(
    message: Message,
    context: AppContext,
    t: Texts,
    user_id: int,
    payload: dict[str, Any],
    step: str,
) -> None:
    await KIND.keep(context, t, user_id, message.chat.id, step, payload)
    if step == PREVIEW:
        await _preview(message, context, t, user_id, payload)
        return
    text, markup = _prompt(step, t, payload, context)
    await message.reply_text(text, reply_markup=markup)


def _next(step: str) -> str:
    return PREVIEW if step == STEPS[-1] else STEPS[STEPS.index(step) + 1]


async def new_grant(update: Update, context: AppContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    t = await texts_for(context, update)
    env = context.env
    if await role_of(env.config, env.db, user.id) == "participant":
        await message.reply_text(t._("Only coordinators can publish grant calls."))
        return
    if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        await message.reply_text(t._("Prepare grant calls in a private chat with me."))
        return
    await KIND.begin(context, t, user.id, message.chat.id, "title", {})
    await _ask(message, context, t, user.id, {}, "title")


async def _text_step(turn: Turn) -> None:
    message, context, t, step = turn.message, turn.context, turn.t, turn.draft.step
    text = turn.text or ""
    payload = dict(turn.draft.payload)
    env = context.env
    now, tz = env.clock.now(), env.config.bot.timezone
    try:
        if step == "municipalities":
            codes, unknown = parse_municipalities(text, env.place_index, env.catalog)
            if unknown or not codes:
                await message.reply_text(
                    t._(
                        "I did not recognise: {names}. Send the municipalities again.",
                        names=", ".join(unknown) or text,
                    )
                )
                return
            if not await grants.may_create_in(env, turn.draft.user_id, codes):
                await message.reply_text(
                    t._("Those municipalities are outside your areas. Send others.")
                )
                return
            payload["municipalities"] = list(codes)
        elif step == "deadline":
            payload["deadline"] = parse_deadline(text, now, tz).isoformat()
        elif step == "opens":
            payload["opens"] = parse_opens(text, now, tz).isoformat()
        else:
            check = {
                "title": check_title,
                "funder": check_funder,
                "amount": check_amount,
                "link": check_link,
                "description": check_description,
            }[step]
            payload[step] = check(text)
    except FieldError as exc:
        await message.reply_text(
            deadline_error(t, exc) if step in ("deadline", "opens") else field_error(t, step, exc)
        )
        return
    await _ask(message, context, t, turn.draft.user_id, payload, _next(step))


async def _preview(
    message: Message, context: AppContext, t: Texts, user_id: int, payload: dict[str, Any]
) -> None:
    fields = fields_of(payload)
    if fields is None:
        missing = next(s for s in STEPS if s not in payload and s not in (*OPTIONAL, "themes"))
        await _ask(message, context, t, user_id, payload, missing)
        return
    env = context.env
    if fields.deadline.timestamp() <= env.db.now():
        await message.reply_text(deadline_error(t, FieldError("past")))
        await _ask(message, context, t, user_id, payload, "deadline")
        return
    call = grants.preview(env, fields, user_id)
    size = await grants.audience_size(env, fields)
    await message.reply_text(t._("Preview — recipients will see exactly this:"))
    await message.reply_text(
        card_text(call, t, env.catalog, env.themes),
        reply_markup=card_keyboard(call, t, reminding=False),
    )
    reach = t.n_("It will reach {n} chat.", "It will reach {n} chats.", size)
    buttons = [
        [button(t._("📣 Publish"), AREA, "publish")],
        [button(t._("✖ Discard"), AREA, "discard")],
    ]
    await message.reply_text(reach, reply_markup=keyboard(buttons))


async def on_button(update: Update, context: AppContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    message = query.message
    stored = None
    if isinstance(message, Message):
        stored = await KIND.load(context, user.id, message.chat.id)
    if stored is None or data is None or not isinstance(message, Message):
        await query.answer(t._("This draft has expired. /newgrant starts again."), show_alert=True)
        return
    await query.answer()
    payload, step, action = dict(stored.payload), stored.step, data.part(0)
    if action == "theme" and step == "themes" and context.env.config.bot.theme(data.part(1) or ""):
        payload["themes"] = sorted(set(payload.get("themes", [])) ^ {data.part(1)})
        await KIND.keep(context, t, user.id, message.chat.id, step, payload)
        text, markup = _prompt("themes", t, payload, context)
        await edit_in_place(message, text, markup)
    elif action == "done" and step == "themes":
        await _ask(message, context, t, user.id, payload, _next(step))
    elif action == "skip" and data.part(1) == step and step in OPTIONAL:
        payload.pop(step, None)
        await _ask(message, context, t, user.id, payload, _next(step))
    elif action == "publish" and step == PREVIEW:
        await _publish(message, context, t, user.id, payload)
    elif action == "discard":
        await KIND.end(context, user.id, message.chat.id)
        await message.reply_text(t._("The grant call was discarded; nothing was sent."))


async def _publish(
    message: Message, context: AppContext, t: Texts, user_id: int, payload: dict[str, Any]
) -> None:
    fields = fields_of(payload)
    env = context.env
    if fields is None or not await grants.may_create_in(env, user_id, fields.municipalities):
        await message.reply_text(t._("Those municipalities are outside your areas. Send others."))
        return
    if fields.deadline.timestamp() <= env.db.now():
        await message.reply_text(deadline_error(t, FieldError("past")))
        await _ask(message, context, t, user_id, payload, "deadline")
        return
    call_id, queued = await grants.publish(env, fields, user_id)
    await KIND.end(context, user_id, message.chat.id)
    context.services.delivery.wake()
    await message.reply_text(
        t.n_(
            "💶 Grant call {id} published; it goes to {n} chat.",
            "💶 Grant call {id} published; it goes to {n} chats.",
            queued,
            id=call_id,
        )
    )


async def _on_cancel(turn: Turn) -> None:
    await KIND.end(turn.context, turn.draft.user_id, turn.draft.chat_id)
    await turn.message.reply_text(turn.t._("The grant call was discarded; nothing was sent."))


WIZARD = Wizard(
    KIND,
    steps={s: _text_step for s in STEPS if s != "themes"},
    cancel=_on_cancel,
    text_only=True,
)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("newgrant", new_grant),
        CallbackQueryHandler(one_at_a_time(on_button), pattern=pattern(AREA)),
    ]
