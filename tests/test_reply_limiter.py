"""Direct replies wait for Telegram's limits instead of failing, and survive a 429."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.config import DeliverySettings
from bot.reply_limiter import ReplyLimiter, is_message_method, retry_seconds


def test_message_methods() -> None:
    assert is_message_method("sendMessage")
    assert is_message_method("copyMessage")
    assert not is_message_method("sendChatAction")
    assert not is_message_method("answerCallbackQuery")


def test_limits_under_a_manual_clock() -> None:
    now = [0.0]
    limiter = ReplyLimiter(
        DeliverySettings(global_rate=29, group_per_minute=20), clock=lambda: now[0]
    )
    # Private chat: burst of three, then one per second.
    assert [limiter._wait_for(1) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter._wait_for(1) == pytest.approx(1.0)
    now[0] += 1.0
    assert limiter._wait_for(1) == 0.0
    # Group: twenty a minute.
    for _ in range(20):
        assert limiter._wait_for(-100) == 0.0
    assert limiter._wait_for(-100) == pytest.approx(60.0)
    # A 429 pauses everything.
    limiter.pause(5)
    assert limiter._wait_for(2) == pytest.approx(5.0)


async def test_retry_after_is_honoured_then_retried() -> None:
    limiter = ReplyLimiter(DeliverySettings(), max_retries=2)
    calls: list[int] = []

    async def flaky() -> dict[str, Any]:
        calls.append(1)
        if len(calls) == 1:
            raise RetryAfter(timedelta(seconds=0.01))
        return {"ok": True}

    result = await limiter.process_request(flaky, (), {}, "sendMessage", {"chat_id": 5}, None)
    assert result == {"ok": True}
    assert len(calls) == 2

    async def always() -> dict[str, Any]:
        raise RetryAfter(timedelta(seconds=0.01))

    with pytest.raises(RetryAfter):
        await asyncio.wait_for(
            limiter.process_request(always, (), {}, "answerCallbackQuery", {}, 1), 5
        )


def test_retry_seconds_accepts_both_forms() -> None:
    assert retry_seconds(RetryAfter(timedelta(seconds=3))) == 3.0
