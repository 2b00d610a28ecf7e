"""A local stand-in for the Telegram Bot API: same endpoints, same answers, same failures.

Used by `python -m bot demo`, by `python -m bot.sandbox` (for a manual `python -m bot run`
against it) and by every end-to-end test. Requests are checked against the official schema
(api.json); text formatting, Telegram's limits, flood control, blocked users, unknown chats and
group migrations answer as Telegram does.

Modules: `sandbox` (the public class), `actions` (users acting), `server` (HTTP), `updates`
(getUpdates and webhooks), `faults` (stalls, errors, resets and odd answers on demand), `schema`,
`formatting`/`html_markup`/`markdown`/`entities` (parse modes), `limits` (flood control), `world`
(state), `messaging`/`media`/`chats` (the methods), `control` (the HTTP control API).
"""

from bot.sandbox.faults import Faults
from bot.sandbox.limits import FloodLimits
from bot.sandbox.sandbox import DEFAULT_TOKEN, Sandbox
from bot.sandbox.world import (
    Button,
    CallbackAnswer,
    RequestRecord,
    SentFile,
    SentMessage,
    SimChat,
    SimPoll,
    SimQuery,
    SimUser,
)

__all__ = [
    "DEFAULT_TOKEN",
    "Button",
    "CallbackAnswer",
    "Faults",
    "FloodLimits",
    "RequestRecord",
    "Sandbox",
    "SentFile",
    "SentMessage",
    "SimChat",
    "SimPoll",
    "SimQuery",
    "SimUser",
]
