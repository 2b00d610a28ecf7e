"""The shared flood-control budget: window math, pacing, per-chat spacing, priority, 429 pauses."""

from __future__ import annotations

import asyncio
import math
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import BadRequest, RetryAfter

from bot.core.config import DeliverySettings
from bot.delivery.http_client import AnswerLost, NotSent, ServerError
from bot.delivery.ratelimit import (
    ReplyTooLate,
    SharedRateLimiter,
    is_message_method,
    patient_requests,
    retry_seconds,
    worker_requests,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make(clock: FakeClock, **settings: Any) -> SharedRateLimiter:
    return SharedRateLimiter(DeliverySettings(**settings), clock=clock)


def test_message_methods() -> None:
    assert is_message_method("sendMessage")
    assert is_message_method("sendDocument")
    assert is_message_method("copyMessage")
    assert not is_message_method("sendChatAction")
    assert not is_message_method("answerCallbackQuery")
    assert not is_message_method("editMessageText")


def test_retry_seconds_accepts_both_forms() -> None:
    assert retry_seconds(RetryAfter(timedelta(seconds=3))) == 3.0


async def test_window_counts_from_request_to_answer_plus_a_second() -> None:
    clock = FakeClock()
    limiter = make(clock, global_rate=3.0)
    permits = [await limiter.acquire_reply(None) for _ in range(3)]
    # All three in flight: nothing frees by time alone.
    assert limiter.global_delay(bulk=False) == math.inf
    clock.now += 0.25
    permits[0].release()
    # The answer came at 100.25: the slot is busy until 101.25, whenever Telegram counted it.
    assert limiter.global_delay(bulk=False) == pytest.approx(1.0)
    clock.now += 0.5
    assert limiter.global_delay(bulk=False) == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.global_delay(bulk=False) == 0.0
    permits[1].cancel()  # never sent: the slot is free at once
    permits[2].cancel()
    assert limiter.global_delay(bulk=False) == 0.0


async def test_fractional_rate_stretches_the_window() -> None:
    clock = FakeClock()
    limiter = make(clock, global_rate=2.5)
    for _ in range(3):
        (await limiter.acquire_reply(None)).release()
    # Three messages per 1.2 s: 2.5/s on average, never more than three in a second.
    assert limiter.global_delay(bulk=False) == pytest.approx(1.2)


async def test_bulk_is_paced_evenly_and_catches_up_small_lateness() -> None:
    clock = FakeClock()
    limiter = make(clock, global_rate=20.0)
    first = await limiter.acquire_bulk()
    # One interval of slack: a second permit at once, then one every 50 ms.
    second = await limiter.acquire_bulk()
    assert limiter.global_delay(bulk=True) == pytest.approx(0.05)
    assert limiter.global_delay(bulk=False) == 0.0  # replies are not paced
    clock.now += 0.06  # the picker came 10 ms late …
    third = await limiter.acquire_bulk()
    # … and the next slot keeps the grid (100.10), not 50 ms after the late grant.
    assert limiter.global_delay(bulk=True) == pytest.approx(0.04)
    third.cancel()  # a permit without a row gives its pacing back
    assert limiter.global_delay(bulk=True) == 0.0
    first.release()
    second.release()


async def test_private_chat_spacing_for_bulk_and_burst_for_replies() -> None:
    clock = FakeClock()
    limiter = make(clock, private_interval=1.0)
    permit = await limiter.acquire_bulk()
    permit.bind(5)
    assert limiter.chat_delay(5, bulk=True) == pytest.approx(1.0)  # in flight
    clock.now += 0.2
    permit.release()
    assert limiter.chat_delay(5, bulk=True) == pytest.approx(1.0)
    assert limiter.chat_delay(5, bulk=False) == 0.0  # a reply may follow at once (burst)
    assert limiter.chat_delay(6, bulk=True) == 0.0  # other chats are not held up
    busy, soonest = limiter.busy_chats()
    assert busy == [5]
    assert soonest == pytest.approx(1.0)
    for _ in range(2):
        (await limiter.acquire_reply(5)).release()
    # Three within three seconds: the burst is used up.
    assert limiter.chat_delay(5, bulk=False) == pytest.approx(3.0)
    clock.now += 3.0
    assert limiter.chat_delay(5, bulk=False) == 0.0
    clock.now += 10.0
    assert limiter.busy_chats() == ([], math.inf)  # and idle chats are forgotten


async def test_groups_get_twenty_a_minute() -> None:
    clock = FakeClock()
    limiter = make(clock, group_per_minute=20)
    for _ in range(20):
        permit = await limiter.acquire_bulk()
        permit.bind(-100)
        permit.release()
        clock.now += 0.1
    assert limiter.chat_delay(-100, bulk=True) == pytest.approx(58.0)
    assert limiter.busy_chats()[0] == [-100]


async def test_pause_holds_everything() -> None:
    clock = FakeClock()
    limiter = make(clock)
    limiter.pause(5)
    assert limiter.global_delay(bulk=False) == pytest.approx(5.0)
    assert limiter.global_delay(bulk=True) == pytest.approx(5.0)
    limiter.pause(1)  # a shorter pause does not shorten the longer one
    assert limiter.paused_for() == pytest.approx(5.0)


async def test_replies_go_before_the_worker() -> None:
    limiter = SharedRateLimiter(DeliverySettings())
    limiter.pause(0.05)
    order: list[str] = []

    async def take(name: str, acquire: Any) -> None:
        permit = await acquire
        order.append(name)
        permit.release()

    bulk = asyncio.create_task(take("bulk", limiter.acquire_bulk()))
    await asyncio.sleep(0)
    reply = asyncio.create_task(take("reply", limiter.acquire_reply(42)))
    await asyncio.sleep(0)
    assert limiter.global_delay(bulk=True) == math.inf  # a reply is waiting
    await asyncio.wait_for(asyncio.gather(bulk, reply), 30)
    assert order == ["reply", "bulk"]


async def test_process_request_retries_after_429_and_pauses_the_bot() -> None:
    limiter = SharedRateLimiter(DeliverySettings(), max_retries=2)
    calls: list[int] = []

    async def flaky() -> dict[str, Any]:
        calls.append(1)
        if len(calls) == 1:
            raise RetryAfter(timedelta(seconds=0.02))
        return {"ok": True}

    result = await limiter.process_request(flaky, (), {}, "sendMessage", {"chat_id": 5}, None)
    assert result == {"ok": True}
    assert len(calls) == 2

    async def always() -> dict[str, Any]:
        raise RetryAfter(timedelta(seconds=0.01))

    with pytest.raises(RetryAfter):
        await asyncio.wait_for(
            limiter.process_request(always, (), {}, "answerCallbackQuery", {}, 1), 30
        )


async def test_worker_requests_pass_through_and_report_429_to_the_worker() -> None:
    limiter = SharedRateLimiter(DeliverySettings(global_rate=1.0))
    (await limiter.acquire_reply(None)).release()  # the window is full now
    calls: list[int] = []

    async def send() -> bool:
        calls.append(1)
        if len(calls) == 2:
            raise RetryAfter(timedelta(seconds=3))
        return True

    with worker_requests():
        # The worker already holds its permit: no waiting here, and no retry on 429.
        assert await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 1}, None)
        with pytest.raises(RetryAfter):
            await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert len(calls) == 2


async def test_the_smallest_round_trip_is_credited_to_the_window() -> None:
    clock = FakeClock()
    limiter = make(clock, global_rate=2.0)
    first = await limiter.acquire_reply(None)
    first.sending()
    clock.now += 0.1  # a 100 ms round trip: Telegram counted it at least 50 ms before the answer
    first.release()
    second = await limiter.acquire_reply(None)
    second.sending()
    clock.now += 0.3  # a slower one is counted from the fastest seen
    second.release()
    # The first slot frees at 100.1 - 0.1 + 1 = 101.0, not 101.1.
    assert limiter.global_delay(bulk=False) == pytest.approx(0.6)


class Flaky:
    """A request that fails with the given errors first, then succeeds."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> bool:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return True


async def _request(limiter: SharedRateLimiter, call: Flaky, endpoint: str) -> Any:
    return await limiter.process_request(call, (), {}, endpoint, {"chat_id": 5}, None)


async def test_replies_retry_what_telegram_did_not_carry_out() -> None:
    limiter = SharedRateLimiter(DeliverySettings(), reply_deadline=10.0)
    refused = Flaky(NotSent("refused"), ServerError("Internal Server Error (500)", 500))
    assert await _request(limiter, refused, "sendMessage") is True
    assert refused.calls == 3
    # A message whose answer was lost may be in the chat: never sent twice by a retry.
    lost = Flaky(AnswerLost("no answer"))
    with pytest.raises(AnswerLost):
        await _request(limiter, lost, "sendMessage")
    assert lost.calls == 1
    # Answering a tap or editing twice is harmless.
    tap = Flaky(ServerError("Bad Gateway (502)", 502))
    assert await _request(limiter, tap, "answerCallbackQuery") is True
    assert tap.calls == 2
    # Bounded: max_retries (3) retries, then the error goes to the handler.
    broken = Flaky(*(NotSent("refused") for _ in range(10)))
    with pytest.raises(NotSent):
        await _request(limiter, broken, "sendMessage")
    assert broken.calls == 4
    # A 400 is final: "message is not modified" (an edit that changes nothing) goes back to
    # the handler at once, not after a second of back-off and three more tries.
    unchanged = Flaky(BadRequest("Message is not modified"), BadRequest("again"))
    with pytest.raises(BadRequest):
        await _request(limiter, unchanged, "editMessageText")
    assert unchanged.calls == 1
    # Start-up calls retry on their own schedule.
    me = Flaky(NotSent("refused"))
    with pytest.raises(NotSent):
        await _request(limiter, me, "getMe")
    assert me.calls == 1


async def test_a_reply_that_cannot_go_in_time_is_dropped() -> None:
    limiter = SharedRateLimiter(DeliverySettings(), reply_deadline=0.2)
    limiter.pause(30.0)  # a long flood-control wait
    late = Flaky()
    started = asyncio.get_running_loop().time()
    with pytest.raises(ReplyTooLate):
        await _request(limiter, late, "sendMessage")
    with pytest.raises(ReplyTooLate):
        await _request(limiter, late, "answerCallbackQuery")
    assert late.calls == 0  # nothing was sent late
    assert asyncio.get_running_loop().time() - started < 5.0
    # Background work waits as long as it takes.
    limiter = SharedRateLimiter(DeliverySettings(), reply_deadline=0.05)
    limiter.pause(0.3)
    patient = Flaky()
    with patient_requests():
        assert await _request(limiter, patient, "sendMessage") is True
    assert patient.calls == 1
