"""One way to hold a multi-step conversation: named steps over a draft kept in the database.

Why our own small framework and not python-telegram-bot's ConversationHandler: the next step of
the project runs several bot processes behind one webhook, and any of them may receive a
person's next update. Every wizard's state must therefore live in the shared database.
ConversationHandler keeps its state in the process's memory (PTB persistence is per process and
flushed on an interval), so it can give neither "a draft survives a restart" nor "any process
continues it".

The pieces:

- A `DraftKind` names a wizard's drafts (the key beside the user and the chat) and loads, saves
  and ends them; optionally a timeout drops an untouched draft with a notice.
- A `Wizard` is a DraftKind, its named text steps (`steps`: step name → what to do with a typed
  answer) and its /cancel. Its button taps are its own CallbackQueryHandler, which loads the
  draft with `DraftKind.load`.
- An `AnswerDraft` is a one-message answer kept by its feature (a feedback comment, a poll's
  written answer): it takes the next private message, /cancel drops it, and any other command
  in the private chat drops it too.
- `handlers` routes for all of them: one free-text dispatch (the sender's most recent draft in
  the chat gets the message; a step that waits for a tap says so), one /cancel and one guard.

A new wizard saves with `DraftKind.keep` (the payload is its draft dataclass's `to_json()`),
reads with `DraftKind.load` and ends with `DraftKind.end`; starting one with `DraftKind.begin`
replaces any other draft the person had in the chat, so there is one conversation at a time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram import Message, Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.context import AppContext
from bot.core.config import Config
from bot.core.i18n import Texts
from bot.environment import Environment
from handlers.common import texts_for
from storage import drafts
from storage.drafts import Draft

__all__ = [
    "GUARD_GROUP",
    "AnswerDraft",
    "Draft",
    "DraftKind",
    "Routes",
    "Turn",
    "Wizard",
    "handlers",
]

# Before every other group: a command sent instead of an awaited answer ends that answer draft.
GUARD_GROUP = -10
# Every DraftKind's name: one conversation at a time among them.
_KINDS: set[str] = set()


@dataclass(frozen=True, slots=True)
class Turn:
    """One update meeting a stored draft."""

    update: Update
    context: AppContext
    message: Message
    t: Texts
    draft: Draft

    @property
    def text(self) -> str | None:
        return self.message.text


Step = Callable[[Turn], Awaitable[None]]


@dataclass(frozen=True)
class DraftKind:
    """Where a wizard keeps its draft: its kind name, and optionally a timeout after which an
    untouched draft is dropped with the `expired` notice (None: it lives until
    storage.drafts.TTL)."""

    name: str
    timeout: Callable[[Config], timedelta] | None = None
    expired: Callable[[Texts], str] | None = None

    def __post_init__(self) -> None:
        if self.name in _KINDS:
            raise ValueError(f"two wizards keep drafts of kind {self.name!r}")
        _KINDS.add(self.name)

    async def load(self, context: AppContext, user_id: int, chat_id: int) -> Draft | None:
        return await drafts.get(context.env.db, user_id, chat_id, self.name)

    async def begin(
        self,
        context: AppContext,
        t: Texts,
        user_id: int,
        chat_id: int,
        step: str,
        payload: dict[str, Any],
    ) -> Draft:
        """A new draft; whatever else the person was preparing in the chat is dropped."""
        await drafts.delete_all(context.env.db, user_id, chat_id, _KINDS)
        return await self.keep(context, t, user_id, chat_id, step, payload)

    async def keep(
        self,
        context: AppContext,
        t: Texts,
        user_id: int,
        chat_id: int,
        step: str,
        payload: dict[str, Any],
    ) -> Draft:
        """Save the draft at `step`; with a timeout, (re)start its timer."""
        stored = await drafts.save(context.env.db, user_id, chat_id, self.name, step, payload)
        if self.timeout is not None and context.job_queue is not None:
            name = f"draft:{self.name}:{user_id}:{chat_id}"
            for earlier in context.job_queue.get_jobs_by_name(name):
                earlier.schedule_removal()  # it would find a newer revision and do nothing
            seconds = self.timeout(context.env.config).total_seconds()
            context.job_queue.run_once(self._expire, seconds, data=(stored, t), name=name)
        return stored

    async def end(self, context: AppContext, user_id: int, chat_id: int) -> bool:
        return await drafts.delete(context.env.db, user_id, chat_id, self.name)

    async def _expire(self, context: Any) -> None:
        """The timer set at a save: the draft goes if nothing touched it since (same revision).
        Timers are per process: after a restart the draft lives until storage.drafts.TTL."""
        stored, t = context.job.data
        services = context.application.bot_data.services
        if services is None:
            return
        dropped = await drafts.delete(
            services.env.db, stored.user_id, stored.chat_id, self.name, revision=stored.revision
        )
        if dropped and self.expired is not None:
            await context.bot.send_message(stored.chat_id, self.expired(t))


@dataclass(frozen=True)
class Wizard:
    """A wizard: its drafts, the steps answered by typing (the others wait for a tap) and what
    /cancel does. `text_only`: a photo or a sticker is no answer (the usual hint instead)."""

    kind: DraftKind
    steps: Mapping[str, Step]
    cancel: Step
    text_only: bool = False


@dataclass(frozen=True)
class AnswerDraft:
    """A one-message answer its feature keeps: `take` saves the message (False: no draft),
    `cancel` answers /cancel (False: no draft), `drop` ends it when another command comes."""

    take: Callable[[Update, AppContext], Awaitable[bool]]
    cancel: Callable[[Update, AppContext], Awaitable[bool]]
    drop: Callable[[Environment, int], Awaitable[object]]


@dataclass(frozen=True)
class _Router:
    wizards: Mapping[str, Wizard]
    answers: Sequence[AnswerDraft] = field(default_factory=tuple)

    async def _turn(self, update: Update, context: AppContext) -> tuple[Wizard, Turn] | None:
        user, chat, message = update.effective_user, update.effective_chat, update.effective_message
        if user is None or chat is None or message is None:
            return None
        stored = await drafts.latest(context.env.db, user.id, chat.id, self.wizards.keys())
        wizard = self.wizards.get(stored.kind) if stored is not None else None
        if wizard is None or stored is None:
            return None
        return wizard, Turn(update, context, message, await texts_for(context, update), stored)

    async def on_text(self, update: Update, context: AppContext) -> None:
        found = await self._turn(update, context)
        if found is not None and (found[1].text is not None or not found[0].text_only):
            wizard, turn = found
            step = wizard.steps.get(turn.draft.step)
            if step is not None:
                await step(turn)
            else:
                await turn.message.reply_text(
                    turn.t._("Please answer with the buttons above, or /cancel.")
                )
            return
        for answer in self.answers:
            if await answer.take(update, context):
                return
        message = update.effective_message
        if message is not None:
            t = await texts_for(context, update)
            await message.reply_text(t._("I read commands: /help lists what I can do."))

    async def on_cancel(self, update: Update, context: AppContext) -> None:
        found = await self._turn(update, context)
        if found is not None:
            wizard, turn = found
            await wizard.cancel(turn)
            return
        chat = update.effective_chat
        if chat is not None and chat.type == "private":
            for answer in self.answers:
                if await answer.cancel(update, context):
                    return
        message = update.effective_message
        if message is not None:
            t = await texts_for(context, update)
            await message.reply_text(t._("There is nothing to cancel."))

    async def on_command(self, update: Update, context: AppContext) -> None:
        """Any command but /cancel (which answers itself) ends the sender's answer drafts."""
        user, message = update.effective_user, update.effective_message
        words = (message.text or "").split() if message is not None else []
        command = words[0].split("@")[0] if words else ""
        if user is None or command == "/cancel":
            return
        for answer in self.answers:
            await answer.drop(context.env, user.id)


Handlers = list[BaseHandler[Update, AppContext, None]]


@dataclass(frozen=True)
class Routes:
    guard: Handlers  # for GUARD_GROUP
    cancel: Handlers  # early in group 0: before the unknown-command fallback
    text: Handlers  # last in group 0: free text nobody else claimed


def handlers(wizards: Sequence[Wizard], answers: Sequence[AnswerDraft]) -> Routes:
    router = _Router({w.kind.name: w for w in wizards}, tuple(answers))
    return Routes(
        guard=[MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND, router.on_command)],
        cancel=[CommandHandler("cancel", router.on_cancel)],
        text=[MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, router.on_text)],
    )
