"""One way to hold a multi-step conversation: named steps over a draft kept in the database.

Why our own small framework and not python-telegram-bot's ConversationHandler: the next step of
the project runs several bot processes behind one webhook, and any of them may receive a
person's next update. Every wizard's state must therefore live in the shared database.
ConversationHandler keeps its state in the process's memory (PTB persistence is per process and
flushed on an interval), so it can give neither "a draft survives a restart" nor "any process
continues it".

The pieces:

- A `DraftKind` names a wizard's drafts (the key beside the user and the chat) and loads, saves
  and ends them; optionally a timeout drops an untouched draft. The timeout is applied when the
  draft is read (older than the timeout since its last use: gone), so it holds across restarts
  and processes; every update that reaches the draft (a save, or a load: a typed answer that
  fails a check, a tap) counts as use. The notice the person gets when it expires is a best
  effort: a JobQueue timer in the process that last used the draft, lost on a restart.
- A `Wizard` is a DraftKind, its named text steps (`steps`: step name → what to do with a typed
  answer) and its /cancel. Its button taps are its own CallbackQueryHandler, which loads the
  draft with `DraftKind.load`.
- An `AnswerDraft` is a one-message answer kept by its feature (a feedback comment, a poll's
  written answer): it takes the next private message, /cancel drops it, and any other command
  in the private chat drops it too.
- `handlers` routes for all of them: one free-text dispatch, one /cancel and one guard. When
  several wizard drafts are open in the chat (only possible through an older bot, since `begin`
  keeps one), the most recently used one gets a typed message and /cancel, both the same way;
  a step that waits for a tap says so. Answer drafts come after wizard drafts.
- `one_at_a_time` wraps a handler that reads and then saves a draft: one person's updates in
  one chat run one after another in this process (the bot handles updates side by side, and two
  quick taps would otherwise both read the same draft and the last save would win). Across
  processes, `keep` saves with compare-and-set on the revision `load` read; a conflict runs the
  handler once more on the fresh draft.

A new wizard saves with `DraftKind.keep` (the payload is its draft dataclass's `to_json()`),
reads with `DraftKind.load` and ends with `DraftKind.end`; starting one with `DraftKind.begin`
replaces any other draft the person had in the chat, so there is one conversation at a time,
and tells the person which unfinished one was discarded.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from functools import wraps
from typing import Any

from telegram import Message, Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.context import AppContext
from bot.core.config import Config
from bot.core.i18n import Texts
from bot.delivery.answer_once import answering_once
from bot.environment import Environment
from handlers.common import texts_for
from storage import drafts
from storage.drafts import Draft, DraftConflict

__all__ = [
    "GUARD_GROUP",
    "AnswerDraft",
    "Draft",
    "DraftKind",
    "Routes",
    "Turn",
    "Wizard",
    "handlers",
    "one_at_a_time",
]

log = logging.getLogger(__name__)

# Before every other group: a command sent instead of an awaited answer ends that answer draft.
GUARD_GROUP = -10
# Every DraftKind by name: one conversation at a time among them.
_KINDS: dict[str, DraftKind] = {}
# The revision each draft was read at in the current update, for `keep`'s compare-and-set
# (None: outside `one_at_a_time`, no check).
_READ: ContextVar[dict[tuple[str, int, int], int] | None] = ContextVar("_READ", default=None)
# One lock per (user, chat) with updates running or waiting, and how many there are.
_LOCKS: dict[tuple[int, int], asyncio.Lock] = {}
_HOLDERS: Counter[tuple[int, int]] = Counter()


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
    """Where a wizard keeps its draft: its kind name (`owner`: the defining module, as
    `__name__`), optionally a timeout after which an untouched draft is gone, with the `expired`
    notice (None: it lives until storage.drafts.TTL), and the line that tells a person their
    unfinished draft was `discarded` by another wizard's `begin`."""

    name: str
    owner: str
    timeout: Callable[[Config], timedelta] | None = None
    expired: Callable[[Texts], str] | None = None
    discarded: Callable[[Texts], str] | None = None

    def __post_init__(self) -> None:
        # The same module again (tests reload modules) is not a clash.
        taken = _KINDS.get(self.name)
        if taken is not None and taken.owner != self.owner:
            raise ValueError(
                f"two wizards keep drafts of kind {self.name!r}: {taken.owner}, {self.owner}"
            )
        _KINDS[self.name] = self

    async def load(self, context: AppContext, user_id: int, chat_id: int) -> Draft | None:
        """The live draft, marked as used (its timeout starts again)."""
        stored = await drafts.get(context.env.db, user_id, chat_id, self.name)
        return None if stored is None else await self.reached(context, stored)

    async def reached(self, context: AppContext, stored: Draft) -> Draft | None:
        """An update reached the draft: None if its timeout passed (it is dropped), else the
        draft touched (updated_at now, the timer moved on) and its revision noted for `keep`."""
        db = context.env.db
        if self.timeout is not None:
            idle = self.timeout(context.env.config).total_seconds()
            if stored.updated_at <= db.now() - idle:
                await drafts.delete(
                    db, stored.user_id, stored.chat_id, self.name, revision=stored.revision
                )
                return None
        touched = await drafts.touch(db, stored)
        self._remember(touched)
        self._reschedule(context, touched, None)
        return touched

    def _remember(self, stored: Draft) -> None:
        read = _READ.get()
        if read is not None:
            read[(self.name, stored.user_id, stored.chat_id)] = stored.revision

    async def begin(
        self,
        context: AppContext,
        t: Texts,
        user_id: int,
        chat_id: int,
        step: str,
        payload: dict[str, Any],
    ) -> Draft:
        """A new draft; whatever else the person was preparing in the chat is dropped, and they
        are told which unfinished one went."""
        dropped = await drafts.delete_all(context.env.db, user_id, chat_id, _KINDS)
        lines = [line for d in dropped if d.kind != self.name if (line := _discarded(t, d.kind))]
        if lines:
            await context.bot.send_message(chat_id, "\n".join(lines))
        read = _READ.get()
        if read is not None:
            read.pop((self.name, user_id, chat_id), None)
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
        """Save the draft at `step` (compare-and-set on the revision read in this update, inside
        `one_at_a_time`); with a timeout, (re)start its notice timer."""
        read = _READ.get()
        expected = None if read is None else read.get((self.name, user_id, chat_id))
        stored = await drafts.save(
            context.env.db, user_id, chat_id, self.name, step, payload, expected_revision=expected
        )
        self._remember(stored)
        self._reschedule(context, stored, t)
        return stored

    def _reschedule(self, context: AppContext, stored: Draft, t: Texts | None) -> None:
        """Move the expiry notice's timer to the draft's last use (best effort: this process's
        JobQueue; without `t`, only a timer this process already has is moved)."""
        if self.timeout is None or context.job_queue is None:
            return
        name = f"draft:{self.name}:{stored.user_id}:{stored.chat_id}"
        for earlier in context.job_queue.get_jobs_by_name(name):
            data: tuple[Draft, Texts] = earlier.data  # type: ignore[assignment]
            t = t or data[1]
            earlier.schedule_removal()
        if t is not None:
            seconds = self.timeout(context.env.config).total_seconds()
            context.job_queue.run_once(self._expire, seconds, data=(stored, t), name=name)

    async def end(self, context: AppContext, user_id: int, chat_id: int) -> bool:
        return await drafts.delete(context.env.db, user_id, chat_id, self.name)

    async def _expire(self, context: Any) -> None:
        """The timer set at the last use: the draft goes, with the notice, if nothing used it
        since (same revision, not touched later). Timers are per process; after a restart the
        draft still expires at its next read, only without the notice."""
        stored, t = context.job.data
        services = context.application.bot_data.services
        if services is None:
            return
        dropped = await drafts.delete(
            services.env.db,
            stored.user_id,
            stored.chat_id,
            self.name,
            revision=stored.revision,
            untouched_since=stored.updated_at,
        )
        if dropped and self.expired is not None:
            await context.bot.send_message(stored.chat_id, self.expired(t))


def _discarded(t: Texts, kind: str) -> str:
    found = _KINDS.get(kind)
    return "" if found is None or found.discarded is None else found.discarded(t)


@asynccontextmanager
async def _one_person(key: tuple[int, int]) -> AsyncIterator[None]:
    lock = _LOCKS.setdefault(key, asyncio.Lock())
    _HOLDERS[key] += 1
    try:
        async with lock:
            yield
    finally:
        _HOLDERS[key] -= 1
        if _HOLDERS[key] <= 0:
            del _HOLDERS[key]
            _LOCKS.pop(key, None)


Handler = Callable[[Update, AppContext], Coroutine[Any, Any, None]]


def one_at_a_time(handler: Handler, *, per_chat: bool = False) -> Handler:
    """Run `handler` for one person's updates in one chat (`per_chat`: anybody's in the chat,
    for a draft the chat shares) one after another, with `keep`'s compare-and-set armed; on a
    conflict with another process, run it once more (it reads the fresh draft). A tap the first
    run answered is not answered again (bot/delivery/answer_once.py): Telegram would refuse the
    second answer and fail the run that does the work. Happens when a person taps a menu the
    moment it appears, while the process that sent it still saves the step."""

    @wraps(handler)
    async def run(update: Update, context: AppContext) -> None:
        user, chat = update.effective_user, update.effective_chat
        key = (0 if per_chat or user is None else user.id, 0 if chat is None else chat.id)
        # A tap answered in the first run is not answered again in the second.
        async with _one_person(key):
            with answering_once():
                await _twice_on_conflict(handler, update, context)

    return run


async def _twice_on_conflict(handler: Handler, update: Update, context: AppContext) -> None:
    for attempt in (1, 2):
        token = _READ.set({})
        try:
            await handler(update, context)
            return
        except DraftConflict:
            if attempt == 2:
                raise
            log.info("draft changed elsewhere; handling the update again")
        finally:
            _READ.reset(token)


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
    `drop` ends it (False: there was none) on /cancel, which then says `stopped`, and when
    another command comes."""

    take: Callable[[Update, AppContext], Awaitable[bool]]
    drop: Callable[[Environment, int], Awaitable[bool]]
    stopped: Callable[[Texts], str]


async def _reply(update: Update, context: AppContext, text: Callable[[Texts], str]) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(text(await texts_for(context, update)))


@dataclass(frozen=True)
class _Router:
    wizards: Mapping[str, Wizard]
    answers: Sequence[AnswerDraft] = field(default_factory=tuple)

    async def _turn(self, update: Update, context: AppContext) -> tuple[Wizard, Turn] | None:
        user, chat, message = update.effective_user, update.effective_chat, update.effective_message
        if user is None or chat is None or message is None:
            return None
        found = await drafts.latest(context.env.db, user.id, chat.id, self.wizards.keys())
        wizard = self.wizards.get(found.kind) if found is not None else None
        if wizard is None or found is None:
            return None
        stored = await wizard.kind.reached(context, found)
        if stored is None:
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
        await _reply(update, context, lambda t: t._("I read commands: /help lists what I can do."))

    async def on_cancel(self, update: Update, context: AppContext) -> None:
        found = await self._turn(update, context)
        if found is not None:
            wizard, turn = found
            await wizard.cancel(turn)
            return
        chat, user = update.effective_chat, update.effective_user
        if chat is not None and chat.type == "private" and user is not None:
            for answer in self.answers:
                if await answer.drop(context.env, user.id):
                    await _reply(update, context, answer.stopped)
                    return
        await _reply(update, context, lambda t: t._("There is nothing to cancel."))

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
        cancel=[CommandHandler("cancel", one_at_a_time(router.on_cancel))],
        text=[
            MessageHandler(
                filters.ChatType.PRIVATE & ~filters.COMMAND, one_at_a_time(router.on_text)
            )
        ],
    )
