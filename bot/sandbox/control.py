"""HTTP control API of the stand-in, under /_sandbox/ (JSON in, JSON out).

curl -s -X POST $URL/_sandbox/users -d '{"first_name": "Liisa", "language_code": "fi"}'
curl -s -X POST $URL/_sandbox/message -d '{"chat_id": 1001, "user_id": 1001, "text": "/start"}'
curl -s $URL/_sandbox/chats/1001/messages
curl -s -X POST $URL/_sandbox/press -d '{"chat_id": 1001, "user_id": 1001, "text": "Suomi"}'
curl -s -X POST $URL/_sandbox/groups -d '{"title": "Kyläyhdistys", "member_ids": [1001],
                                         "admin_ids": [1001], "add_bot_by": 1001}'
curl -s -X POST $URL/_sandbox/tap -d '{"chat_id": 1001, "user_id": 1001, "message_id": 2,
                                      "data": "lang:fi"}'
curl -s -X POST $URL/_sandbox/poll_answer -d '{"user_id": 1001, "poll_id": "…",
                                              "option_ids": [0]}'
curl -s -X POST $URL/_sandbox/chats/1001/failure -d '{"mode": "blocked"}'
    # modes: blocked, unblocked, deactivated, kicked, migrated, forgotten
curl -s $URL/_sandbox/chats          curl -s $URL/_sandbox/requests
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox.world import SentMessage

if TYPE_CHECKING:
    from bot.sandbox.sandbox import Sandbox

__all__ = ["control_routes"]


def _message(message: SentMessage) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "text": message.text or message.caption or "",
        "buttons": [[b.text for b in row] for row in message.button_rows],
        "document": message.document.filename if message.document else None,
        "poll": message.poll.to_api() if message.poll else None,
        "edits": message.edit_count,
    }


def control_routes(sb: Sandbox) -> list[web.RouteDef]:
    async def body(request: web.Request) -> dict[str, Any]:
        try:
            data = await request.json(loads=json.loads)
        except ValueError:
            raise web.HTTPBadRequest(text="expected a JSON object") from None
        if not isinstance(data, dict):
            raise web.HTTPBadRequest(text="expected a JSON object")
        return data

    def user_and_chat(data: dict[str, Any]) -> tuple[Any, Any]:
        user = sb.world.users.get(int(data["user_id"]))
        chat = sb.world.chats.get(int(data["chat_id"]))
        if user is None or chat is None:
            raise web.HTTPNotFound(text="unknown user_id or chat_id")
        return user, chat

    async def users(request: web.Request) -> web.Response:
        data = await body(request)
        user = sb.add_user(
            str(data.get("first_name", "User")),
            last_name=data.get("last_name"),
            username=data.get("username"),
            language_code=data.get("language_code", "fi"),
            user_id=data.get("user_id"),
        )
        chat = sb.private_chat(user)
        return web.json_response({"user": user.to_api(), "chat_id": chat.id})

    async def groups(request: web.Request) -> web.Response:
        data = await body(request)
        members = [sb.world.users[int(i)] for i in data.get("member_ids", [])]
        admins = [sb.world.users[int(i)] for i in data.get("admin_ids", [])]
        chat = sb.add_group(
            str(data.get("title", "Group")),
            members=members,
            admins=admins,
            supergroup=bool(data.get("supergroup", False)),
        )
        if data.get("add_bot_by") is not None:
            sb.bot_added_to_group(chat, sb.world.users[int(data["add_bot_by"])])
        return web.json_response({"chat": chat.to_api()})

    async def message(request: web.Request) -> web.Response:
        data = await body(request)
        user, chat = user_and_chat(data)
        return web.json_response(sb.send_message(chat, user, str(data["text"])))

    async def press(request: web.Request) -> web.Response:
        data = await body(request)
        user, chat = user_and_chat(data)
        try:
            update = sb.press(chat, user, str(data["text"]))
        except AssertionError as exc:
            raise web.HTTPNotFound(text=str(exc)) from None
        return web.json_response(update)

    async def tap(request: web.Request) -> web.Response:
        data = await body(request)
        user, chat = user_and_chat(data)
        try:
            update = sb.tap(chat, user, int(data["message_id"]), str(data["data"]))
        except AssertionError as exc:
            raise web.HTTPNotFound(text=str(exc)) from None
        return web.json_response(update)

    async def poll_answer(request: web.Request) -> web.Response:
        data = await body(request)
        user = sb.world.users[int(data["user_id"])]
        update = sb.answer_poll(user, str(data["poll_id"]), [int(i) for i in data["option_ids"]])
        return web.json_response(update)

    async def chats(request: web.Request) -> web.Response:
        return web.json_response([c.to_api() for c in sb.world.chats.values()])

    async def messages(request: web.Request) -> web.Response:
        chat_id = int(request.match_info["chat_id"])
        return web.json_response([_message(m) for m in sb.messages(chat_id)])

    async def failure(request: web.Request) -> web.Response:
        data = await body(request)
        chat = sb.world.chats.get(int(request.match_info["chat_id"]))
        if chat is None:
            raise web.HTTPNotFound(text="unknown chat")
        mode = data.get("mode")
        result: dict[str, Any] = {"ok": True}
        if mode == "blocked":
            sb.block(chat)
        elif mode == "unblocked":
            sb.unblock(chat)
        elif mode == "deactivated" and chat.user is not None:
            sb.deactivate(chat.user)
        elif mode == "kicked":
            sb.kick_bot(chat)
        elif mode == "migrated":
            result["new_chat_id"] = sb.migrate_to_supergroup(chat).id
        elif mode == "forgotten":
            sb.forget_chat(chat.id)
        else:
            raise web.HTTPBadRequest(text=f"unknown mode {mode!r}")
        return web.json_response(result)

    async def requests(request: web.Request) -> web.Response:
        return web.json_response(
            [
                {
                    "method": r.method,
                    "status": r.status_code,
                    "error": r.error_description,
                    "time": r.time,
                }
                for r in sb.requests
            ]
        )

    return [
        web.post("/_sandbox/users", users),
        web.post("/_sandbox/groups", groups),
        web.post("/_sandbox/message", message),
        web.post("/_sandbox/press", press),
        web.post("/_sandbox/tap", tap),
        web.post("/_sandbox/poll_answer", poll_answer),
        web.get("/_sandbox/chats", chats),
        web.get("/_sandbox/chats/{chat_id}/messages", messages),
        web.post("/_sandbox/chats/{chat_id}/failure", failure),
        web.get("/_sandbox/requests", requests),
    ]
