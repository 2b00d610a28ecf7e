"""A local stand-in for the Telegram Bot API: same endpoints, same answers, same failures.

Used by `python -m bot demo`, by `python -m bot.sandbox` (for a manual `python -m bot run`
against it) and by every end-to-end test. Requests are checked against the official schema
(api.json); flood limits, blocked users, unknown chats and group migrations answer as Telegram
does.
"""

from bot.sandbox.sandbox import DEFAULT_TOKEN, Sandbox
from bot.sandbox.world import (
    Button,
    CallbackAnswer,
    RequestRecord,
    SentFile,
    SentMessage,
    SimChat,
    SimPoll,
    SimUser,
)

__all__ = [
    "DEFAULT_TOKEN",
    "Button",
    "CallbackAnswer",
    "RequestRecord",
    "Sandbox",
    "SentFile",
    "SentMessage",
    "SimChat",
    "SimPoll",
    "SimUser",
]
