"""What a coordinator may write and who may ask: the limits of questions, options and text
answers (Telegram's limits for native polls), and the problems an answer can meet.

Problems are values, not exceptions: handlers turn them into a localized answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.environment import Environment
from bot.roles.access import is_admin
from storage import roles
from storage.polls import Poll

MIN_OPTIONS = 2
MAX_OPTIONS = 10
MAX_OPTION = 100  # Telegram's limits for native polls
MAX_QUESTION = 300
MAX_QUESTIONS = 5
TEXT_LIMIT = 1000  # also a CHECK in the schema

Problem = Literal[
    "gone",  # no such poll or question
    "closed",
    "not_asked",  # the chat was not asked this poll
    "not_admin",  # association mode: only the group's admins answer
    "not_member",  # a group's text link opened by someone not in the group
    "bad_option",
    "too_long",
    "empty",
    "no_draft",
]
OptionsProblem = Literal["too_few", "too_many", "too_long", "duplicate"]


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def check_question(text: str) -> Literal["empty", "too_long"] | None:
    text = text.strip()
    if not text:
        return "empty"
    if _utf16(text) > MAX_QUESTION:
        return "too_long"
    return None


@dataclass(frozen=True, slots=True)
class Options:
    options: tuple[str, ...]
    problem: OptionsProblem | None = None
    detail: str = ""  # the option that is too long or repeated


def parse_options(text: str) -> Options:
    """One option per line (blank lines ignored); 2–10 options of at most 100 characters, no
    two the same (ignoring case and surrounding spaces)."""
    options = tuple(line.strip() for line in text.splitlines() if line.strip())
    if len(options) < MIN_OPTIONS:
        return Options(options, "too_few")
    if len(options) > MAX_OPTIONS:
        return Options(options, "too_many")
    for option in options:
        if _utf16(option) > MAX_OPTION:
            return Options(options, "too_long", option)
    seen: set[str] = set()
    for option in options:
        folded = " ".join(option.casefold().split())
        if folded in seen:
            return Options(options, "duplicate", option)
        seen.add(folded)
    return Options(options)


async def may_manage_poll(env: Environment, user_id: int, poll: Poll) -> bool:
    """The poll's coordinators: admins, and its creator while they still hold a role."""
    granted = await roles.active_roles(env.db, user_id)
    if is_admin(env.config, user_id, granted):
        return True
    return poll.created_by == user_id and bool(granted)
