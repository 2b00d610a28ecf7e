"""The bot's update queue: getUpdates long polling and webhook delivery, as Telegram runs them.

- Update ids increase by one; `offset` confirms (forgets) every earlier update, a negative offset
  keeps only the last -offset ones.
- `allowed_updates` is remembered until changed; it applies to updates created afterwards, and
  without it chat_member and reaction updates are left out, as Telegram does.
- A second getUpdates ends a waiting one with 409 "terminated by other getUpdates request", and
  getUpdates while a webhook is set answers 409 as well.
- With a webhook, each update is POSTed as JSON, in order, with the secret header when a secret
  was given, and retried with a growing pause until the receiver answers 2xx.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout

from bot.sandbox.errors import ApiError, bad_request

__all__ = ["Pulse", "UpdateQueue"]

_DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_SECRET_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
_RETRY_FIRST, _RETRY_MAX = 0.05, 2.0


class Pulse:
    """Wakes everything waiting for "the sandbox changed" (a request, a new update).

    Everything runs on one event loop, so swapping in a fresh Event is enough: no lock, and firing
    from synchronous test code is fine.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.count = 0

    def fire(self) -> None:
        self.count += 1
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self) -> None:
        await self._event.wait()


class UpdateQueue:
    def __init__(self, pulse: Pulse) -> None:
        self.pulse = pulse
        self.pending: list[dict[str, Any]] = []
        self.next_id = 1
        self.allowed: list[str] | None = None
        self.closing = False
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.max_connections = 40
        self.last_error: tuple[int, str] | None = None
        # How an update looks on the wire by webhook; the server bends it when faults say so.
        self.shape: Callable[[dict[str, Any]], dict[str, Any]] = lambda update: update
        self._poll_generation = 0
        self._webhook_task: asyncio.Task[None] | None = None
        self._session: ClientSession | None = None

    def wants(self, kind: str) -> bool:
        if not self.allowed:
            return kind not in _DEFAULT_EXCLUDED
        return kind in self.allowed

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Create an update; it is queued only if the bot's allowed_updates take it."""
        update = {"update_id": self.next_id, kind: payload}
        self.next_id += 1
        if self.wants(kind):
            self.pending.append(update)
        self.pulse.fire()
        return update

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            self.pending = self.pending[offset:]
        else:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]

    def _remember_allowed(self, params: dict[str, Any]) -> None:
        if "allowed_updates" in params:
            self.allowed = list(params["allowed_updates"]) or None

    async def get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        self._poll_generation += 1
        mine = self._poll_generation
        self.pulse.fire()  # an older poll still waiting learns it was superseded
        if params.get("offset") is not None:
            self._confirm(params["offset"])
        self._remember_allowed(params)
        limit = max(1, min(100, params.get("limit") or 100))
        timeout = max(0, min(50, params.get("timeout") or 0))
        # Long polling waits in real time; the injected clock only drives the flood limits.
        deadline = time.monotonic() + timeout
        while not self.pending and not self.closing and not self.webhook_url:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self.pulse.wait()
            if self._poll_generation != mine:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
        return self.pending[:limit]

    # --- webhook ---------------------------------------------------------------------------

    async def set_webhook(self, params: dict[str, Any]) -> bool:
        url: str = params["url"]
        if url and not url.startswith(("https://", "http://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not (
            1 <= len(secret) <= 256 and _SECRET_CHARS.issuperset(secret)
        ):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self.pending.clear()
        self._remember_allowed(params)
        await self.stop_webhook()
        self.webhook_url, self.webhook_secret = url, secret
        self.max_connections = params.get("max_connections") or 40
        self.last_error = None
        if url:
            self._webhook_task = asyncio.get_running_loop().create_task(self._deliver())
        self.pulse.fire()
        return True

    async def delete_webhook(self, params: dict[str, Any]) -> bool:
        if params.get("drop_pending_updates"):
            self.pending.clear()
        await self.stop_webhook()
        return True

    def webhook_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending),
        }
        if self.webhook_url:
            info["max_connections"] = self.max_connections
            if self.allowed:
                info["allowed_updates"] = self.allowed
        if self.last_error is not None:
            info["last_error_date"], info["last_error_message"] = self.last_error
        return info

    async def stop_webhook(self) -> None:
        self.webhook_url = ""
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None

    async def close(self) -> None:
        """End waiting polls at once and stop delivering; the server is going away."""
        self.closing = True
        self.pulse.fire()
        await self.stop_webhook()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _deliver(self) -> None:
        """POST updates one by one, in order, until the receiver takes each (2xx)."""
        if self._session is None:
            self._session = ClientSession(timeout=ClientTimeout(total=10))
        headers = {"Content-Type": "application/json"}
        if self.webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
        pause = _RETRY_FIRST
        while True:
            if not self.pending:
                await self.pulse.wait()
                continue
            update = self.pending[0]
            try:
                async with self._session.post(
                    self.webhook_url, data=json.dumps(self.shape(update)), headers=headers
                ) as response:
                    error = (
                        None
                        if 200 <= response.status < 300
                        else f"Wrong response from the webhook: {response.status} {response.reason}"
                    )
            except (ClientError, TimeoutError) as exc:
                error = f"Connection failed: {exc.__class__.__name__}"
            if error is None:
                self.pending = [u for u in self.pending if u is not update]
                pause = _RETRY_FIRST
                self.pulse.fire()
                continue
            self.last_error = (int(time.time()), error)
            await asyncio.sleep(pause)
            pause = min(pause * 2, _RETRY_MAX)
