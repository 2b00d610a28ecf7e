"""The delivery worker: sends the outbox to Telegram, fast, in priority order, without losses.

One asyncio task started in post_init. Each pass takes the due pending rows, most important first
(interactive, reminder, invitation/feedback, announcement/digest), skips chats that must wait
(about 1 s between messages to a private chat, 20 a minute to a group), takes a global slot from
the limiter it shares with the handlers' direct replies, and sends with a bounded number of
requests in flight (Telegram answers in 50–150 ms; one at a time could not reach 30/s).

Crash safety — at-least-once: a row is committed as `sending` before its request and as `sent`
with Telegram's message id after. Rows found in `sending` at start-up are sent again, because the
crash may have come before the request reached Telegram; duplicates are therefore at most the
rows that were in flight at the crash (≤ `concurrency`), and nothing is lost.

Per-chat spacing and the global budget come from the `SharedRateLimiter` (bot/ratelimit.py),
which the Application's handlers use too: a bulk send takes a paced permit, bound to its chat.

Failures: 429 pauses the whole bot for retry_after and re-queues the row (no attempt counted);
403 marks the chat inactive and skips its waiting rows; 400 "chat not found" fails the row (and
deactivates the chat); a group upgraded to a supergroup moves the chat, its subscriptions and its
rows to the new id and sends again; network errors and 5xx back off exponentially (with jitter,
capped) up to `max_attempts`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardMarkup, InputFile, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ExtBot

from bot.config import DeliverySettings
from bot.ratelimit import Permit, SharedRateLimiter, retry_seconds, worker_requests
from storage import chats, outbox
from storage.db import Database, Writer
from storage.outbox import OutboxRow

__all__ = ["DeliveryWorker", "QuietHoursHook", "SentHook"]

log = logging.getLogger(__name__)

# (chat id, now) → when the chat's quiet hours end, or None when it may be messaged now.
QuietHoursHook = Callable[[int, float], Awaitable[float | None]]
# (transaction, row, Telegram's result) for a sent row with a `ref`: runs in the transaction
# that marks the row sent (polls record the message and native poll id there).
SentHook = Callable[[Writer, OutboxRow, object], Awaitable[None]]
BATCH = 200
_ALLOWED_METHODS = frozenset(
    {
        "send_message",
        "send_document",
        "send_photo",
        "send_poll",
        "edit_message_text",
        "edit_message_reply_markup",
        "delete_message",
        "stop_poll",
    }
)
IDLE_POLL = 1.0  # another process (python -m bot announce) may add rows at any time


class DeliveryWorker:
    def __init__(
        self,
        db: Database,
        bot: ExtBot[int],
        limiter: SharedRateLimiter,
        settings: DeliverySettings,
        *,
        clock: Callable[[], float] = time.time,
        quiet_hours: QuietHoursHook | None = None,
        concurrency: int = 32,
        on_sent: SentHook | None = None,
    ) -> None:
        # `clock` is the stored time (not_before; a test may move it); per-chat spacing follows
        # real time, because that is what Telegram measures.
        self._db = db
        self._bot = bot
        self._limiter = limiter
        self._settings = settings
        self._clock = clock
        self._quiet_hours = quiet_hours
        self._on_sent = on_sent
        self._concurrency = concurrency
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._inflight: dict[int, asyncio.Task[None]] = {}  # row id → send
        self._busy_chats: set[int] = set()
        # Outbox files on their first upload: other rows wait to reuse Telegram's file_id.
        self._uploading: set[int] = set()
        self._uploaded: set[int] = set()
        self._stopping = False
        self.sent = 0

    async def start(self) -> None:
        recovered = await outbox.recover(self._db)
        if recovered:
            log.warning("resending %d outbox rows left in flight by an earlier stop", recovered)
        self._stopping = False
        self._task = asyncio.get_running_loop().create_task(self._run(), name="delivery")

    async def stop(self) -> None:
        """Stop taking rows, let the requests in flight finish, then return."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            if not self._task.done():
                await self._task
            self._task = None
        if self._inflight:
            await asyncio.gather(*self._inflight.values(), return_exceptions=True)

    def wake(self) -> None:
        self._wake.set()

    async def wait_idle(self, timeout: float = 30.0) -> None:
        """Until nothing due is waiting and nothing is in flight (tests, demo)."""
        async with asyncio.timeout(timeout):
            # One query sees every row either due, in flight ('sending') or finished: each
            # transition is a single committed write, so there is no gap to slip through.
            while await outbox.unfinished(self._db, self._clock()):  # noqa: ASYNC110
                await asyncio.sleep(0.01)

    async def _run(self) -> None:
        last_finish = 0.0
        while not self._stopping:
            try:
                pause = await self._pass()
                if self._clock() - last_finish >= 1.0:
                    await outbox.finish_broadcasts(self._db)
                    last_finish = self._clock()
            except Exception:
                # The worker must outlive a bad row or a locked database; log and carry on.
                log.exception("delivery pass failed")
                pause = IDLE_POLL
            if pause > 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), pause)

    async def _pass(self) -> float:
        """Launch what may go now; returns how long to wait before the next pass."""
        now = self._clock()
        rows = await outbox.due(self._db, now, BATCH)
        if not rows:
            next_time = await outbox.next_due_time(self._db)
            return IDLE_POLL if next_time is None else min(IDLE_POLL, max(0.0, next_time - now))
        chosen: list[tuple[OutboxRow, Permit]] = []
        wait = IDLE_POLL
        for row in rows:
            if len(self._inflight) + len(chosen) >= self._concurrency:
                wait = 0.01
                break
            if row.id in self._inflight or row.chat_id in self._busy_chats:
                continue
            if row.file_id in self._uploading and row.file_id not in self._uploaded:
                wait = min(wait, 0.02)
                continue
            chat_wait = self._limiter.chat_delay(row.chat_id, bulk=True)
            if chat_wait > 0:
                wait = min(wait, chat_wait)
                continue
            if self._quiet_hours is not None and not row.urgent:
                resume = await self._quiet_hours(row.chat_id, now)
                if resume is not None:
                    await outbox.defer(self._db, row.id, resume)
                    continue
            slot = self._limiter.global_delay(bulk=True)
            if slot > 0:
                wait = min(slot, IDLE_POLL)
                break
            permit = await self._limiter.acquire_bulk()
            permit.bind(row.chat_id)
            chosen.append((row, permit))
            self._busy_chats.add(row.chat_id)
            if row.file_id is not None and row.file_id not in self._uploaded:
                self._uploading.add(row.file_id)
        if chosen:
            claimed: set[int] = set()
            try:
                claimed = await outbox.mark_sending(self._db, [r.id for r, _ in chosen])
            finally:
                for row, permit in chosen:
                    if row.id not in claimed:
                        permit.cancel()
                        self._busy_chats.discard(row.chat_id)
                        self._uploading.discard(row.file_id or 0)
            for row, permit in chosen:
                if row.id not in claimed:
                    continue
                task = asyncio.get_running_loop().create_task(self._send(row, permit))
                self._inflight[row.id] = task
            return 0.0 if len(chosen) == len(rows) else min(wait, 0.01)
        return wait

    async def _send(self, row: OutboxRow, permit: Permit) -> None:
        try:
            await self._deliver(row, permit)
        except Exception:
            log.exception("outbox row %d: unexpected failure", row.id)
            await outbox.mark_failed(self._db, row.id, "internal error", "other")
        finally:
            permit.cancel()  # a no-op once the request was made (released)
            self._busy_chats.discard(row.chat_id)
            if row.file_id is not None:
                self._uploading.discard(row.file_id)
            self._inflight.pop(row.id, None)
            self._wake.set()

    async def _params(self, row: OutboxRow) -> tuple[dict[str, Any], int | None]:
        params = dict(row.params)
        params["chat_id"] = row.chat_id
        if row.file_id is None or row.file_param is None:
            return params, None
        stored = await outbox.file(self._db, row.file_id)
        if stored is None:
            raise ValueError(f"outbox file {row.file_id} is missing")
        filename, _mime, data, telegram_id = stored
        params[row.file_param] = telegram_id or InputFile(data, filename=filename)
        if telegram_id:
            self._uploaded.add(row.file_id)
        return params, None if telegram_id else row.file_id

    async def _deliver(self, row: OutboxRow, permit: Permit) -> None:
        params, uploading = await self._params(row)
        now = self._clock()
        try:
            permit.sending()
            try:
                result = await self._call(row.method, params)
            finally:
                permit.release()
        except RetryAfter as exc:
            seconds = retry_seconds(exc)
            self._limiter.pause(seconds)
            log.warning("flood control: pausing all sends for %.0f s", seconds)
            # The limiter's bot-wide pause holds every send; the row may go first after it.
            await outbox.requeue(self._db, row.id, now, error="429", count_attempt=False)
        except ChatMigrated as exc:
            async with self._db.transaction() as tx:
                await chats.migrate_id(tx, row.chat_id, exc.new_chat_id, self._db.now())
            await outbox.requeue(self._db, row.id, now, error=None, count_attempt=False)
        except Forbidden as exc:
            reason = _forbidden_reason(exc.message)
            await self._give_up_chat(row, reason, exc.message, "blocked")
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                await self._give_up_chat(row, "not_found", exc.message, "not_found")
            else:
                await outbox.mark_failed(self._db, row.id, exc.message, "other")
        except NetworkError as exc:
            await self._retry_later(row, exc.message)
        except TelegramError as exc:
            await outbox.mark_failed(self._db, row.id, exc.message, "other")
        else:
            self.sent += 1
            message_id = result.message_id if isinstance(result, Message) else None
            telegram_file = None
            if uploading is not None and isinstance(result, Message):
                file_id = _file_id(result)
                if file_id:
                    telegram_file = (uploading, file_id)
                    self._uploaded.add(uploading)
            await outbox.mark_sent(
                self._db,
                row.id,
                message_id,
                telegram_file=telegram_file,
                after=self._after_sent(row, result),
            )

    def _after_sent(
        self, row: OutboxRow, result: object
    ) -> Callable[[Writer], Awaitable[None]] | None:
        hook = self._on_sent
        if hook is None or row.ref is None:
            return None

        async def after(tx: Writer) -> None:
            await hook(tx, row, result)

        return after

    async def _call(self, method: str, params: dict[str, Any]) -> object:
        """The stored Bot API call through python-telegram-bot's typed method of that name."""
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", method).lower()
        if name not in _ALLOWED_METHODS:
            raise TelegramError(f"method {method} is not allowed in the outbox")
        if name == "send_poll":
            # PTB's send_poll adds the default parse_mode, which sendPoll does not take, so the
            # stored parameters (options as InputPollOption objects) go as they are. Bot API
            # method names are case-insensitive; the lower-case name is not PTB's own method,
            # which do_api_request would warn about.
            with worker_requests():
                return await self._bot.do_api_request(
                    "sendpoll", api_kwargs=params, return_type=Message
                )
        if isinstance(params.get("reply_markup"), dict):
            params["reply_markup"] = InlineKeyboardMarkup.de_json(params["reply_markup"], self._bot)
        call = getattr(self._bot, name)
        with worker_requests():  # the permit is taken; the limiter lets this request through
            return await call(**params)

    async def _give_up_chat(self, row: OutboxRow, reason: str, error: str, kind: str) -> None:
        now = self._db.now()
        # One transaction: whoever sees the row finished also sees the chat given up.
        async with self._db.transaction() as tx:
            await outbox.mark_failed(tx, row.id, error, kind)
            await chats.deactivate(tx, row.chat_id, reason, now)
            await outbox.skip_chat(tx, row.chat_id, kind, now)
        log.info("chat %d inactive (%s); its waiting messages are skipped", row.chat_id, reason)

    async def _retry_later(self, row: OutboxRow, error: str) -> None:
        if row.attempts + 1 >= self._settings.max_attempts:
            await outbox.mark_failed(self._db, row.id, error, "other")
            return
        delay = min(self._settings.backoff_cap, 2.0 ** (row.attempts + 1))
        delay *= random.uniform(0.8, 1.2)
        await outbox.requeue(self._db, row.id, self._clock() + delay, error=error)


def _forbidden_reason(message: str) -> str:
    text = message.lower()
    if "deactivated" in text:
        return "deactivated"
    if "kicked" in text or "not a member" in text:
        return "kicked"
    return "blocked"


def _file_id(message: Message) -> str | None:
    if message.document is not None:
        return message.document.file_id
    if message.photo:
        return message.photo[-1].file_id
    return None
