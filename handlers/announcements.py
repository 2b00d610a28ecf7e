"""/announce for coordinators and admins: content → audience → preview → send now or later;
/announcements lists them with cancel buttons.

A wizard (handlers/wizard.py): the draft is a database row, so it survives a restart. Steps are
answered in the coordinator's private chat, where the chat id is the coordinator's id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from telegram import Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.announcements import service as announcements
from bot.announcements.service import Content
from bot.audience.parsing import AudienceChoice
from bot.audience.recipients import AudienceSpec
from bot.context import AppContext
from bot.core.callbacks import button, claim, decode, keyboard, pattern
from bot.core.dates import DateError, parse_datetime
from bot.core.i18n import Texts
from bot.roles.access import role_of
from handlers.audience import (
    ask_audience,
    audience_size,
    choice_from_json,
    choice_to_json,
    read_audience,
)
from handlers.common import edit_in_place, texts_for
from handlers.wizard import DraftKind, Turn, Wizard, one_at_a_time
from storage import broadcasts

__all__ = ["WIZARD", "handlers"]

AREA = claim("ann", __name__)
KIND = DraftKind(
    "announce", __name__, discarded=lambda t: t._("Your unfinished announcement was discarded.")
)


@dataclass(frozen=True, slots=True)
class Draft:
    user_id: int
    step: str  # content, audience, confirm, when
    content: Content | None = None
    choice: AudienceChoice | None = None
    audience_size: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "content": None if self.content is None else asdict(self.content),
            "choice": choice_to_json(self.choice),
            "audience_size": self.audience_size,
        }

    @classmethod
    def from_json(cls, user_id: int, step: str, value: dict[str, Any]) -> Draft:
        content = value.get("content")
        return cls(
            user_id,
            step,
            content=None if content is None else Content(**content),
            choice=choice_from_json(value.get("choice")),
            audience_size=int(value.get("audience_size", 0)),
        )


async def _draft(context: AppContext, user_id: int) -> Draft | None:
    stored = await KIND.load(context, user_id, user_id)
    return None if stored is None else Draft.from_json(user_id, stored.step, stored.payload)


async def _store(context: AppContext, t: Texts, draft: Draft) -> None:
    await KIND.keep(context, t, draft.user_id, draft.user_id, draft.step, draft.to_json())


async def _may_announce(update: Update, context: AppContext) -> bool:
    user = update.effective_user
    if user is None:
        return False
    services = context.services
    return await role_of(services.env.config, services.env.db, user.id) != "participant"


async def announce_command(update: Update, context: AppContext) -> None:
    message = update.effective_message
    assert message is not None
    t = await texts_for(context, update)
    if not await _may_announce(update, context):
        await message.reply_text(t._("Only coordinators can send announcements."))
        return
    if update.effective_chat is None or update.effective_chat.type != "private":
        await message.reply_text(t._("Prepare announcements in a private chat with me."))
        return
    assert update.effective_user is not None
    user_id = update.effective_user.id
    await KIND.begin(context, t, user_id, user_id, "content", Draft(user_id, "content").to_json())
    await message.reply_text(
        t._(
            "Send the announcement: a text (bold, italics and links are kept), or a photo or a "
            "document with a caption. /cancel stops."
        )
    )


def _content(message: Message) -> Content | None:
    if message.photo:
        caption = message.caption_html or ""
        return Content(caption, len(message.caption or ""), photo=message.photo[-1].file_id)
    if message.document is not None:
        caption = message.caption_html or ""
        return Content(caption, len(message.caption or ""), document=message.document.file_id)
    if message.text is not None:
        return Content(message.text_html, len(message.text))
    return None


def _typed(
    take: Callable[[Message, AppContext, Texts, Draft, str], Awaitable[None]],
) -> Callable[[Turn], Awaitable[None]]:
    """A step answered by typing text: anything else gets the usual hint."""

    async def step(turn: Turn) -> None:
        draft = Draft.from_json(turn.draft.user_id, turn.draft.step, turn.draft.payload)
        if not turn.text:
            await turn.message.reply_text(
                turn.t._("Please answer with the buttons above, or /cancel.")
            )
            return
        await take(turn.message, turn.context, turn.t, draft, turn.text)

    return step


async def _on_content(turn: Turn) -> None:
    draft = Draft.from_json(turn.draft.user_id, turn.draft.step, turn.draft.payload)
    await _take_content(turn.message, turn.context, turn.t, draft)


async def _take_content(message: Message, context: AppContext, t: Texts, draft: Draft) -> None:
    content = _content(message)
    if content is None:
        await message.reply_text(
            t._("I can send texts, photos and documents. Send one of those, or /cancel.")
        )
        return
    problem = announcements.check_content(content)
    if problem is not None:
        await message.reply_text(
            {
                "empty": t._("The announcement is empty. Send the text, or /cancel."),
                "too_long": t._(
                    "The text is {length} characters; Telegram allows {limit}. "
                    "Shorten it and send again.",
                    length=content.plain_length,
                    limit=announcements.MAX_TEXT,
                ),
                "caption_too_long": t._(
                    "The caption is {length} characters; Telegram allows {limit} under a file. "
                    "Shorten it and send again.",
                    length=content.plain_length,
                    limit=announcements.MAX_CAPTION,
                ),
            }[problem]
        )
        return
    await _store(context, t, replace(draft, step="audience", content=content))
    question = t._(
        "Who should get it? Send municipalities, regions, wellbeing counties and/or themes, "
        "for example “Joensuu, Outokumpu, health”, or “event 12” for everyone who answered "
        "event 12, or tap below."
    )
    await ask_audience(message, t, question, AREA)


async def _take_audience(
    message: Message, context: AppContext, t: Texts, draft: Draft, text: str
) -> None:
    choice = await read_audience(message, context, t, text)
    if choice is not None:
        await _preview(message, context, t, replace(draft, choice=choice))


async def _preview(message: Message, context: AppContext, t: Texts, draft: Draft) -> None:
    assert draft.choice is not None
    assert draft.content is not None
    size = await audience_size(
        message,
        context,
        t,
        draft.user_id,
        draft.choice,
        not_own_event=t._(
            "You can write to the people who answered your own events only. Send another audience."
        ),
        nobody=t._(
            "No chat follows that audience, so nothing would be sent. Send another audience, "
            "or /cancel."
        ),
    )
    if size is None:
        return
    await _store(context, t, replace(draft, step="confirm", audience_size=size))
    await message.reply_text(t._("Preview — recipients will see exactly this:"))
    content = draft.content
    if content.photo is not None:
        await context.bot.send_photo(message.chat.id, content.photo, caption=content.html)
    elif content.document is not None:
        await context.bot.send_document(message.chat.id, content.document, caption=content.html)
    else:
        await context.bot.send_message(message.chat.id, content.html)
    await message.reply_text(
        t.n_("It will reach {n} chat.", "It will reach {n} chats.", size),
        reply_markup=keyboard(
            [
                [button(t._("📣 Send now"), AREA, "send")],
                [button(t._("🕒 Send later…"), AREA, "later")],
                [button(t._("✖ Cancel"), AREA, "cancel")],
            ]
        ),
    )


async def _take_time(
    message: Message, context: AppContext, t: Texts, draft: Draft, text: str
) -> None:
    services = context.services
    try:
        moment = parse_datetime(text, services.env.clock.now(), services.env.config.bot.timezone)
    except DateError as exc:
        await message.reply_text(
            t._("That time is already past. Send a future time like 26.11.2026 18.00.")
            if exc.reason == "past"
            else t._("Send the time like 26.11.2026 18.00 or 26.11. klo 18.")
        )
        return
    await _queue(message, context, t, draft, moment)


async def _queue(
    message: Message, context: AppContext, t: Texts, draft: Draft, at: datetime | None
) -> None:
    services = context.services
    assert draft.choice is not None
    assert draft.content is not None
    broadcast_id, size = await announcements.queue(
        services.env.db,
        services.env.catalog,
        draft.choice.spec,
        draft.content,
        created_by=draft.user_id,
        report_chat_id=message.chat.id,
        at=at.timestamp() if at else None,
    )
    await KIND.end(context, draft.user_id, draft.user_id)
    if at is None:
        status = await message.reply_text(
            t.n_(
                "📣 Sending announcement {id} to {n} chat…",
                "📣 Sending announcement {id} to {n} chats…",
                size,
                id=broadcast_id,
            )
        )
        await broadcasts.set_progress_message(services.env.db, broadcast_id, status.message_id)
        services.delivery.wake()
    else:
        await message.reply_text(
            t._(
                "🕒 Announcement {id} will go out {when}. /announcements lists it with a cancel "
                "button.",
                id=broadcast_id,
                when=t.when(at),
            )
        )


async def on_tap(update: Update, context: AppContext) -> None:
    query = update.callback_query
    assert query is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    action = data.part(0) if data else None
    if action == "x" and data is not None:
        await _cancel_broadcast(update, context, t, data.int_part(1))
        return
    user_id = update.effective_user.id if update.effective_user else 0
    draft = await _draft(context, user_id)
    message = query.message
    if (
        draft is None
        or not isinstance(message, Message)
        or not await _may_announce(update, context)
    ):
        await query.answer(
            t._("This announcement is no longer being prepared. Start again with /announce."),
            show_alert=True,
        )
        return
    await query.answer()
    if action == "everyone" and draft.step == "audience":
        choice = AudienceChoice(AudienceSpec(everyone=True), ())
        await _preview(message, context, t, replace(draft, choice=choice))
    elif action == "send" and draft.step == "confirm":
        await edit_in_place(
            message,
            t.n_("It will reach {n} chat.", "It will reach {n} chats.", draft.audience_size),
            None,
        )
        await _queue(message, context, t, draft, None)
    elif action == "later" and draft.step == "confirm":
        await _store(context, t, replace(draft, step="when"))
        await message.reply_text(t._("When? For example 26.11.2026 18.00 or 26.11. klo 18."))
    elif action == "cancel":
        await KIND.end(context, draft.user_id, draft.user_id)
        await edit_in_place(message, t._("The announcement was discarded."), None)


async def _cancel_broadcast(
    update: Update, context: AppContext, t: Texts, broadcast_id: int | None
) -> None:
    query = update.callback_query
    assert query is not None
    services = context.services
    found = await broadcasts.broadcast(services.env.db, broadcast_id) if broadcast_id else None
    user = update.effective_user.id if update.effective_user else None
    allowed = found is not None and (
        found.created_by == user or user in services.env.config.bot.admins
    )
    if found is None or not allowed or found.state not in ("scheduled", "sending"):
        await query.answer(t._("That announcement can no longer be cancelled."), show_alert=True)
        return
    skipped = await broadcasts.cancel_broadcast(services.env.db, found.id)
    await query.answer(
        t.n_(
            "Cancelled; {n} message was not sent.",
            "Cancelled; {n} messages were not sent.",
            skipped,
        )
    )


async def announcements_command(update: Update, context: AppContext) -> None:
    message = update.effective_message
    assert message is not None
    t = await texts_for(context, update)
    if not await _may_announce(update, context):
        await message.reply_text(t._("Only coordinators can send announcements."))
        return
    services = context.services
    assert update.effective_user is not None
    mine = await broadcasts.broadcasts_by(
        services.env.db, update.effective_user.id, open_only=False
    )
    if not mine:
        await message.reply_text(t._("You have not sent announcements yet. /announce starts one."))
        return
    lines = [t._("<b>Your announcements</b>")]
    rows = []
    states = {
        "scheduled": t._("scheduled"),
        "sending": t._("sending"),
        "done": t._("delivered"),
        "cancelled": t._("cancelled"),
    }
    for broadcast in mine:
        progress = await broadcasts.progress(services.env.db, broadcast.id)
        lines.append(
            t._(
                "{id}: {state}, {sent}/{total} sent",
                id=broadcast.id,
                state=states[broadcast.state],
                sent=progress.sent,
                total=progress.total,
            )
        )
        if broadcast.state in ("scheduled", "sending"):
            rows.append([button(t._("✖ Cancel {id}", id=broadcast.id), AREA, "x", broadcast.id)])
    await message.reply_text("\n".join(lines), reply_markup=keyboard(rows) if rows else None)


async def _on_cancel(turn: Turn) -> None:
    await KIND.end(turn.context, turn.draft.user_id, turn.draft.chat_id)
    await turn.message.reply_text(turn.t._("Stopped; nothing was sent."))


WIZARD = Wizard(
    KIND,
    steps={
        "content": _on_content,
        "audience": _typed(_take_audience),
        "when": _typed(_take_time),
    },
    cancel=_on_cancel,
)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler("announce", announce_command),
        CommandHandler("announcements", announcements_command),
        CallbackQueryHandler(one_at_a_time(on_tap), pattern=pattern(AREA)),
    ]
