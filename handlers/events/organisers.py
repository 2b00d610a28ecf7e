"""The coordinator's "➕ Co-organiser" on an event's view: the next private message names an
association in the directory or a coordinator; up to five matches of each come back as buttons,
one tap adds it, and "✖" removes one. Only those who may manage the event (its coordinators and
the administrators), not its co-organisers, change who co-organises.

Callback data: `evo:<action>:<event id>[:<listing or user id>]`, actions `add` (ask for a name),
`al`/`au` (add a listing / a coordinator), `rl`/`ru` (remove one). Every tap re-checks the event,
the permission and what the id names (a public listing, an active coordinator)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import AppContext
from bot.core.callbacks import button, claim, decode, keyboard, pattern
from bot.core.i18n import Texts
from bot.environment import Environment
from bot.events import service as events
from bot.events.organisers import candidates
from handlers.common import echo, edit_in_place
from handlers.events.access import managed_tap
from handlers.events.view_answers import event_answer
from handlers.wizard import AnswerDraft
from storage import drafts, listings, organisers
from storage.events import Event

__all__ = ["ORGANISERS", "handlers", "organisers_button"]

AREA = claim("evo", __name__)
_KIND = "event_organisers"  # a drafts row: which event the next private message names one for


def organisers_button(t: Texts, event: Event) -> InlineKeyboardButton:
    """The coordinator view's button (handlers/events/view.py)."""
    return button(t._("➕ Co-organiser"), AREA, "add", event.id)


async def _current(
    env: Environment, t: Texts, event: Event
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Who co-organises now, each with its ✖ button, and the instructions."""
    named = await organisers.named(env.db, event.id)
    lines = [
        t._(
            "🤝 Send the name of an association in the directory, or of a coordinator, to name "
            "them as co-organisers of <b>{title}</b>. /cancel stops.",
            title=event.title,
        )
    ]
    if named:
        lines.append(t._("Co-organisers now: {names}", names=", ".join(n.name for n in named)))
    rows = [
        [button(f"✖ {n.name[:40]}", AREA, "rl" if n.kind == "listing" else "ru", event.id, n.id)]
        for n in named
    ]
    return "\n\n".join(lines), keyboard(rows) if rows else None


async def on_tap(update: Update, context: AppContext) -> None:
    tap = await managed_tap(update, context)
    if tap is None:
        return
    user = update.effective_user
    assert user is not None
    env, t, event = context.env, tap.t, tap.event
    if not await events.may_manage(env, user.id, event):
        await tap.query.answer(t._("Only the event's coordinators can do that."), show_alert=True)
        return
    if event.state != "published" or tap.message.chat.type != ChatType.PRIVATE:
        await tap.query.answer(t._("This event was already cancelled."), show_alert=True)
        return
    data = decode(tap.query.data)
    item = data.int_part(2) if data is not None else None
    if tap.action == "add":
        await tap.query.answer()
        await drafts.save(env.db, user.id, user.id, _KIND, "name", {"id": event.id})
        text, markup = await _current(env, t, event)
        await tap.message.reply_text(text, reply_markup=markup)
    elif tap.action in ("al", "au") and item is not None:
        name = await _add(env, event, tap.action, item)
        if name is None:
            await tap.query.answer(t._("This choice is no longer offered."), show_alert=True)
            return
        await tap.query.answer(t._("✅ {name} co-organises the event now.", name=name))
        text, markup = await _current(env, t, event)
        await edit_in_place(tap.message, text, markup)
    elif tap.action in ("rl", "ru") and item is not None:
        kind = {"listing_id": item} if tap.action == "rl" else {"user_id": item}
        removed = await organisers.remove(env.db, event.id, **kind)
        await tap.query.answer(t._("Removed.") if removed else t._("It was already removed."))
        text, markup = await _current(env, t, event)
        await edit_in_place(tap.message, text, markup)
    else:
        await tap.query.answer(t._("This menu has expired."), show_alert=True)


async def _add(env: Environment, event: Event, action: str, item: int) -> str | None:
    """Name a public listing ("al") or an active coordinator ("au") as co-organiser (again is
    no change); their name, or None when the id names neither (a stale or forged button)."""
    if action == "al":
        listing = await listings.get(env.db, item)
        if listing is None or listing.status != "public":
            return None
        await organisers.add_listing(env.db, event.id, listing.id)
        return listing.name
    name = dict(await organisers.coordinators(env.db)).get(item)
    if name is None:
        return None
    await organisers.add_user(env.db, event.id, item)
    return name


async def take(update: Update, context: AppContext) -> bool:
    """The private message after ➕ Co-organiser; False: none was asked."""
    answer = await event_answer(update, context, _KIND)
    if isinstance(answer, bool):
        return answer
    env, message, t, event = context.env, answer.message, answer.t, answer.event
    user_id = answer.user_id
    found = await candidates(env, message.text or "")
    if not found.listings and not found.coordinators:
        await message.reply_text(
            t._(
                "No association in the directory and no coordinator is called “{name}”. Send "
                "another name, or /cancel.",
                name=echo(message.text or ""),
            )
        )
        return True
    await drafts.delete(env.db, user_id, user_id, _KIND)
    rows = [[button(f"🏘 {name[:40]}", AREA, "al", event.id, i)] for i, name in found.listings]
    rows += [[button(f"👤 {name[:40]}", AREA, "au", event.id, i)] for i, name in found.coordinators]
    await message.reply_text(t._("Which one co-organises?"), reply_markup=keyboard(rows))
    return True


async def _drop(env: Environment, user_id: int) -> bool:
    return await drafts.delete(env.db, user_id, user_id, _KIND)


ORGANISERS = AnswerDraft(
    take=take,
    drop=_drop,
    stopped=lambda t: t._("Stopped; nothing was changed."),
)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [CallbackQueryHandler(on_tap, pattern=pattern(AREA))]
