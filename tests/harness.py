"""End-to-end harness: the real Application, polling the local Bot API stand-in, on a temp DB.

    async with BotHarness.start(tmp_path) as h:
        liisa = h.user("Liisa")
        await liisa.send("/start")
        assert "Tervetuloa" in liisa.last_message().text
        await liisa.tap("Suomi")

Every `send`/`tap` returns when the bot has finished handling that update (a sentinel handler in
the last group marks it), so tests never sleep. Waits on observed state take `WAIT` as their
deadline: generous, since they return as soon as the state is reached, and a busy machine (a
second suite on the same two cores) must not turn a slow second into a failure.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import build_application
from bot.context import BotApplication, Services
from bot.core.clock import ManualClock
from bot.core.config import (
    BotSettings,
    Config,
    DeliverySettings,
    FeedbackSettings,
    ReminderSettings,
    StorageSettings,
    TelegramSettings,
)
from bot.environment import Environment
from bot.runtime.runner import ProcessedUpdates, running
from bot.sandbox import Sandbox, SentMessage, SimChat, SimUser

__all__ = ["START", "WAIT", "BotHarness", "ChatUser"]

TOKEN = "123456:TEST-token_for_the_sandbox"
# A weekday noon in Helsinki, outside the default quiet hours: the bot's clock in every harness.
START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
# The deadline of every wait for the bot or the stand-in to reach a state (seconds).
WAIT = 30.0


@dataclass
class ChatUser:
    """A simulated person acting in one chat (their private chat unless given a group)."""

    harness: BotHarness
    user: SimUser
    chat: SimChat

    @property
    def id(self) -> int:
        return self.user.id

    async def send(self, text: str) -> None:
        update = self.harness.sandbox.send_message(self.chat, self.user, text)
        await self.harness.processed(update["update_id"])

    async def tap(self, button_text: str, *, message_id: int | None = None) -> None:
        update = self.harness.sandbox.press(
            self.chat, self.user, button_text, message_id=message_id
        )
        await self.harness.processed(update["update_id"])

    async def tap_data(self, message_id: int, data: str) -> None:
        update = self.harness.sandbox.tap(self.chat, self.user, message_id, data)
        await self.harness.processed(update["update_id"])

    def in_chat(self, chat: SimChat) -> ChatUser:
        return ChatUser(self.harness, self.user, chat)

    def messages(self) -> list[SentMessage]:
        return self.harness.sandbox.messages(self.chat)

    def last_message(self) -> SentMessage:
        found = self.harness.sandbox.last_message(self.chat)
        assert found is not None, f"the bot sent nothing to chat {self.chat.id}"
        return found

    def last_answer(self) -> str | None:
        """Text of the last answerCallbackQuery for this user's taps (None: answered silently)."""
        answers = [a for a in self.harness.sandbox.callback_answers if a.user_id == self.user.id]
        assert answers, "no callback query of this user was answered"
        return answers[-1].text


@dataclass
class BotHarness:
    sandbox: Sandbox
    application: BotApplication
    config: Config
    clock: ManualClock
    tracker: ProcessedUpdates = field(default_factory=ProcessedUpdates)
    _running: AsyncExitStack = field(default_factory=AsyncExitStack)

    @property
    def services(self) -> Services:
        services = self.application.bot_data.services
        assert services is not None
        return services

    @property
    def env(self) -> Environment:
        return self.services.env

    async def processed(self, update_id: int, timeout: float = WAIT) -> None:
        await self.tracker.wait(update_id, timeout)

    def user(
        self, first_name: str, *, language_code: str = "fi", username: str | None = None
    ) -> ChatUser:
        user = self.sandbox.add_user(first_name, language_code=language_code, username=username)
        return ChatUser(self, user, self.sandbox.private_chat(user))

    @classmethod
    @asynccontextmanager
    async def start(
        cls,
        tmp_path: Path,
        *,
        admins: frozenset[int] = frozenset(),
        delivery: DeliverySettings | None = None,
        reminders: ReminderSettings | None = None,
        feedback: FeedbackSettings | None = None,
        clock: ManualClock | None = None,
        sandbox_options: dict[str, Any] | None = None,
        **bot_settings: Any,
    ) -> AsyncIterator[BotHarness]:
        clock = clock or ManualClock(START)
        options: dict[str, Any] = {"global_rate": 0, "per_chat_limits": False}
        options.update(sandbox_options or {})
        async with Sandbox(TOKEN, **options) as sandbox:
            config = Config(
                telegram=TelegramSettings(
                    token=TOKEN, base_url=sandbox.base_url, base_file_url=sandbox.base_file_url
                ),
                storage=StorageSettings(path=tmp_path / "bot.sqlite3"),
                bot=replace(BotSettings(), admins=admins, **bot_settings),
                # The stand-in's per-chat limits are off here; tests should not wait for them.
                delivery=delivery
                or DeliverySettings(
                    global_rate=1000.0, private_interval=0.001, group_per_minute=100_000
                ),
                reminders=reminders or ReminderSettings(),
                feedback=feedback or FeedbackSettings(),
                source="<test>",
            )
            harness = cls(sandbox, build_application(config, clock=clock), config, clock)
            try:
                await harness._launch()
                yield harness
            finally:
                await harness._running.aclose()  # the current bot, also after a restart

    async def _launch(self) -> None:
        self.tracker = ProcessedUpdates()
        self.tracker.attach(self.application)
        await self._running.enter_async_context(running(self.application, poll_timeout=1))

    async def restart(self) -> None:
        """Shut the bot down and start a new one on the same database, stand-in and clock."""
        await self._running.aclose()
        self._running = AsyncExitStack()
        self.application = build_application(self.config, clock=self.clock)
        await self._launch()
