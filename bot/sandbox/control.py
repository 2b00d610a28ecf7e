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


def control_routes(sb: Sandbox) -> list[web.RouteDef]:
    async def body(request: web.Request) -> dict[str, Any]:
        try:
            data = json.loads(await request.text() or "{}")
        except ValueError:
            raise _Refused(400, "expected a JSON object") from None
        if not isinstance(data, dict):
            raise _Refused(400, "expected a JSON object")
        return data

    def user(data: dict[str, Any], key: str = "user_id") -> SimUser:
        found = sb.world.users.get(int(data.get(key, 0)))
        if found is None:
            raise _Refused(404, f"unknown {key}")
        return found

    def chat(value: Any) -> SimChat:
        found = sb.world.chats.get(int(value))
        if found is None:
            raise _Refused(404, "unknown chat_id")
        return found

    def route(handler: Callable[[web.Request], Awaitable[Any]]) -> _Handler:
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

    async def users(request: web.Request) -> Any:
        data = await body(request)
        new = sb.add_user(
            str(data.get("first_name", "User")),
            last_name=data.get("last_name"),
            username=data.get("username"),
            language_code=data.get("language_code", "fi"),
            user_id=data.get("user_id"),
        )
        return {"user": new.to_api(), "chat_id": sb.private_chat(new).id}

    async def groups(request: web.Request) -> Any:
        data = await body(request)
        group = sb.add_group(
            str(data.get("title", "Group")),
            members=[user({"id": i}, "id") for i in data.get("member_ids", [])],
            admins=[user({"id": i}, "id") for i in data.get("admin_ids", [])],
            supergroup=bool(data.get("supergroup", False)),
        )
        if data.get("add_bot_by") is not None:
            sb.bot_added_to_group(
                group, user(data, "add_bot_by"), as_admin=bool(data.get("bot_admin"))
            )
        return {"chat": group.to_api()}

    async def message(request: web.Request) -> Any:
        data = await body(request)
        return sb.send_message(chat(data["chat_id"]), user(data), str(data["text"]))

    async def press(request: web.Request) -> Any:
        data = await body(request)
        return sb.press(
            chat(data["chat_id"]), user(data), str(data["text"]), message_id=data.get("message_id")
        )

    async def tap(request: web.Request) -> Any:
        data = await body(request)
        return sb.tap(chat(data["chat_id"]), user(data), int(data["message_id"]), str(data["data"]))

    async def taps(request: web.Request) -> Any:
        """Inject the taps `rate` per second (0: at once), then wait up to `wait` seconds for
        the bot to answer them all; each tap with its tap and answer times."""
        data = await body(request)
        planned = []
        for item in data["taps"]:
            target, who = chat(item["chat_id"]), user(item)
            message_id = int(item["message_id"])
            if sb.world.message(target.id, message_id) is None:
                raise _Refused(404, f"no message {message_id} in chat {target.id}")
            planned.append((target, who, message_id, str(item["data"])))
        rate = float(data.get("rate", 0))
        ids: list[str] = []
        began = time.monotonic()
        for n, (target, who, message_id, callback) in enumerate(planned):
            ids.append(sb.tap(target, who, message_id, callback)["callback_query"]["id"])
            if rate > 0:  # on schedule from the start, catching up after a slow moment
                await asyncio.sleep(max(0.0, began + (n + 1) / rate - time.monotonic()))
        first_open = 0

        def answered() -> bool:  # amortised O(1) per check: answers are seen in order
            nonlocal first_open
            while first_open < len(ids) and sb.queries[ids[first_open]].answer is not None:
                first_open += 1
            return first_open == len(ids)

        with contextlib.suppress(TimeoutError):
            await sb.wait_for(answered, timeout=float(data.get("wait", 0)))
        result = []
        for query_id in ids:
            query = sb.queries[query_id]
            result.append(
                {
                    "id": query_id,
                    "tapped_at": query.tapped_at,
                    "answered_at": query.answer.at if query.answer else None,
                    "text": query.answer.text if query.answer else None,
                    "show_alert": query.answer.show_alert if query.answer else None,
                }
            )
        return result

    async def poll_answer(request: web.Request) -> Any:
        data = await body(request)
        options = [int(i) for i in data.get("option_ids", [])]
        return sb.answer_poll(user(data), str(data["poll_id"]), options)

    async def chats(request: web.Request) -> Any:
        return [{**c.to_api(), "bot_status": c.bot_status} for c in sb.world.chats.values()]

    async def messages(request: web.Request) -> Any:
        return [message_to_json(m) for m in sb.messages(int(request.match_info["chat_id"]))]

    async def transcript(request: web.Request) -> Any:
        return sb.transcript(int(request.match_info["chat_id"]))

    async def failure(request: web.Request) -> Any:
        data = await body(request)
        target = chat(request.match_info["chat_id"])
        mode = data.get("mode")
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

    async def limits(request: web.Request) -> Any:
        data = await body(request)
        flood = sb.limits
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

    def number(data: dict[str, Any], key: str) -> float:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _Refused(400, f"{key} must be a number")
        return float(value)

    def methods(data: dict[str, Any]) -> list[str] | None:
        names = data.get("methods")
        if names is None:
            return None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise _Refused(400, "methods must be a list of Bot API method names")
        return names  # the names themselves are checked against the schema by Faults

    async def fault(request: web.Request) -> Any:
        data = await body(request)
        kind = request.match_info["kind"]
        faults = sb.faults
        try:
            if kind == "stall":
                faults.stall(number(data, "seconds"))
            elif kind == "errors":
                status = data.get("status")
                if not isinstance(status, int) or isinstance(status, bool):
                    raise _Refused(400, "status must be an HTTP status code (4xx or 5xx)")
                faults.errors(
                    status, number(data, "fraction"), number(data, "seconds"), methods(data)
                )
            elif kind == "reset":
                faults.reset(number(data, "fraction"), number(data, "seconds"), methods(data))
            elif kind == "latency":
                faults.latency(number(data, "ms"))
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
        except ValueError as exc:
            raise _Refused(400, str(exc)) from None
        return faults.active()

    async def faults_now(request: web.Request) -> Any:
        return sb.faults.active()

    async def requests(request: web.Request) -> Any:
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
            for r in sb.requests
        ]

    return [
        web.post("/_sandbox/users", route(users)),
        web.post("/_sandbox/groups", route(groups)),
        web.post("/_sandbox/message", route(message)),
        web.post("/_sandbox/press", route(press)),
        web.post("/_sandbox/tap", route(tap)),
        web.post("/_sandbox/taps", route(taps)),
        web.post("/_sandbox/poll_answer", route(poll_answer)),
        web.get("/_sandbox/chats", route(chats)),
        web.get("/_sandbox/chats/{chat_id}/messages", route(messages)),
        web.get("/_sandbox/chats/{chat_id}/transcript", route(transcript)),
        web.post("/_sandbox/chats/{chat_id}/failure", route(failure)),
        web.post("/_sandbox/limits", route(limits)),
        web.get("/_sandbox/requests", route(requests)),
        web.get("/_sandbox/faults", route(faults_now)),
        web.post("/_sandbox/faults/{kind}", route(fault)),
    ]
