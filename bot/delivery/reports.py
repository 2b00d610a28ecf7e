"""Progress and delivery reports for broadcasts, edited into the coordinator's chat.

While a broadcast is sending, its progress message is edited at most every `interval` seconds
(a bar, sent / failed / remaining, time left); when it is done, the message shows the final
figures and a report follows, with a CSV of the chats that were not reached.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from telegram import Bot, InputFile
from telegram.error import BadRequest, TelegramError

from bot.core.i18n import N_, Texts, Translator, pick_language
from bot.core.sheets import csv_bytes, header, word
from bot.delivery.ratelimit import patient_requests
from storage import broadcasts, chats
from storage.broadcasts import Broadcast, Progress
from storage.db import Database

__all__ = ["BroadcastReporter", "failures_csv", "progress_text", "report_text"]

log = logging.getLogger(__name__)
BAR = 10


def progress_text(t: Texts, broadcast: Broadcast, p: Progress, rate: float) -> str:
    share = p.done / p.total if p.total else 1.0
    filled = round(share * BAR)
    bar = "▓" * filled + "░" * (BAR - filled)
    seconds = round(p.pending / rate) if rate > 0 else 0
    return "\n".join(
        [
            t._("📣 <b>Announcement {id}</b> is being sent", id=broadcast.id),
            f"{bar} {round(share * 100)} %",
            t._(
                "Sent {sent}, failed {failed}, remaining {pending}",
                sent=p.sent,
                failed=p.failed + p.skipped,
                pending=p.pending,
            ),
            t._("About {seconds} s left", seconds=seconds),
        ]
    )


def report_text(t: Texts, broadcast: Broadcast, p: Progress) -> str:
    duration = (broadcast.finished_at or 0) - (broadcast.started_at or broadcast.finished_at or 0)
    title = (
        t._("📣 <b>Announcement {id} was cancelled.</b>", id=broadcast.id)
        if broadcast.state == "cancelled"
        else t._("📣 <b>Announcement {id} delivered.</b>", id=broadcast.id)
    )
    other = p.failed + p.skipped - p.blocked - p.not_found
    lines = [
        title,
        t._("Sent: {n}", n=p.sent),
        t._("Blocked the bot or left: {n}", n=p.blocked),
        t._("Chat not found: {n}", n=p.not_found),
        t._("Other failures or not sent: {n}", n=other),
    ]
    if p.maybe_twice:
        lines.append(
            t._("May have arrived twice (Telegram did not answer in time): {n}", n=p.maybe_twice)
        )
    lines.append(t._("Duration: {seconds} s", seconds=max(0, duration)))
    return "\n".join(lines)


def failures_csv(rows: list[tuple[int, str, str]], t: Texts) -> bytes:
    """(chat id, reason, Telegram's error) per chat; the reason in the reader's language."""
    columns = (N_("chat_id"), N_("reason"), N_("error"))
    return csv_bytes(header(t, columns), ([chat, word(t, why), error] for chat, why, error in rows))


class BroadcastReporter:
    def __init__(
        self,
        db: Database,
        bot: Bot,
        translator: Translator,
        *,
        rate: float,
        interval: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._bot = bot
        self._translator = translator
        self._rate = rate
        self._interval = interval
        self._clock = clock
        self._shown: dict[int, str] = {}
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    async def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="broadcast-reports")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                # A report that waits out a stall is still worth having (no reply deadline).
                with patient_requests():
                    await self.tick()
            except Exception:
                log.exception("broadcast report pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self._interval)

    async def tick(self) -> None:
        """One pass: refresh progress messages, finish reports of finished broadcasts."""
        await broadcasts.finish_broadcasts(self._db)
        for broadcast in await broadcasts.unreported(self._db):
            assert broadcast.report_chat_id is not None
            chosen, client = await chats.language_hints(self._db, broadcast.report_chat_id)
            t = self._translator.texts(
                pick_language(chosen, client, self._translator.default_language)
            )
            progress = await broadcasts.progress(self._db, broadcast.id)
            if broadcast.state == "sending":
                await self._show(broadcast, progress_text(t, broadcast, progress, self._rate))
                continue
            await self._show(broadcast, report_text(t, broadcast, progress))
            await self._send_failures(broadcast, t)
            await broadcasts.mark_reported(self._db, broadcast.id)
            self._shown.pop(broadcast.id, None)

    async def _show(self, broadcast: Broadcast, text: str) -> None:
        if self._shown.get(broadcast.id) == text or broadcast.report_chat_id is None:
            return
        self._shown[broadcast.id] = text
        try:
            if broadcast.progress_message_id is not None:
                await self._bot.edit_message_text(
                    text, broadcast.report_chat_id, broadcast.progress_message_id
                )
                return
            sent = await self._bot.send_message(broadcast.report_chat_id, text)
            await broadcasts.set_progress_message(self._db, broadcast.id, sent.message_id)
        except BadRequest as exc:
            if "not modified" not in exc.message:
                # Up to the first colon: what follows may quote a piece of the text.
                reason = exc.message.split(":")[0]
                log.warning("broadcast %d: progress not shown: %s", broadcast.id, reason)
        except TelegramError as exc:
            log.warning("broadcast %d: progress not shown: %s", broadcast.id, type(exc).__name__)

    async def _send_failures(self, broadcast: Broadcast, t: Texts) -> None:
        rows = await broadcasts.failures(self._db, broadcast.id)
        if not rows or broadcast.report_chat_id is None:
            return
        caption = (
            t._("Chats the announcement did not reach, or may have reached twice")
            if any(kind == broadcasts.MAYBE_TWICE for _, kind, _ in rows)
            else t._("Chats the announcement did not reach")
        )
        try:
            await self._bot.send_document(
                broadcast.report_chat_id,
                InputFile(
                    failures_csv(rows, t), filename=f"announcement-{broadcast.id}-failures.csv"
                ),
                caption=caption,
            )
        except TelegramError as exc:
            log.warning("broadcast %d: failure list not sent: %s", broadcast.id, type(exc).__name__)
