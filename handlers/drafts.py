"""Drafts a person is in the middle of.

- A wizard's draft (/newevent, /announce, /poll) lives in the person's user_data under the
  wizard's own key (a few minutes of work; a restart asks them to start again): `load`, `keep`.
- A free-text answer draft (a feedback comment, a poll's written answer) is a database row; a
  group's button opens the private chat with `start=<prefix>…`, which starts one
  (`start_link`), and any command other than /cancel in the private chat drops it
  (`drop_on_command`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.context import AppContext
from bot.environment import Environment

__all__ = ["drop_on_command", "keep", "load", "start_link"]

D = TypeVar("D")


def load(context: AppContext, key: str, kind: type[D]) -> D | None:
    """The draft stored under `key`, when it is a `kind`."""
    value = context.user_data.get(key) if context.user_data is not None else None
    return value if isinstance(value, kind) else None


def keep(context: AppContext, key: str, draft: object | None) -> None:
    """Store the draft under `key`; None removes it."""
    if context.user_data is None:
        return
    if draft is None:
        context.user_data.pop(key, None)
    else:
        context.user_data[key] = draft


def drop_on_command(
    drop: Callable[[Environment, int], Awaitable[object]],
) -> list[BaseHandler[Update, AppContext, None]]:
    """A guard for the private chat: any command but /cancel (which answers itself) ends the
    sender's answer draft with `drop(env, user_id)`."""

    async def guard(update: Update, context: AppContext) -> None:
        user, message = update.effective_user, update.effective_message
        words = (message.text or "").split() if message is not None else []
        command = words[0].split("@")[0] if words else ""
        if user is None or command == "/cancel":
            return
        await drop(context.env, user.id)

    return [MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND, guard)]


def start_link(
    prefix: str, callback: Callable[[Update, AppContext], Coroutine[Any, Any, None]]
) -> BaseHandler[Update, AppContext, None]:
    """`/start <prefix>…` in the private chat (a link from a group's button) goes to `callback`."""
    return CommandHandler(
        "start",
        callback,
        filters=filters.ChatType.PRIVATE & filters.Regex(rf"^/start(@\w+)? {prefix}"),
    )
