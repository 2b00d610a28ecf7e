"""Free text in a private chat: the answer to whatever step the user is on, else a hint.

Features with multi-step input (announcements now) register a step function that returns True
when it took the message; the first taker wins, and text nobody expects gets a hint instead of
silence.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.context import AppContext
from handlers.common import texts_for

__all__ = ["StepHandler", "handler"]

StepHandler = Callable[[Update, AppContext], Awaitable[bool]]


def handler(steps: Sequence[StepHandler]) -> BaseHandler[Update, AppContext, None]:
    async def route(update: Update, context: AppContext) -> None:
        for step in steps:
            if await step(update, context):
                return
        message = update.effective_message
        if message is not None:
            t = await texts_for(context, update)
            await message.reply_text(t._("I read commands: /help lists what I can do."))

    return MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, route)
