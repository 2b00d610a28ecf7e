"""The stand-in's HTTP server: Bot API endpoints, long polling, webhooks and the request log."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.limits import FloodLimits
from bot.sandbox.methods import METHODS
from bot.sandbox.schema import FileUpload, SchemaError, load_schema
from bot.sandbox.world import CallbackAnswer, RequestRecord, World

__all__ = ["SandboxServer"]

# Telegram leaves chat_member (and reaction) updates out unless asked for them.
_DEFAULT_EXCLUDED = {"chat_member", "message_reaction", "message_reaction_count"}
_JSON = "application/json"


def _update_type(update: dict[str, Any]) -> str:
    return next(key for key in update if key != "update_id")


class SandboxServer:
    """State and HTTP handling; `bot.sandbox.Sandbox` adds the test-facing control API."""

    def __init__(
        self,
        token: str,
        *,
        bot_username: str,
        host: str,
        port: int,
        global_rate: float,
        private_burst: int,
        group_per_minute: int,
        per_chat_limits: bool,
        clock: Callable[[], float],
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Järjestöbotti",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.host = host
        self.port = port
        self.clock = clock
        self.world = World()
        self.schema = load_schema()
        self.limits = FloodLimits(
            clock,
            global_rate=global_rate,
            private_burst=private_burst,
            group_per_minute=group_per_minute,
            per_chat=per_chat_limits,
        )
        self.requests: list[RequestRecord] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.queries: dict[str, tuple[int, bool]] = {}  # query id → (user id, answered)
        self.updates: list[dict[str, Any]] = []
        self.next_update_id = 1
        self.allowed_updates: list[str] | None = None
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._session: ClientSession | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        return app

    async def start(self) -> None:
        app = self.make_app()
        self.add_control_routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        addresses = self._runner.addresses
        self.port = int(addresses[0][1])

    async def stop(self) -> None:
        await self._stop_webhook()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def add_control_routes(self, app: web.Application) -> None:
        """Overridden by the Sandbox to mount /_sandbox/."""

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    @property
    def control_url(self) -> str:
        return f"http://{self.host}:{self.port}/_sandbox"

    # --- requests --------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method != "POST" or not request.body_exists:
            return params
        if request.content_type == _JSON:
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON body") from None
            if not isinstance(body, dict):
                raise bad_request("JSON body must be an object")
            params.update(body)
            return params
        form = await request.post()
        uploads: dict[str, FileUpload] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):
                uploads[key] = FileUpload(value.filename, value.content_type, value.file.read())
            else:
                params[key] = value
        # Files sent as attach://<name> refer to another multipart field.
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                name = value[len("attach://") :]
                if name not in uploads:
                    raise bad_request(f"file {name} not found in the request")
                params[key] = uploads.pop(name)
        params.update(uploads)
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        started = self.clock()
        params: dict[str, Any] = {}
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            spec = self.schema.method(method)
            if spec is None or spec.name.lower() not in (
                *METHODS,
                "getupdates",
                "setwebhook",
                "deletewebhook",
                "getwebhookinfo",
            ):
                raise ApiError(404, "Not Found")
            params = await self._params(request)
            try:
                checked = self.schema.check(spec, params)
            except SchemaError as exc:
                raise bad_request(str(exc)) from None
            result = await self._call(spec.name.lower(), checked)
        except ApiError as exc:
            self._record(method, params, exc.code, exc.description, started)
            return web.json_response(exc.body(), status=exc.code)
        self._record(method, params, 200, None, started)
        return web.json_response({"ok": True, "result": result})

    async def _call(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getupdates":
            return await self._get_updates(params)
        if method == "setwebhook":
            return await self._set_webhook(params)
        if method == "deletewebhook":
            if params.get("drop_pending_updates"):
                self.updates.clear()
            await self._stop_webhook()
            return True
        if method == "getwebhookinfo":
            return {
                "url": self.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self.updates),
            }
        return await METHODS[method](self, params)

    def _record(
        self, method: str, params: dict[str, Any], status: int, error: str | None, at: float
    ) -> None:
        shown = {
            k: (f"<file {v.filename}>" if isinstance(v, FileUpload) else v)
            for k, v in params.items()
        }
        self.requests.append(RequestRecord(method, shown, status, error, at))
        self._notify()

    def _notify(self) -> None:
        async def notify() -> None:
            async with self.changed:
                self.changed.notify_all()

        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().create_task(notify())

    async def _download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        sent = self.world.files.get(file_id)
        if sent is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        return web.Response(
            body=sent.data, content_type=sent.mime_type or "application/octet-stream"
        )

    # --- updates ---------------------------------------------------------------------------

    def push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": self.next_update_id, kind: payload}
        self.next_update_id += 1
        self.updates.append(update)
        self._notify()
        return update

    def _eligible(self) -> list[dict[str, Any]]:
        allowed = self.allowed_updates
        if not allowed:
            return [u for u in self.updates if _update_type(u) not in _DEFAULT_EXCLUDED]
        return [u for u in self.updates if _update_type(u) in allowed]

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        if offset is not None:
            if offset < 0:
                self.updates = self.updates[offset:]
            else:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if "allowed_updates" in params:
            self.allowed_updates = list(params["allowed_updates"]) or None
        limit = max(1, min(100, params.get("limit", 100)))
        timeout = max(0, min(50, params.get("timeout", 0)))
        deadline = time.monotonic() + timeout
        async with self.changed:
            while not self._eligible() and not self.webhook_url:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.changed.wait(), remaining)
        return self._eligible()[:limit]

    async def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = params["url"]
        if url and not url.startswith(("https://", "http://")):
            raise bad_request("bad webhook: invalid URL")
        secret = params.get("secret_token")
        if secret is not None and not all(c.isalnum() or c in "_-" for c in secret):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self.updates.clear()
        if "allowed_updates" in params:
            self.allowed_updates = list(params["allowed_updates"]) or None
        await self._stop_webhook()
        self.webhook_url, self.webhook_secret = url, secret
        if url:
            self._webhook_task = asyncio.get_running_loop().create_task(self._push_webhook())
        return True

    async def _stop_webhook(self) -> None:
        self.webhook_url = ""
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None

    async def _push_webhook(self) -> None:
        """Deliver updates one by one, in order, retrying until the receiver answers 2xx."""
        if self._session is None:
            self._session = ClientSession(timeout=ClientTimeout(total=10))
        headers = {"Content-Type": _JSON}
        if self.webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
        while True:
            pending = self._eligible()
            if not pending:
                async with self.changed:
                    await self.changed.wait()
                continue
            update = pending[0]
            try:
                async with self._session.post(
                    self.webhook_url, data=json.dumps(update), headers=headers
                ) as response:
                    delivered = 200 <= response.status < 300
            except (ClientError, TimeoutError):
                delivered = False
            if delivered:
                self.updates = [u for u in self.updates if u is not update]
            else:
                await asyncio.sleep(0.2)

    # --- callback queries ------------------------------------------------------------------

    def answer_query(self, query_id: str, text: str | None, show_alert: bool) -> bool:
        known = self.queries.get(query_id)
        if known is None or known[1]:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self.queries[query_id] = (known[0], True)
        self.callback_answers.append(CallbackAnswer(query_id, known[0], text, show_alert))
        return True

    def schema_fill(self, type_name: str, data: dict[str, Any]) -> dict[str, Any]:
        """Complete an object with neutral values for required fields the world does not model."""
        fields = self.schema.types.get(type_name, {})
        filled = dict(data)
        for name, spec in fields.items():
            if not spec.required or name in filled:
                continue
            kind = spec.types[0]
            if kind == "Boolean":
                filled[name] = False
            elif kind in ("Integer", "Float"):
                filled[name] = 0
            elif kind == "String":
                filled[name] = ""
            elif kind.startswith("Array of "):
                filled[name] = []
            else:
                filled[name] = self.schema_fill(kind, {})
        return filled
