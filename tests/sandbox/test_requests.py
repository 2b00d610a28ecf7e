"""Every request is checked like Telegram checks it: the schema, the text and keyboard limits, and
the transports (query string, form, multipart, JSON); refused requests change nothing."""

from __future__ import annotations

import json

import aiohttp
import pytest
from telegram import Bot
from telegram.error import InvalidToken

from bot.sandbox import Sandbox
from tests.sandbox.conftest import TOKEN, Raw

CHAT = 1001
_KEYBOARD = '{{"inline_keyboard": [[{button}]]}}'


def keyboard(button: dict[str, object]) -> str:
    return _KEYBOARD.format(button=json.dumps(button))


@pytest.fixture
def chat(sb: Sandbox) -> int:
    return sb.private_chat(sb.add_user("Liisa", user_id=CHAT)).id


@pytest.mark.parametrize(
    ("method", "params", "description"),
    [
        (
            "sendMessage",
            {"chat_id": CHAT, "text": "x", "colour": "red"},
            'parameter "colour" is unknown',
        ),
        ("sendMessage", {"chat_id": CHAT}, "message text is empty"),
        ("sendMessage", {"text": "x"}, "chat_id is empty"),
        ("sendMessage", {"chat_id": CHAT, "text": ""}, "message text is empty"),
        ("sendMessage", {"chat_id": "abc", "text": "x"}, "chat not found"),
        (
            "sendMessage",
            {"chat_id": CHAT, "text": "x", "disable_notification": "maybe"},
            'wrong type of parameter "disable_notification": expected a Boolean',
        ),
        (
            "deleteMessage",
            {"chat_id": CHAT, "message_id": "first"},
            'wrong type of parameter "message_id": expected an Integer',
        ),
        (
            "sendMessage",
            {"chat_id": CHAT, "text": "x", "reply_markup": "{not json"},
            'wrong type of parameter "reply_markup": reply_markup is not valid JSON',
        ),
        (
            "sendMessage",
            {"chat_id": CHAT, "text": "x", "reply_markup": keyboard({"txt": "a"})},
            'wrong type of parameter "reply_markup": reply_markup.inline_keyboard[0][0]: '
            'field "txt" of InlineKeyboardButton is unknown',
        ),
        (
            "sendMessage",
            {
                "chat_id": CHAT,
                "text": "x",
                "reply_markup": keyboard({"text": 5, "callback_data": ["a"]}),
            },
            'wrong type of parameter "reply_markup": '
            "reply_markup.inline_keyboard[0][0].callback_data must be a String",
        ),
        (
            "sendMessage",
            {
                "chat_id": CHAT,
                "text": "x",
                "reply_markup": '{"inline_keyboard": [[{"callback_data": "a"}]]}',
            },
            'wrong type of parameter "reply_markup": reply_markup.inline_keyboard[0][0]: '
            'field "text" of InlineKeyboardButton is required',
        ),
        (
            "setMyCommands",
            {"commands": '[{"command": "a", "description": "b"}]', "scope": '{"type": "planet"}'},
            'wrong type of parameter "scope": scope: type must be one of all_chat_administrators, '
            "all_group_chats, all_private_chats, chat, chat_administrators, chat_member, default "
            "for BotCommandScope",
        ),
        (
            "setMyCommands",
            {"commands": '[{"command": "a", "description": "b"}]', "scope": '{"type": "chat"}'},
            'wrong type of parameter "scope": scope: field "chat_id" of BotCommandScopeChat is '
            "required",
        ),
        (
            "sendPoll",
            {"chat_id": CHAT, "question": "Q", "options": '["a", "b"]'},
            'wrong type of parameter "options": options[0] must be an InputPollOption object',
        ),
    ],
)
async def test_schema_errors(
    raw: Raw, chat: int, method: str, params: dict[str, object], description: str
) -> None:
    answer = await raw.call(method, params)
    assert answer.status == 400
    assert answer.body == {
        "ok": False,
        "error_code": 400,
        "description": f"Bad Request: {description}",
    }


async def test_transports_and_method_names(sb: Sandbox, raw: Raw, chat: int) -> None:
    sent = await raw.call(
        "SENDMESSAGE", {"chat_id": chat, "text": "json", "entities": []}, json=True
    )
    assert sent.body["result"]["text"] == "json"
    async with raw.session.get(
        f"{sb.base_url}{TOKEN}/sendMessage", params={"chat_id": str(chat), "text": "query"}
    ) as response:
        assert (await response.json())["result"]["text"] == "query"
    form = aiohttp.FormData()
    form.add_field("chat_id", str(chat))
    form.add_field("document", b"data", filename="a.txt", content_type="text/plain")
    async with raw.session.post(f"{sb.base_url}{TOKEN}/sendDocument", data=form) as response:
        document = (await response.json())["result"]["document"]
    assert (document["file_name"], document["mime_type"]) == ("a.txt", "text/plain")
    form = aiohttp.FormData()
    form.add_field("chat_id", str(chat))
    form.add_field("document", "attach://upload")
    form.add_field("upload", b"data", filename="b.txt")
    async with raw.session.post(f"{sb.base_url}{TOKEN}/sendDocument", data=form) as response:
        assert (await response.json())["result"]["document"]["file_name"] == "b.txt"
    assert [r.method for r in sb.requests] == ["SENDMESSAGE", "sendMessage", "sendDocument"] * 1 + [
        "sendDocument"
    ]


async def test_unknown_method_and_wrong_token(sb: Sandbox, raw: Raw) -> None:
    answer = await raw.call("launchRocket")
    assert (answer.status, answer.body) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    async with raw.session.post(f"{sb.base_url}1:wrong/getMe") as response:
        assert response.status == 401
        assert await response.json() == {
            "ok": False,
            "error_code": 401,
            "description": "Unauthorized",
        }
    async with raw.session.get(f"{sb.base_file_url}1:wrong/documents/x") as response:
        assert response.status == 401
    with pytest.raises(InvalidToken):
        async with Bot("1:wrong", base_url=sb.base_url):
            pass
    assert [r.status_code for r in sb.requests] == [404, 401, 401]


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"text": "x" * 4097}, "message is too long"),
        ({"text": "🎉" * 2049}, "message is too long"),  # 4098 UTF-16 units
        ({"text": " \n\t "}, "message text is empty"),
        ({"text": "<b> </b>", "parse_mode": "HTML"}, "message text is empty"),
        ({"text": "x", "parse_mode": "BBCode"}, "unsupported parse_mode"),
        (
            {"text": "<blink>x</blink>", "parse_mode": "HTML"},
            'can\'t parse entities: Unsupported start tag "blink" at byte offset 0',
        ),
        (
            {"text": "Kiitos.", "parse_mode": "MarkdownV2"},
            "can't parse entities: Character '.' is reserved and must be escaped with the "
            "preceding '\\'",
        ),
        (
            {"text": "x", "reply_markup": keyboard({"text": "a", "callback_data": "d" * 65})},
            "BUTTON_DATA_INVALID",
        ),
        (
            {"text": "x", "reply_markup": keyboard({"text": "a", "callback_data": ""})},
            "BUTTON_DATA_INVALID",
        ),
        (
            {"text": "x", "reply_markup": keyboard({"text": "a", "callback_data": "ä" * 33})},
            "BUTTON_DATA_INVALID",
        ),  # 66 bytes
        (
            {"text": "x", "reply_markup": keyboard({"text": "a"})},
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        ),
        (
            {
                "text": "x",
                "reply_markup": keyboard(
                    {"text": "a", "url": "https://x.fi", "callback_data": "b"}
                ),
            },
            "can't parse inline keyboard button: only one of the optional fields can be used, "
            "found url, callback_data",
        ),
    ],
)
async def test_message_limits(
    sb: Sandbox, raw: Raw, chat: int, params: dict[str, object], description: str
) -> None:
    answer = await raw.call("sendMessage", {"chat_id": chat, **params})
    assert (answer.status, answer.description) == (400, f"Bad Request: {description}")
    assert sb.messages(chat) == []


async def test_limits_are_counted_after_parsing_in_utf16(raw: Raw, chat: int) -> None:
    exact = "🎉" * 2048  # 4096 UTF-16 units
    assert (await raw.call("sendMessage", {"chat_id": chat, "text": exact})).status == 200
    markup = "<b>" + "x" * 4096 + "</b>"
    assert (
        await raw.call("sendMessage", {"chat_id": chat, "text": markup, "parse_mode": "HTML"})
    ).status == 200
    caption = {"chat_id": chat, "document": "https://x.fi/a.pdf"}
    too_long = await raw.call("sendDocument", {**caption, "caption": "c" * 1025})
    assert too_long.description == "Bad Request: message caption is too long"
    assert (await raw.call("sendDocument", {**caption, "caption": "c" * 1024})).status == 200


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"question": "Q" * 301, "options": ["a", "b"]}, "POLL_QUESTION_INVALID"),
        ({"question": " ", "options": ["a", "b"]}, "poll question must be non-empty"),
        ({"question": "Q", "options": ["a"]}, "poll must have at least 2 option"),
        ({"question": "Q", "options": [str(i) for i in range(13)]}, "POLL_OPTIONS_TOO_MUCH"),
        ({"question": "Q", "options": ["a", "b" * 101]}, "POLL_OPTION_INVALID"),
        ({"question": "Q", "options": ["a", "a"]}, "POLL_OPTION_DUPLICATE"),
    ],
)
async def test_poll_limits(
    sb: Sandbox, raw: Raw, chat: int, params: dict[str, object], description: str
) -> None:
    options = [{"text": text} for text in params.pop("options")]  # type: ignore[attr-defined]
    answer = await raw.call("sendPoll", {"chat_id": chat, **params, "options": options}, json=True)
    assert (answer.status, answer.description) == (400, f"Bad Request: {description}")
    assert sb.world.polls == {}


async def test_callback_answer_text_limit(sb: Sandbox, raw: Raw, chat: int) -> None:
    sent = await raw.call(
        "sendMessage",
        {
            "chat_id": chat,
            "text": "x",
            "reply_markup": keyboard({"text": "a", "callback_data": "a"}),
        },
    )
    user = sb.world.users[chat]
    query = sb.tap(sb.world.chats[chat], user, sent.body["result"]["message_id"], "a")
    query_id = query["callback_query"]["id"]
    answer = await raw.call(
        "answerCallbackQuery", {"callback_query_id": query_id, "text": "t" * 201}
    )
    assert answer.description == "Bad Request: MESSAGE_TOO_LONG"
    assert sb.unanswered_queries() == [query_id]
    ok = await raw.call("answerCallbackQuery", {"callback_query_id": query_id, "text": "t" * 200})
    assert ok.body == {"ok": True, "result": True}


async def test_request_log_records_failures_with_their_params(sb: Sandbox, raw: Raw) -> None:
    await raw.call("sendMessage", {"chat_id": 5, "text": "x"})
    [record] = sb.requests
    assert (record.method, record.params, record.status_code, record.error_description) == (
        "sendMessage",
        {"chat_id": "5", "text": "x"},
        400,
        "Bad Request: chat not found",
    )
