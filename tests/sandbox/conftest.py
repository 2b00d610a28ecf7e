"""Fixtures for the sandbox's own tests: a sandbox without flood limits, PTB's Bot against it,
and a raw HTTP client for requests PTB would never send."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from telegram import Bot

from bot.sandbox import Sandbox

# python-telegram-bot 22 warns on RetryAfter unless timedelta durations are opted in.
os.environ.setdefault("PTB_TIMEDELTA", "1")

TOKEN = "42:SANDBOX-test"
# The deadline of a wait for an observed state: generous, since the wait ends once it is reached.
WAIT = 30.0


@dataclass
class Answer:
    status: int
    body: dict[str, Any]

    @property
    def description(self) -> str:
        return str(self.body.get("description", ""))


class Raw:
    """Plain HTTP calls to the sandbox, bypassing python-telegram-bot's own checks."""

    def __init__(self, sb: Sandbox, session: aiohttp.ClientSession) -> None:
        self.sb = sb
        self.session = session

    async def call(
        self, method: str, params: dict[str, Any] | None = None, *, json: bool = False
    ) -> Answer:
        url = f"{self.sb.base_url}{self.sb.token}/{method}"
        kwargs: dict[str, Any] = {"json": params} if json else {"data": params or {}}
        async with self.session.post(url, **kwargs) as response:
            return Answer(response.status, await response.json())


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox(TOKEN, global_rate=0, per_chat_limits=False) as sandbox:
        yield sandbox
    assert sandbox.errors == [], "the sandbox answered 500 for a bug of its own"


@pytest.fixture
async def bot(sb: Sandbox) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=sb.base_url, base_file_url=sb.base_file_url) as client:
        yield client


@pytest.fixture
async def raw(sb: Sandbox) -> AsyncIterator[Raw]:
    async with aiohttp.ClientSession() as session:
        yield Raw(sb, session)
