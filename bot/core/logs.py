"""Logging set-up: plain or JSON lines; the bot token is kept out of every line; each line logged
while an update is handled carries that update's id and chat id.

What a log line may contain: ids (update, chat, event, outbox row, broadcast), counts, exception
types and code locations. Never the token (redacted here in the final text, tracebacks included),
never message texts, names or usernames (the code does not log them; `tests/test_security.py`
checks the lines of a whole conversation).
"""

from __future__ import annotations

import collections
import contextvars
import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, TypeHandler

__all__ = [
    "CONTEXT_GROUP",
    "JsonFormatter",
    "RedactingFormatter",
    "configure_logging",
    "context_handlers",
    "redact",
]

_TOKEN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")
# Handlers in this group run before every other one (feedback's draft guard is -10).
CONTEXT_GROUP = -100

_update_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("update_id", default=None)
_chat_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("chat_id", default=None)


def redact(text: str) -> str:
    """Bot API URLs (in HTTP client messages and tracebacks) contain the token."""
    return _TOKEN.sub("<token>", text)


class UpdateContext(logging.Filter):
    """Adds `update_id` and `chat_id` of the update being handled (None outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "update_id", None) is None:
            record.update_id = _update_id.get()
        if getattr(record, "chat_id", None) is None:
            record.chat_id = _chat_id.get()
        return True


async def _remember(update: Update, _context: Any) -> None:
    # python-telegram-bot handles each update in its own task: these values stay with it
    # (including its error handler) and do not leak into other updates.
    _update_id.set(update.update_id)
    _chat_id.set(update.effective_chat.id if update.effective_chat else None)


def context_handlers() -> list[BaseHandler[Update, Any, None]]:
    return [TypeHandler(Update, _remember)]


class DropPayloads(logging.Filter):
    """python-telegram-bot quotes a whole update (texts, names) when one fails to parse.

    Long polling: python-telegram-bot drops the whole batch (one line with the data, one without
    it that follows at once; both dropped here) and asks again;
    `bot.delivery.http_client.UpdatesRequest`
    then skips the unreadable update and logs it once by id. Any other unreadable getUpdates
    answer keeps the second line, as one WARNING line. Webhook: its one line is kept as a
    WARNING, without the data and the traceback, with the update's id, once per update (Telegram
    sends an update it got no 200 for again)."""

    REMEMBERED = 1000

    def __init__(self) -> None:
        super().__init__()
        self._batch_failed = False
        self._seen: collections.deque[object] = collections.deque(maxlen=self.REMEMBERED)

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("telegram") or "Received data was" not in str(record.msg):
            return True
        kind = type(record.exc_info[1]).__name__ if record.exc_info else "unknown"
        record.exc_info = None
        record.exc_text = None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        if "Error while parsing updates" in str(record.msg):
            self._batch_failed = True
            return False
        if not record.args:
            if self._batch_failed:
                self._batch_failed = False
                return False
            record.msg = "an answer to getUpdates could not be read (%s); asking again (polling)"
            record.args = (kind,)
            return True
        data = record.args[0] if isinstance(record.args, tuple) else record.args
        update_id = data.get("update_id") if isinstance(data, dict) else None
        if update_id is not None:
            if update_id in self._seen:
                return False
            self._seen.append(update_id)
        record.msg = "update %s could not be read (%s); not processed (received on the webhook)"
        record.args = (update_id, kind)
        return True


class QuietTelegramErrors(logging.Filter):
    """python-telegram-bot logs Telegram's own failures (a refused token ending long polling,
    say) with a traceback of its internals; one line with the error's kind says as much."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("telegram") and record.exc_info:
            error = record.exc_info[1]
            if isinstance(error, TelegramError):
                record.msg = f"{record.getMessage()} ({type(error).__name__})"
                record.args = None
                record.exc_info = None
                record.exc_text = None
        return True


class RedactingFormatter(logging.Formatter):
    """The plain format, with `[update N chat C]` while handling an update, token redacted."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        update_id = getattr(record, "update_id", None)
        if update_id is not None:
            head, sep, tail = text.partition(": ")
            where = f"[update {update_id} chat {getattr(record, 'chat_id', None)}]"
            text = f"{head} {where}{sep}{tail}"
        return redact(text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, update_id, chat_id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key in ("update_id", "chat_id"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, *, as_json: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(UpdateContext())
    handler.addFilter(DropPayloads())
    handler.addFilter(QuietTelegramErrors())
    handler.setFormatter(JsonFormatter() if as_json else RedactingFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO; those URLs carry the token and add nothing useful.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # At DEBUG python-telegram-bot logs every request's parameters and every received update,
    # message texts and names included: its loggers stay at INFO whatever the bot's level.
    ptb = logging.getLogger("telegram")
    ptb.setLevel(max(logging.INFO, logging.getLevelName(level)))
