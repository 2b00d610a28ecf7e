"""The sandbox's HTTP side: `/bot<token>/<method>`, file downloads, and the request log.

Requests are read the way Telegram reads them: query string, urlencoded or multipart form (files),
or a JSON body; every parameter is checked against api.json before the method runs. Each request
is logged (failures too) and wakes whoever waits for the sandbox to change. Injected faults
(`self.faults`, bot/sandbox/faults.py) come on top: a request they refuse is checked but not
carried out; one they stall, delay or reset is carried out first.
"""

from __future__ import annotations

import logging
import socket
import struct
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.faults import FUTURE_UPDATE, Faults
from bot.sandbox.inline import SimInlineQuery
from bot.sandbox.limits import FloodLimits
from bot.sandbox.media import file_path
from bot.sandbox.methods import METHODS
from bot.sandbox.schema import FileUpload, SchemaError, load_schema
from bot.sandbox.updates import Pulse, UpdateQueue
from bot.sandbox.world import CallbackAnswer, RequestRecord, SimQuery, World

__all__ = ["SandboxServer"]

log = logging.getLogger(__name__)
_INTERNAL = ApiError(500, "Internal Server Error")
_NOT_FOUND = ApiError(404, "Not Found")
_UNAUTHORIZED = ApiError(401, "Unauthorized")


class SandboxServer:
    """State and HTTP handling; `bot.sandbox.Sandbox` adds the test-facing API."""

    def __init__(
        self,
        token: str,
        *,
        bot_username: str,
        host: str,
        port: int,
        limits: FloodLimits,
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
            "supports_inline_queries": True,
        }
        self.host = host
        self.port = port
        self.clock = clock
        self.world = World()
        self.schema = load_schema()
        self.limits = limits
        self.pulse = Pulse()
        self.updates = UpdateQueue(self.pulse)
        self.requests: list[RequestRecord] = []
        self.errors: list[BaseException] = []  # sandbox bugs answered with 500, for tests
        self.callback_answers: list[CallbackAnswer] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.queries: dict[str, SimQuery] = {}  # every injected callback query
        self.inline_queries: dict[str, SimInlineQuery] = {}  # every injected inline query
        # Stalls, errors, resets on demand (bot/sandbox/faults.py); real time, not `clock`.
        self.faults = Faults(known=lambda name: self.schema.method(name) is not None)
        self.updates.shape = self.faults.shape_update
        self._runner: web.AppRunner | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self.add_control_routes(app)
        return app

    def add_control_routes(self, app: web.Application) -> None:
        """Overridden by the Sandbox to mount /_sandbox/."""

    async def start(self) -> None:
        self.updates.closing = False
        # Waiting long polls end at close(), so a short grace period is plenty.
        self._runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        await self.updates.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        """For python-telegram-bot's `base_url`: it appends the token and the method."""
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
        if not request.body_exists:
            return params
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON encoded request body") from None
            if not isinstance(body, dict):
                raise bad_request("can't parse JSON encoded request body")
            params.update(body)
            return params
        form = await request.post()
        uploads: dict[str, FileUpload] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):
                uploads[key] = FileUpload(value.filename, value.content_type, value.file.read())
            else:
                params[key] = value
        # A parameter "attach://<name>" refers to the multipart field holding the file.
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
                raise _UNAUTHORIZED
            spec = self.schema.method(method)
            implementation = METHODS.get(method.lower())
            if spec is None or implementation is None:
                raise _NOT_FOUND
            params = await self._params(request)
            try:
                checked = self.schema.check(spec, params)
            except SchemaError as exc:
                raise bad_request(str(exc)) from None
            refused = self.faults.error_for(method)
            if refused is not None:  # an injected server error: nothing is carried out
                raise ApiError(*refused)
            result = await implementation(self, checked)
        except ApiError as exc:
            return await self._answer(method, params, started, exc)
        except Exception as exc:  # a sandbox bug: answer like a Telegram hiccup, keep it
            log.exception("sandbox failed on %s", method)
            self.errors.append(exc)
            return await self._answer(method, params, started, _INTERNAL)
        self._record(method, params, 200, None, started)
        if self.faults.drops(method):
            await self.faults.hold()  # a frozen server resets nothing until it thaws
            _reset(request)
            # aiohttp finds the connection gone when it writes this, and moves on quietly.
            return web.Response(status=204)
        body = self.faults.answer(method, result)
        await self.faults.hold()
        return web.json_response(body)

    async def _answer(
        self, method: str, params: dict[str, Any], started: float, error: ApiError
    ) -> web.Response:
        # Recorded when decided, answered when the faults let it go.
        self._record(method, params, error.code, error.description, started)
        await self.faults.hold()
        return web.json_response(error.body(), status=error.code)

    def _record(
        self, method: str, params: dict[str, Any], status: int, error: str | None, at: float
    ) -> None:
        shown = {
            k: (f"<file {v.filename}>" if isinstance(v, FileUpload) else v)
            for k, v in params.items()
        }
        self.requests.append(RequestRecord(method, shown, status, error, at))
        self.pulse.fire()

    async def _download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(_UNAUTHORIZED.body(), status=401)
        path = request.match_info["path"]
        sent = next((f for f in self.world.files.values() if file_path(f) == path), None)
        if sent is None:
            return web.json_response(_NOT_FOUND.body(), status=404)
        return web.Response(
            body=sent.data, content_type=sent.mime_type or "application/octet-stream"
        )

    # --- shared by methods and the test API ------------------------------------------------

    def push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        future = self.faults.future_update()
        if future is not None:  # a kind of update this Bot API does not know yet
            self.updates.push(FUTURE_UPDATE, future)
        return self.updates.push(kind, payload)

    def answer_query(self, query_id: str, text: str | None, show_alert: bool) -> bool:
        query = self.queries.get(query_id)
        if query is None or query.answer is not None:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        query.answer = CallbackAnswer(
            query_id, query.user_id, text, show_alert, query.data, at=self.clock()
        )
        self.callback_answers.append(query.answer)
        return True


def _reset(request: web.Request) -> None:
    """Close the request's connection with a TCP reset: the client reads ECONNRESET (or an early
    end of the stream), never an answer."""
    transport = request.transport
    assert transport is not None
    sock = transport.get_extra_info("socket")
    if sock is not None:  # linger on, timeout 0: close() sends RST instead of FIN
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
