"""The bot's HTTP client for the Bot API: python-telegram-bot's networking backend on aiohttp.

PTB's default backend (httpx) costs about 1 ms of CPU per request under concurrency; this one about
0.1 ms (measured against the stand-in, see bench/rsvp.py). Every RSVP tap makes two or three
requests (answerCallbackQuery, editMessageText, its share of getUpdates), so the client is most
of what a tap costs the bot.

Requests without files go as one JSON body (the Bot API takes application/json for every method);
requests with files as multipart/form-data, each other parameter a JSON-encoded form field, as
Telegram documents for uploads. JSON is encoded and decoded with orjson.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import ssl
import urllib.request
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any, Final, cast
from urllib.parse import urlsplit

import aiohttp
import certifi
import orjson
from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# A timeout as python-telegram-bot passes it to `BaseRequest.do_request`: a number, None (no
# limit) or its "not given" marker (`BaseRequest.DEFAULT_NONE`, a DefaultValue). PTB does not
# export that type or the marker's class, so they are named here from the public marker.
TimeoutArg = Any
_DEFAULT_MARKER = type(BaseRequest.DEFAULT_NONE)

__all__ = [
    "AiohttpRequest",
    "AnswerLost",
    "ConnectionDropped",
    "InvalidServerResponse",
    "NotSent",
    "ServerError",
    "TimeoutArg",
    "UpdatesRequest",
    "answer_statuses",
    "is_uncertain",
]


log = logging.getLogger(__name__)

_JSON_HEADERS: Final = {"Content-Type": "application/json", "User-Agent": BaseRequest.USER_AGENT}
_FORM_HEADERS: Final = {"User-Agent": BaseRequest.USER_AGENT}


class AnswerLost(TimedOut):
    """The request was sent but its answer did not come in time: Telegram may have carried it
    out. Still a `TimedOut`, so python-telegram-bot's own handling (long polling) is unchanged."""


class ConnectionDropped(NetworkError):
    """The connection broke after the request was written, before an answer: it may have been
    carried out."""


class NotSent(NetworkError):
    """No connection could be made (refused, unreachable, name lookup, connect or pool timeout):
    the request certainly did not reach Telegram."""


class InvalidServerResponse(NetworkError):
    """An answer that is not a Bot API document (an HTML page, truncated JSON): whatever answered
    is not a working Bot API server, so nothing was carried out."""


class ServerError(NetworkError):
    """A 5xx answer. 502 and 504 come from a proxy in front of Telegram, which may have passed the
    request on; 500 and 503 are Telegram's own refusal."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status

    def __reduce__(self) -> tuple[type, tuple[str, int]]:  # type: ignore[override]
        return self.__class__, (self.message, self.status)


_STATUSES: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "jarjestobotti_answer_statuses", default=None
)


@contextlib.contextmanager
def answer_statuses(into: list[int]) -> Iterator[list[int]]:
    """Collect the HTTP status of every answer to requests made inside (in this task): whether
    the server answered 2xx tells a request carried out from one that was not, when
    python-telegram-bot fails to read the answer."""
    token = _STATUSES.set(into)
    try:
        yield into
    finally:
        _STATUSES.reset(token)


def is_uncertain(error: BaseException) -> bool:
    """A request whose answer never came: it may or may not have been carried out."""
    if isinstance(error, ServerError):
        return error.status in (502, 504)
    return isinstance(error, AnswerLost | ConnectionDropped)


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a keep-alive connection pool of `connection_pool_size`.

    Timeouts follow PTB's meaning: `connect_timeout` covers opening a connection, `pool_timeout`
    waiting for a free one in the pool (both are aiohttp's `connect`), `read_timeout` the wait for
    each part of the answer (aiohttp's `sock_read`). aiohttp has no write timeout of its own, so an
    upload that takes longer than `media_write_timeout` plus the other timeouts to send and answer
    is cut off as a whole; other requests are small enough never to wait on a write.
    """

    def __init__(
        self,
        *,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """orjson instead of the standard library (PTB's documented hook for this): every
        update and every answer passes here, and getUpdates answers are the largest documents
        the bot reads. Anything orjson refuses goes to PTB's own parser, which keeps its
        handling of invalid UTF-8 and of documents that are not JSON."""
        try:
            parsed: dict[str, Any] = orjson.loads(payload)
        except orjson.JSONDecodeError:
            # Invalid UTF-8 inside strings is replaced, as PTB's parser does (PTB's own fallback
            # would log the whole page with a traceback when it is not JSON at all).
            try:
                parsed = json.loads(payload.decode("utf-8", "replace"))
            except ValueError:
                raise InvalidServerResponse("Invalid server response: not JSON") from None
        if not isinstance(parsed, dict):
            raise InvalidServerResponse("Invalid server response: not a JSON object")
        return parsed

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            # The session binds to the running loop, so it is made here and not in __init__.
            # Certificates from certifi, as PTB's httpx client checks them: a slim container
            # without the system's CA store still reaches api.telegram.org.
            tls = ssl.create_default_context(cafile=certifi.where())
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0, ssl=tls),
                timeout=aiohttp.ClientTimeout(total=None),
                skip_auto_headers=("User-Agent",),
                # Cookies and redirects are not part of the Bot API.
                cookie_jar=aiohttp.DummyCookieJar(),
            )

    def _proxy_for(self, url: str) -> str | None:
        """HTTP(S)_PROXY / ALL_PROXY and NO_PROXY from the environment, as PTB's httpx client
        honours them; looked up once per scheme and host (aiohttp's own `trust_env` looks on
        every request, which cost a third of a millisecond per RSVP tap)."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxies:
            bypass = bool(key[1]) and urllib.request.proxy_bypass(key[1])
            found = urllib.request.getproxies()
            self._proxies[key] = None if bypass else found.get(key[0]) or found.get("all")
        return self._proxies[key]

    async def shutdown(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    def _prepared(
        self,
        request_data: RequestData | None,
        read_timeout: TimeoutArg,
        write_timeout: TimeoutArg,
        connect_timeout: TimeoutArg,
        pool_timeout: TimeoutArg,
    ) -> tuple[aiohttp.ClientTimeout, bytes | aiohttp.FormData | None, dict[str, str]]:
        """The request's timeouts, body and headers."""
        with_files = request_data is not None and request_data.contains_files
        read = _given(read_timeout, self._read_timeout)
        write = _given(
            write_timeout, self._media_write_timeout if with_files else self._write_timeout
        )
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        timeout = aiohttp.ClientTimeout(
            # Only an upload can stall while it is being sent (a JSON body fits in the socket's
            # buffer); downloads (PTB's `retrieve`) and answers are bounded by `sock_read`.
            total=_sum(connect, pool, write, read) if with_files else None,
            connect=_sum(connect, pool),
            sock_read=read,
        )
        if request_data is None:
            return timeout, None, _FORM_HEADERS
        if with_files:
            return timeout, _form(request_data), _FORM_HEADERS
        return timeout, orjson.dumps(request_data.parameters), _JSON_HEADERS

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: TimeoutArg = BaseRequest.DEFAULT_NONE,
        write_timeout: TimeoutArg = BaseRequest.DEFAULT_NONE,
        connect_timeout: TimeoutArg = BaseRequest.DEFAULT_NONE,
        pool_timeout: TimeoutArg = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        timeout, body, headers = self._prepared(
            request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        try:
            async with session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                proxy=self._proxy_for(url),
            ) as response:
                status, payload = response.status, await response.read()
                if (statuses := _STATUSES.get()) is not None:
                    statuses.append(status)
        except aiohttp.ConnectionTimeoutError as exc:
            raise NotSent(f"aiohttp.{type(exc).__name__}: connect timed out") from exc
        except TimeoutError as exc:  # the answer (sock_read) or an upload as a whole
            raise AnswerLost("Timed out waiting for the answer") from exc
        except aiohttp.ClientConnectorError as exc:
            raise NotSent(f"aiohttp.{type(exc).__name__}: {exc}") from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
            raise ConnectionDropped(f"aiohttp.{type(exc).__name__}: {exc}") from exc
        except aiohttp.ClientPayloadError as exc:
            raise ConnectionDropped(f"aiohttp.{type(exc).__name__}: {exc}") from exc
        except aiohttp.ClientError as exc:
            # The class name tells apart errors whose message is empty.
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
        if status >= 500:
            raise ServerError(_server_error_text(status, payload), status)
        return status, payload


def _server_error_text(status: int, payload: bytes) -> str:
    """Telegram's description when the body is its JSON, else the HTTP phrase (a proxy's HTML
    page is not repeated: it says nothing more and would fill the log)."""
    description: object = None
    with contextlib.suppress(orjson.JSONDecodeError):
        body = orjson.loads(payload)
        if isinstance(body, dict):
            description = body.get("description")
    if not isinstance(description, str) or not description:
        try:
            description = HTTPStatus(status).phrase
        except ValueError:
            description = "Server error"
    return f"{description} ({status})"


def _given(value: TimeoutArg, default: float | None) -> float | None:
    return default if isinstance(value, _DEFAULT_MARKER) else cast(float | None, value)


def _sum(*parts: float | None) -> float | None:
    """None (no limit) when any part has no limit."""
    if any(part is None for part in parts):
        return None
    return sum(part for part in parts if part is not None)


def _form(request_data: RequestData) -> aiohttp.FormData:
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form


class UpdatesRequest(AiohttpRequest):
    """The client for getUpdates: one update python-telegram-bot cannot read (a field it does not
    expect) must not hold up the others.

    python-telegram-bot parses a getUpdates batch as a whole; when one update fails, it drops the
    batch without confirming it and asks again, for ever. This client notices that (the next
    request asks from an offset it has already answered) and then reads each update of the
    answer itself: an unreadable one is replaced by a bare `{"update_id": N}`, which is confirmed
    and handled as nothing, and logged once, by id. Answers are otherwise passed on untouched, so
    the usual path costs nothing.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._answered_up_to: int | None = None  # the highest update id of the last answer

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: TimeoutArg = BaseRequest.DEFAULT_NONE,
        write_timeout: TimeoutArg = BaseRequest.DEFAULT_NONE,
        connect_timeout: TimeoutArg = BaseRequest.DEFAULT_NONE,
        pool_timeout: TimeoutArg = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        status, payload = await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        if status != 200 or not url.endswith("/getUpdates"):
            return status, payload
        offset = request_data.parameters.get("offset") if request_data is not None else None
        asked_again = self._answered_up_to is not None and (
            not isinstance(offset, int) or offset <= self._answered_up_to
        )
        try:
            body = orjson.loads(payload)
            updates = body["result"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return status, payload  # not a batch: python-telegram-bot reports it
        if not isinstance(updates, list):
            return status, payload
        if asked_again:
            updates = [_readable(update) for update in updates]
            body["result"] = updates
            payload = orjson.dumps(body)
        ids = [u["update_id"] for u in updates if isinstance(u, dict) and "update_id" in u]
        self._answered_up_to = max(ids) if ids else None
        return status, payload


def _readable(update: Any) -> Any:
    """The update, or `{"update_id": N}` when python-telegram-bot cannot read it."""
    try:
        Update.de_json(update, None)
    except Exception as exc:
        update_id = update.get("update_id") if isinstance(update, dict) else None
        # Its content stays out of the log: it is people's messages.
        log.warning(
            "update %s could not be read (%s); skipped (received by polling)",
            update_id,
            type(exc).__name__,
        )
        return {"update_id": update_id}
    return update
