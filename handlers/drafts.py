"""The link that starts an answer draft: a group's button opens the private chat with
`start=<prefix>…` (a feedback comment, a poll's written answer). The drafts themselves and the
routing of the next message are in handlers/wizard.py."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.context import AppContext

__all__ = ["start_link"]


def start_link(
    prefix: str, callback: Callable[[Update, AppContext], Coroutine[Any, Any, None]]
) -> BaseHandler[Update, AppContext, None]:
    """`/start <prefix>…` in the private chat (a link from a group's button) goes to `callback`."""
    return CommandHandler(
        "start",
        callback,
        filters=filters.ChatType.PRIVATE & filters.Regex(rf"^/start(@\w+)? {prefix}"),
    )
