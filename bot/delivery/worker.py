"""The delivery worker: sends the outbox to Telegram, fast, in priority order, without losses.

One asyncio task started in post_init. Each pass takes the due pending rows, most important first
(interactive, reminder, invitation/feedback, announcement/digest), skips chats that must wait
(about 1 s between messages to a private chat, 20 a minute to a group), takes a global slot from
the limiter it shares with the handlers' direct replies, and sends with a bounded number of
requests in flight (Telegram answers in 50–150 ms; one at a time could not reach 30/s).

Stalls and crashes — a row is committed as `sending` before its request and as `sent` with
Telegram's message id after. A send whose answer never came (no answer within
`delivery.read_timeout`, the connection broke after the request was written, a proxy answered
502/504) is *uncertain*: Telegram may have carried it out. So is a row found in `sending` at
start-up (the crash may have come before or after the request reached Telegram). An uncertain row
is sent again once, after `resend_pause` and only once Telegram answers requests again; if that
answer is lost too, the row is recorded as failed (`uncertain`) and never sent a third time. A
chat therefore gets at most two copies, and only of rows that were in flight when the stall or the
crash came (≤ `concurrency`); reports count them as "may have arrived twice".

Per-chat spacing and the global budget come from the `SharedRateLimiter` (ratelimit.py), which
the handlers use too. Only the delivery leader runs a worker (bot/runtime/duties.py).

Failures: 429 pauses the whole bot for retry_after and re-queues the row (no attempt counted);
403 marks the chat inactive and skips its waiting rows; 400 "chat not found" fails the row (and
deactivates the chat); a group upgraded to a supergroup moves the chat, its subscriptions and its
rows to the new id and sends again. Server errors (500, 503, refused connections, answers that are
not the Bot API's) pause all sending, exponentially with jitter up to `outage_backoff_cap`; after a
pause a getMe probes Telegram before rows go again, so an outage costs each row at most the
attempt it was in, and rows keep their priority order. A row fails only after `max_attempts` such
attempts. A refused token (401) keeps every row and logs at most once a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InputFile, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ExtBot

from bot.core.config import DeliverySettings
from bot.delivery.answers import answered, file_id_of, forbidden_reason
from bot.delivery.calls import call_stored
from bot.delivery.health import TelegramHealth, describe
from bot.delivery.http_client import answer_statuses, is_uncertain
from bot.delivery.ratelimit import Permit, SharedRateLimiter, retry_seconds, worker_requests
from bot.delivery.recording import record_patiently
from storage import broadcasts, chats, outbox
from storage.db import Database, Writer
from storage.outbox import OutboxRow
from storage.relay import RELAY_REF

__all__ = ["DeliveryWorker", "QuietHoursHook", "SentHook"]

log = logging.getLogger(__name__)

# (chat id, now) → when the chat's quiet hours end, or None when it may be messaged now.
QuietHoursHook = Callable[[int, float], Awaitable[float | None]]
# (transaction, row, Telegram's result) for a sent row with a `ref`: runs in the transaction
# that marks the row sent (polls record the message and native poll id there).
SentHook = Callable[[Writer, OutboxRow, object], Awaitable[None]]
BATCH = 200
IDLE_POLL = 1.0  # another process (python -m bot announce) may add rows at any time
# How long a stop lets sends in flight wait for a database that is away to record them.
RECORD_PATIENCE = 30.0


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
        self._stop_deadline = math.inf
        self.health = TelegramHealth(settings.outage_backoff_cap)
        self._probe: asyncio.Task[None] | None = None
        # Row id → when (monotonic) a send whose answer was lost may go again. Real time, as
        # Telegram's stall is; a restart forgets it, and the restart is pause enough.
        self._resend_after: dict[int, float] = {}
        self.sent = 0

    async def start(self) -> None:
        # A process that leads again starts afresh: nothing of its own is in flight any more.
        self._busy_chats.clear()
        self._uploading.clear()
        recovered = await outbox.recover(self._db)
        if recovered.resent:
            log.warning(
                "sending %d outbox rows again that an earlier stop left in flight "
                "(they may have arrived already)",
                recovered.resent,
            )
        if recovered.given_up:
            log.warning(
                "%d outbox rows left in flight by an earlier stop had been sent twice already; "
                "not sent a third time",
                recovered.given_up,
            )
        self._stopping = False
        # A reply that took a slot ahead of the worker frees it: look at once, not after a poll.
        self._limiter.add_listener(self._wake.set)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="delivery")

    async def stop(self) -> None:
        """Stop taking rows, let the requests in flight finish (and their outcomes be recorded,
        waiting up to `RECORD_PATIENCE` for a database that is away), then return."""
        self._stopping = True
        self._stop_deadline = time.monotonic() + RECORD_PATIENCE
        self._limiter.remove_listener(self._wake.set)
        self._wake.set()
        if self._task is not None:
            if not self._task.done():
                await self._task
            self._task = None
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
            self._probe = None
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
                    await broadcasts.finish_broadcasts(self._db)
                    last_finish = self._clock()
            except Exception:
                # The worker must outlive a bad row or a locked database; log and carry on.
                log.exception("delivery pass failed")
                pause = IDLE_POLL
            if pause > 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), pause)

    def _gate(self) -> float:
        """0 when rows may go; else how long to wait. After a pause, a getMe asks Telegram
        whether it answers before any row goes again."""
        wait = self.health.wait()
        if wait > 0:
            return min(wait, IDLE_POLL)
        if self.health.healthy:
            return 0.0
        if self._probe is None:
            self._probe = asyncio.get_running_loop().create_task(self._ask_telegram())
        return IDLE_POLL

    async def _ask_telegram(self) -> None:
        statuses: list[int] = []
        try:
            with worker_requests(), answer_statuses(statuses):
                await self._bot.get_me(read_timeout=self._settings.read_timeout)
        except InvalidToken:
            self.health.token_refused()
        except RetryAfter:
            self.health.answered()  # the limiter holds the sends; Telegram does answer
        except TelegramError as exc:
            self.health.trouble(exc)
        except Exception as exc:
            if answered(statuses):
                self.health.answered()  # an answer python-telegram-bot could not read
            else:
                self.health.trouble(exc)
        else:
            self.health.answered()
        finally:
            self._probe = None
            self._wake.set()

    async def _pass(self) -> float:
        """Launch what may go now; returns how long to wait before the next pass."""
        gate = self._gate()
        if gate > 0:
            return gate
        now = self._clock()
        rows = await outbox.due(self._db, now, BATCH)
        if not rows:
            next_time = await outbox.next_due_time(self._db)
            return IDLE_POLL if next_time is None else min(IDLE_POLL, max(0.0, next_time - now))
        chosen: list[tuple[OutboxRow, Permit]] = []
        try:
            wait = await self._choose(rows, now, chosen)
        except BaseException:
            self._unchoose(chosen)  # a failed read (quiet hours) must not leave chats busy
            raise
        if not chosen:
            return wait
        await self._launch(chosen)
        return 0.0 if len(chosen) == len(rows) else min(wait, 0.01)

    async def _choose(
        self, rows: list[OutboxRow], now: float, chosen: list[tuple[OutboxRow, Permit]]
    ) -> float:
        """Add to `chosen` the rows that may go now, each with its global slot; returns how long
        the others wait."""
        wait = IDLE_POLL
        for row in rows:
            if len(self._inflight) + len(chosen) >= self._concurrency:
                return 0.01
            row_wait = await self._row_wait(row, now)
            if row_wait is not None:
                wait = min(wait, row_wait)
                continue
            slot = self._limiter.global_delay(bulk=True)
            if slot > 0:
                # inf: a reply or an answer comes first, and the limiter wakes the worker then.
                return min(slot, IDLE_POLL)
            permit = await self._limiter.acquire_bulk()
            permit.bind(row.chat_id)
            chosen.append((row, permit))
            self._busy_chats.add(row.chat_id)
            if row.file_id is not None and row.file_id not in self._uploaded:
                self._uploading.add(row.file_id)
        return wait

    def _unchoose(self, chosen: list[tuple[OutboxRow, Permit]]) -> None:
        for row, permit in chosen:
            permit.cancel()
            self._busy_chats.discard(row.chat_id)
            self._uploading.discard(row.file_id or 0)

    async def _row_wait(self, row: OutboxRow, now: float) -> float | None:
        """None when the row may go now; else how long it waits (inf: a later pass decides)."""
        if row.id in self._inflight or row.chat_id in self._busy_chats:
            return math.inf
        if row.file_id in self._uploading and row.file_id not in self._uploaded:
            return 0.02
        hold = self._resend_after.get(row.id, 0.0) - time.monotonic()
        if hold > 0:
            return hold
        # A relayed reply keeps a reply's allowance (a short burst), not a bulk send's spacing.
        chat_wait = self._limiter.chat_delay(row.chat_id, bulk=row.ref != RELAY_REF)
        if chat_wait > 0:
            return chat_wait
        if self._quiet_hours is not None and not row.urgent:
            resume = await self._quiet_hours(row.chat_id, now)
            if resume is not None:
                await outbox.defer(self._db, row.id, resume)
                return math.inf
        return None

    async def _launch(self, chosen: list[tuple[OutboxRow, Permit]]) -> None:
        """Claim the chosen rows (`sending`, committed) and send each claimed one."""
        claimed: set[int] = set()
        try:
            claimed = await outbox.mark_sending(self._db, [r.id for r, _ in chosen])
        finally:
            self._unchoose([(row, permit) for row, permit in chosen if row.id not in claimed])
        for row, permit in chosen:
            if row.id in claimed:
                self._resend_after.pop(row.id, None)
                task = asyncio.get_running_loop().create_task(self._send(row, permit))
                self._inflight[row.id] = task

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
        statuses: list[int] = []
        try:
            permit.sending()
            try:
                with answer_statuses(statuses):
                    result = await call_stored(self._bot, row, params, self._settings.read_timeout)
            finally:
                permit.release()
        except TelegramError as exc:
            await self._recorded(row, functools.partial(self._refused, row, exc, now))
        except Exception as exc:
            if not answered(statuses):
                raise
            # Telegram carried it out; python-telegram-bot could not read the answer (a field
            # missing). Sent, without its message id; sending it again would duplicate it.
            self.health.answered()
            self.sent += 1
            log.warning(
                "outbox row %d: sent, but Telegram's answer could not be read (%s)",
                row.id,
                type(exc).__name__,
            )
            await self._recorded(
                row, lambda: outbox.mark_sent(self._db, row.id, None, telegram_file=None)
            )
        else:
            self.health.answered()
            self.sent += 1
            await self._recorded(row, lambda: self._sent(row, result, uploading))

    async def _recorded(self, row: OutboxRow, record: Callable[[], Awaitable[None]]) -> None:
        def given_up() -> bool:
            return self._stopping and time.monotonic() >= self._stop_deadline

        await record_patiently(row.id, record, given_up)

    async def _sent(self, row: OutboxRow, result: object, uploading: int | None) -> None:
        if row.ref == RELAY_REF:
            # Telegram's answer as it came, for the handler in another process that waits on it.
            relayed = result.get("message_id") if isinstance(result, dict) else None
            await outbox.mark_sent(
                self._db,
                row.id,
                relayed if isinstance(relayed, int) else None,
                telegram_file=None,
                result=json.dumps(result, ensure_ascii=False),
            )
            return
        message_id = result.message_id if isinstance(result, Message) else None
        telegram_file = None
        if uploading is not None and isinstance(result, Message):
            file_id = file_id_of(result)
            if file_id:
                telegram_file = (uploading, file_id)
        await outbox.mark_sent(
            self._db,
            row.id,
            message_id,
            telegram_file=telegram_file,
            after=self._after_sent(row, result),
        )
        if telegram_file is not None:
            # Only once Telegram's file_id is committed: the rows waiting on this upload read
            # it from the database, and before the commit they would upload the file again.
            self._uploaded.add(telegram_file[0])

    async def _refused(self, row: OutboxRow, exc: TelegramError, now: float) -> None:
        """Telegram's error for one row, or no answer at all (a NetworkError that is not one of
        Telegram's answers: python-telegram-bot derives BadRequest from NetworkError too)."""
        if isinstance(exc, InvalidToken):
            # Not this row's fault, and nothing was sent: keep it as it was.
            self.health.token_refused()
            await outbox.requeue(self._db, row.id, now, error="401", count_attempt=False)
        elif isinstance(exc, RetryAfter):
            self.health.answered()
            seconds = retry_seconds(exc)
            self._limiter.pause(seconds)
            log.warning("flood control: pausing all sends for %.0f s", seconds)
            # The limiter's bot-wide pause holds every send; the row may go first after it.
            await outbox.requeue(self._db, row.id, now, error="429", count_attempt=False)
        elif isinstance(exc, ChatMigrated):
            self.health.answered()
            async with self._db.transaction() as tx:
                await chats.migrate_id(tx, row.chat_id, exc.new_chat_id, self._db.now())
            await outbox.requeue(self._db, row.id, now, error=None, count_attempt=False)
        elif isinstance(exc, Forbidden | BadRequest):
            self.health.answered()
            await self._rejected(row, exc)
        elif isinstance(exc, NetworkError):
            if is_uncertain(exc):
                await self._answer_lost(row, exc, now)
            else:
                await self._not_carried_out(row, exc, now)
        else:
            self.health.answered()
            await outbox.mark_failed(self._db, row.id, exc.message, "other")

    async def _rejected(self, row: OutboxRow, exc: Forbidden | BadRequest) -> None:
        if isinstance(exc, Forbidden):
            reason = forbidden_reason(exc.message)
            await self._give_up_chat(row, reason, exc.message, "blocked")
        elif "chat not found" in exc.message.lower():
            await self._give_up_chat(row, "not_found", exc.message, "not_found")
        else:
            await outbox.mark_failed(self._db, row.id, exc.message, "other")

    async def _answer_lost(self, row: OutboxRow, error: NetworkError, now: float) -> None:
        """The request may have been carried out: once more at most, after Telegram answers."""
        self.health.trouble(error)
        if row.uncertain >= 1:
            log.warning(
                "outbox row %d: no answer from Telegram again (%s); it may have arrived, "
                "not sent a third time",
                row.id,
                describe(error),
            )
            await outbox.mark_failed(
                self._db, row.id, "no answer from Telegram, twice", "uncertain"
            )
            return
        log.warning(
            "outbox row %d: no answer from Telegram (%s); it may have arrived, sent once more "
            "when Telegram answers again",
            row.id,
            describe(error),
        )
        self._resend_after[row.id] = time.monotonic() + self._settings.resend_pause
        await outbox.requeue(
            self._db, row.id, now, error=describe(error), count_attempt=False, uncertain=True
        )

    async def _not_carried_out(self, row: OutboxRow, error: NetworkError, now: float) -> None:
        """Telegram refused or could not be reached: the row keeps its place, all sending pauses."""
        self.health.trouble(error)
        if row.attempts + 1 >= self._settings.max_attempts:
            await outbox.mark_failed(self._db, row.id, describe(error), "other")
            return
        await outbox.requeue(self._db, row.id, now, error=describe(error))

    def _after_sent(
        self, row: OutboxRow, result: object
    ) -> Callable[[Writer], Awaitable[None]] | None:
        hook = self._on_sent
        if hook is None or row.ref is None:
            return None

        async def after(tx: Writer) -> None:
            await hook(tx, row, result)

        return after

    async def _give_up_chat(self, row: OutboxRow, reason: str, error: str, kind: str) -> None:
        now = self._db.now()
        # One transaction: whoever sees the row finished also sees the chat given up.
        async with self._db.transaction() as tx:
            await outbox.mark_failed(tx, row.id, error, kind)
            await chats.deactivate(tx, row.chat_id, reason, now)
            await outbox.skip_chat(tx, row.chat_id, kind, now)
        log.info("chat %d inactive (%s); its waiting messages are skipped", row.chat_id, reason)
