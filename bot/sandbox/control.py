"""HTTP control API of the sandbox, under /_sandbox/ (JSON in, JSON out), for the demo and for
trying the bot by hand. With the sandbox on port 8081 (`python -m bot.sandbox`):

    URL=http://127.0.0.1:8081/_sandbox
    # people and chats (a user's private chat has the user's id)
    curl -s -X POST $URL/users -d '{"first_name": "Liisa", "language_code": "fi"}'
    curl -s -X POST $URL/groups -d '{"title": "Kyläyhdistys", "member_ids": [1001],
                                     "admin_ids": [1001], "add_bot_by": 1001}'
    curl -s $URL/chats
    # act as a user
    curl -s -X POST $URL/message -d '{"chat_id": 1001, "user_id": 1001, "text": "/start"}'
    curl -s -X POST $URL/press -d '{"chat_id": 1001, "user_id": 1001, "text": "Suomi"}'
    curl -s -X POST $URL/tap -d '{"chat_id": 1001, "user_id": 1001, "message_id": 2,
                                  "data": "lang:fi"}'
    curl -s -X POST $URL/poll_answer -d '{"user_id": 1001, "poll_id": "…", "option_ids": [0]}'
    # inline mode: type "@bot Joensuu" (answer waited for up to `wait` s), then pick a result
    curl -s -X POST $URL/inline_query -d '{"user_id": 1001, "query": "Joensuu", "wait": 5}'
    curl -s -X POST $URL/choose_inline -d '{"chat_id": -1, "user_id": 1001,
                                            "inline_query_id": "…", "result_id": "3"}'
    # a load driver: taps at a steady rate, then when each was answered (sandbox clock, seconds)
    curl -s -X POST $URL/taps -d '{"taps": [{"chat_id": 1001, "user_id": 1001, "message_id": 2,
                                   "data": "…"}], "rate": 500, "wait": 30}'
    # read what the bot did
    curl -s $URL/chats/1001/messages       # the bot's messages with their buttons
    curl -s $URL/chats/1001/transcript     # the whole conversation as lines
    curl -s $URL/requests                  # every Bot API request, failures included
    # make Telegram fail
    curl -s -X POST $URL/chats/1001/failure -d '{"mode": "blocked"}'
        # modes: blocked, unblocked, deactivated, kicked, migrated, forgotten
    curl -s -X POST $URL/limits -d '{"global_rate": 5, "per_chat": false}'
    # make Telegram misbehave (bot/sandbox/faults.py); real seconds, ended by time or by clear.
    # Only /bot<token>/<method> requests are hit, never these control routes.
    curl -s -X POST $URL/faults/stall -d '{"seconds": 20}'      # carried out, answers held
    curl -s -X POST $URL/faults/errors -d '{"status": 502, "fraction": 0.2, "seconds": 10}'
    curl -s -X POST $URL/faults/errors -d '{"status": 500, "fraction": 1, "seconds": 5,
                                            "methods": ["sendMessage"]}'   # not carried out
    curl -s -X POST $URL/faults/reset -d '{"fraction": 1, "seconds": 5}'  # carried out, no answer
    curl -s -X POST $URL/faults/latency -d '{"ms": 200}'        # 0 turns it off
    curl -s -X POST $URL/faults/malformed -d '{"method": "getMe"}'  # next answer lacks a field
    curl -s -X POST $URL/faults/unknown_fields -d '{"on": true}'
    curl -s -X POST $URL/faults/clear                           # all off, held answers go now
    curl -s $URL/faults                     # what is on, and counts of what was done
        # each POST answers like GET: {"stall_seconds_left": …, "latency_ms": …, "errors": […],
        #  "resets": […], "malformed": […], "unknown_fields": …, "stats": {"errored": …, …}}

Errors answer 400 or 404 with {"ok": false, "error": "…"}; for faults, 400 on a status that is
not 4xx/5xx, a fraction outside (0, 1], negative seconds or an unknown Bot API method name.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox.world import SentMessage, SimChat, SimUser

if TYPE_CHECKING:
    from bot.sandbox.sandbox import Sandbox

__all__ = ["control_routes"]

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class _Refused(Exception):
    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status


def message_to_json(message: SentMessage) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "text": message.text,
        "caption": message.caption,
        "entities": message.entities,
        "buttons": [[{"text": t, "action": a} for t, a in row] for row in message.keyboard],
        "document": message.document.filename if message.document else None,
        "photo": message.photo.file_id if message.photo else None,
        "poll": message.poll.to_api() if message.poll else None,
        "edits": message.edit_count,
    }


class _Control:
    """The route handlers, each a method over the one Sandbox they drive."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb

    @staticmethod
    async def body(request: web.Request) -> dict[str, Any]:
        try:
            data = json.loads(await request.text() or "{}")
        except ValueError:
            raise _Refused(400, "expected a JSON object") from None
        if not isinstance(data, dict):
            raise _Refused(400, "expected a JSON object")
        return data

    def user(self, data: dict[str, Any], key: str = "user_id") -> SimUser:
        found = self.sb.world.users.get(int(data.get(key, 0)))
        if found is None:
            raise _Refused(404, f"unknown {key}")
        return found

    def chat(self, value: Any) -> SimChat:
        found = self.sb.world.chats.get(int(value))
        if found is None:
            raise _Refused(404, "unknown chat_id")
        return found

    async def users(self, request: web.Request) -> Any:
        data = await self.body(request)
        new = self.sb.add_user(
            str(data.get("first_name", "User")),
            last_name=data.get("last_name"),
            username=data.get("username"),
            language_code=data.get("language_code", "fi"),
            user_id=data.get("user_id"),
        )
        return {"user": new.to_api(), "chat_id": self.sb.private_chat(new).id}

    async def groups(self, request: web.Request) -> Any:
        data = await self.body(request)
        group = self.sb.add_group(
            str(data.get("title", "Group")),
            members=[self.user({"id": i}, "id") for i in data.get("member_ids", [])],
            admins=[self.user({"id": i}, "id") for i in data.get("admin_ids", [])],
            supergroup=bool(data.get("supergroup", False)),
        )
        if data.get("add_bot_by") is not None:
            self.sb.bot_added_to_group(
                group, self.user(data, "add_bot_by"), as_admin=bool(data.get("bot_admin"))
            )
        return {"chat": group.to_api()}

    async def message(self, request: web.Request) -> Any:
        data = await self.body(request)
        return self.sb.send_message(self.chat(data["chat_id"]), self.user(data), str(data["text"]))

    async def press(self, request: web.Request) -> Any:
        data = await self.body(request)
        return self.sb.press(
            self.chat(data["chat_id"]),
            self.user(data),
            str(data["text"]),
            message_id=data.get("message_id"),
        )

    async def tap(self, request: web.Request) -> Any:
        data = await self.body(request)
        return self.sb.tap(
            self.chat(data["chat_id"]), self.user(data), int(data["message_id"]), str(data["data"])
        )

    async def inline_query(self, request: web.Request) -> Any:
        """Inject an inline query; with `wait`, also wait that many seconds for its answer."""
        data = await self.body(request)
        update = self.sb.inline_query(
            self.user(data),
            str(data.get("query", "")),
            offset=str(data.get("offset", "")),
            chat_type=str(data.get("chat_type", "sender")),
        )
        query_id = update["inline_query"]["id"]
        wait = float(data.get("wait", 0))
        if wait > 0:
            with contextlib.suppress(TimeoutError):
                await self.sb.wait_for(
                    lambda: self.sb.inline_queries[query_id].answer is not None, wait
                )
        answer = self.sb.inline_queries[query_id].answer
        return {
            "update": update,
            "answer": None
            if answer is None
            else {"results": answer.results, "next_offset": answer.next_offset},
        }

    async def choose_inline(self, request: web.Request) -> Any:
        data = await self.body(request)
        sent = self.sb.choose_inline_result(
            self.chat(data["chat_id"]),
            self.user(data),
            str(data["inline_query_id"]),
            str(data["result_id"]),
        )
        return message_to_json(sent)

    async def taps(self, request: web.Request) -> Any:
        """Inject the taps `rate` per second (0: at once), then wait up to `wait` seconds for
        the bot to answer them all; each tap with its tap and answer times."""
        data = await self.body(request)
        planned = self._planned_taps(data["taps"])
        ids = await self._inject_taps(planned, float(data.get("rate", 0)))
        await self._wait_answered(ids, float(data.get("wait", 0)))
        return [self._tap_result(query_id) for query_id in ids]

    def _planned_taps(self, items: list[dict[str, Any]]) -> list[tuple[SimChat, SimUser, int, str]]:
        planned = []
        for item in items:
            target, who = self.chat(item["chat_id"]), self.user(item)
            message_id = int(item["message_id"])
            if self.sb.world.message(target.id, message_id) is None:
                raise _Refused(404, f"no message {message_id} in chat {target.id}")
            planned.append((target, who, message_id, str(item["data"])))
        return planned

    async def _inject_taps(
        self, planned: list[tuple[SimChat, SimUser, int, str]], rate: float
    ) -> list[str]:
        ids: list[str] = []
        began = time.monotonic()
        for n, (target, who, message_id, callback) in enumerate(planned):
            ids.append(self.sb.tap(target, who, message_id, callback)["callback_query"]["id"])
            if rate > 0:  # on schedule from the start, catching up after a slow moment
                await asyncio.sleep(max(0.0, began + (n + 1) / rate - time.monotonic()))
        return ids

    async def _wait_answered(self, ids: list[str], wait: float) -> None:
        first_open = 0

        def answered() -> bool:  # amortised O(1) per check: answers are seen in order
            nonlocal first_open
            while first_open < len(ids) and self.sb.queries[ids[first_open]].answer is not None:
                first_open += 1
            return first_open == len(ids)

        with contextlib.suppress(TimeoutError):
            await self.sb.wait_for(answered, timeout=wait)

    def _tap_result(self, query_id: str) -> dict[str, Any]:
        query = self.sb.queries[query_id]
        return {
            "id": query_id,
            "tapped_at": query.tapped_at,
            "answered_at": query.answer.at if query.answer else None,
            "text": query.answer.text if query.answer else None,
            "show_alert": query.answer.show_alert if query.answer else None,
        }

    async def poll_answer(self, request: web.Request) -> Any:
        data = await self.body(request)
        options = [int(i) for i in data.get("option_ids", [])]
        return self.sb.answer_poll(self.user(data), str(data["poll_id"]), options)

    async def chats(self, request: web.Request) -> Any:
        return [{**c.to_api(), "bot_status": c.bot_status} for c in self.sb.world.chats.values()]

    async def messages(self, request: web.Request) -> Any:
        return [message_to_json(m) for m in self.sb.messages(int(request.match_info["chat_id"]))]

    async def transcript(self, request: web.Request) -> Any:
        return self.sb.transcript(int(request.match_info["chat_id"]))

    async def failure(self, request: web.Request) -> Any:
        data = await self.body(request)
        target = self.chat(request.match_info["chat_id"])
        mode = data.get("mode")
        sb = self.sb
        result: dict[str, Any] = {"ok": True}
        if mode == "blocked":
            sb.block(target)
        elif mode == "unblocked":
            sb.unblock(target)
        elif mode == "deactivated" and target.user is not None:
            sb.deactivate(target.user)
        elif mode == "kicked":
            sb.kick_bot(target)
        elif mode == "migrated":
            result["new_chat_id"] = sb.migrate_to_supergroup(target).id
        elif mode == "forgotten":
            sb.forget_chat(target.id)
        else:
            raise _Refused(400, f"unknown mode {mode!r}")
        return result

    async def limits(self, request: web.Request) -> Any:
        data = await self.body(request)
        flood = self.sb.limits
        flood.global_rate = float(data.get("global_rate", flood.global_rate))
        flood.private_burst = int(data.get("private_burst", flood.private_burst))
        flood.group_per_minute = int(data.get("group_per_minute", flood.group_per_minute))
        flood.per_chat = bool(data.get("per_chat", flood.per_chat))
        return {
            "global_rate": flood.global_rate,
            "private_burst": flood.private_burst,
            "group_per_minute": flood.group_per_minute,
            "per_chat": flood.per_chat,
        }

    async def fault(self, request: web.Request) -> Any:
        data = await self.body(request)
        try:
            self._apply_fault(request.match_info["kind"], data)
        except ValueError as exc:
            raise _Refused(400, str(exc)) from None
        return self.sb.faults.active()

    def _apply_fault(self, kind: str, data: dict[str, Any]) -> None:
        faults = self.sb.faults
        if kind == "stall":
            faults.stall(_number(data, "seconds"))
        elif kind == "errors":
            status = data.get("status")
            if not isinstance(status, int) or isinstance(status, bool):
                raise _Refused(400, "status must be an HTTP status code (4xx or 5xx)")
            faults.errors(
                status, _number(data, "fraction"), _number(data, "seconds"), _methods(data)
            )
        elif kind == "reset":
            faults.reset(_number(data, "fraction"), _number(data, "seconds"), _methods(data))
        elif kind == "latency":
            faults.latency(_number(data, "ms"))
        elif kind == "malformed":
            name = data.get("method")
            if not isinstance(name, str):
                raise _Refused(400, "method must be a Bot API method name")
            faults.malformed(name)
        elif kind == "unknown_fields":
            on = data.get("on", True)
            if not isinstance(on, bool):
                raise _Refused(400, "on must be true or false")
            faults.unknown_fields(on)
        elif kind == "clear":
            faults.clear()
        else:
            raise _Refused(404, f"unknown fault {kind!r}")

    async def faults_now(self, request: web.Request) -> Any:
        return self.sb.faults.active()

    async def requests(self, request: web.Request) -> Any:
        return [
            {
                "method": r.method,
                "params": {
                    k: v if isinstance(v, (str, int, float, bool, list, dict)) else str(v)
                    for k, v in r.params.items()
                },
                "status": r.status_code,
                "error": r.error_description,
                "time": r.time,
            }
            for r in self.sb.requests
        ]


def _number(data: dict[str, Any], key: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Refused(400, f"{key} must be a number")
    return float(value)


def _methods(data: dict[str, Any]) -> list[str] | None:
    names = data.get("methods")
    if names is None:
        return None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise _Refused(400, "methods must be a list of Bot API method names")
    return names  # the names themselves are checked against the schema by Faults


def _route(handler: Callable[[web.Request], Awaitable[Any]]) -> _Handler:
    """JSON out, and refusals and bad input as {"ok": false, "error": …} with their status."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return web.json_response(await handler(request))
        except _Refused as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=exc.status)
        except (KeyError, ValueError, TypeError) as exc:
            return web.json_response({"ok": False, "error": repr(exc)}, status=400)
        except AssertionError as exc:  # press/tap found nothing to act on
            return web.json_response({"ok": False, "error": str(exc)}, status=404)

    return wrapped


def control_routes(sb: Sandbox) -> list[web.RouteDef]:
    c = _Control(sb)
    return [
        web.post("/_sandbox/users", _route(c.users)),
        web.post("/_sandbox/groups", _route(c.groups)),
        web.post("/_sandbox/message", _route(c.message)),
        web.post("/_sandbox/press", _route(c.press)),
        web.post("/_sandbox/tap", _route(c.tap)),
        web.post("/_sandbox/taps", _route(c.taps)),
        web.post("/_sandbox/poll_answer", _route(c.poll_answer)),
        web.post("/_sandbox/inline_query", _route(c.inline_query)),
        web.post("/_sandbox/choose_inline", _route(c.choose_inline)),
        web.get("/_sandbox/chats", _route(c.chats)),
        web.get("/_sandbox/chats/{chat_id}/messages", _route(c.messages)),
        web.get("/_sandbox/chats/{chat_id}/transcript", _route(c.transcript)),
        web.post("/_sandbox/chats/{chat_id}/failure", _route(c.failure)),
        web.post("/_sandbox/limits", _route(c.limits)),
        web.get("/_sandbox/requests", _route(c.requests)),
        web.get("/_sandbox/faults", _route(c.faults_now)),
        web.post("/_sandbox/faults/{kind}", _route(c.fault)),
    ]
