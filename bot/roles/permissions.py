"""Who may do what: configured admins, coordinators, and administrators of group chats."""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import Bot
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError

__all__ = ["AdminCheckFailed", "GroupAdminCache"]

log = logging.getLogger(__name__)


class AdminCheckFailed(Exception):
    """Telegram did not answer whether the user administers the group. Nothing may change (fail
    closed), and the person is told to try again rather than that they are not an admin."""


_ADMIN_STATUSES = frozenset({ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER})


class GroupAdminCache:
    """Answers "is this user an administrator of this group?" via getChatMember.

    The answer is cached briefly: long enough that a burst of taps in one menu costs one request,
    short enough that a demoted administrator loses access within a minute.
    """

    def __init__(self, clock: Callable[[], float], ttl: float = 60.0) -> None:
        self._clock = clock
        self._ttl = ttl
        self._cache: dict[tuple[int, int], tuple[float, bool]] = {}

    async def is_admin(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        key = (chat_id, user_id)
        now = self._clock()
        cached = self._cache.get(key)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except BadRequest:
            # Telegram answered (python-telegram-bot counts BadRequest as a NetworkError): the
            # user or the chat is unknown to it. Deny rather than let a stranger change the
            # group's settings.
            return False
        except (NetworkError, RetryAfter, InvalidToken) as exc:
            # No answer (a timeout, a 5xx), flood control, a refused token: we do not know.
            # Not cached: the next try asks again.
            log.warning(
                "administrator check in chat %d failed: %s: %s",
                chat_id,
                type(exc).__name__,
                exc.message.split(":")[0],
            )
            raise AdminCheckFailed from exc
        except TelegramError:
            # Telegram answered: unknown or inaccessible member. Deny rather than let a stranger
            # change the group's settings.
            return False
        allowed = member.status in _ADMIN_STATUSES
        self._cache[key] = (now, allowed)
        return allowed

    def forget(self, chat_id: int) -> None:
        for key in [k for k in self._cache if k[0] == chat_id]:
            del self._cache[key]
