"""Inline mode: a person types `@bot words` in any chat, the bot answers with results, and the
chosen one is sent into that chat by the person, "via" the bot.

- An inline query is answered once (a second answerInlineQuery, or one for an unknown id, is
  Telegram's 400 "query is too old and response timeout expired or query ID is invalid").
- At most 50 results with distinct ids of at most 64 bytes; a next_offset of at most 64 bytes.
- An article's message text is parsed like a sent message's (bad HTML is a 400), its inline
  keyboard checked like any other.
- Choosing a result posts its input_message_content into the chat as a message from the person
  with `via_bot`; the bot gets no update for it (feedback, chosen_inline_result, is off unless
  switched on with BotFather's /setinlinefeedback, and this bot does not need it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.sandbox.common import formatted, inline_markup
from bot.sandbox.errors import bad_request

if TYPE_CHECKING:
    from bot.sandbox.server import SandboxServer

__all__ = ["InlineAnswer", "SimInlineQuery", "answer_inline_query"]

MAX_RESULTS = 50
_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


@dataclass
class InlineAnswer:
    results: list[dict[str, Any]]
    next_offset: str = ""
    cache_time: int = 300
    is_personal: bool = False
    button: dict[str, Any] | None = None

    def result(self, result_id: str) -> dict[str, Any] | None:
        return next((r for r in self.results if r["id"] == result_id), None)

    @property
    def titles(self) -> list[str]:
        return [str(r.get("title", "")) for r in self.results]


@dataclass
class SimInlineQuery:
    """An inline query injected for a person, and how the bot answered it (None: not yet)."""

    id: str
    user_id: int
    query: str
    offset: str = ""
    chat_type: str = "sender"
    answer: InlineAnswer | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _check_result(sb: SandboxServer, result: dict[str, Any]) -> None:
    if len(str(result["id"]).encode()) > 64:
        raise bad_request("RESULT_ID_INVALID")
    content = result.get("input_message_content") or {}
    if "message_text" in content:
        text = content["message_text"]
        if not text.strip():
            raise bad_request("MESSAGE_EMPTY")
        formatted(sb, text, content.get("parse_mode"), content.get("entities"))
    inline_markup(result.get("reply_markup"))


async def answer_inline_query(sb: SandboxServer, p: dict[str, Any]) -> Any:
    query = sb.inline_queries.get(str(p["inline_query_id"]))
    if query is None or query.answer is not None:
        raise bad_request(_TOO_OLD)
    results: list[dict[str, Any]] = list(p["results"])
    if len(results) > MAX_RESULTS:
        raise bad_request("RESULTS_TOO_MUCH")
    ids = [str(r["id"]) for r in results]
    if len(set(ids)) != len(ids):
        raise bad_request("RESULT_ID_DUPLICATE")
    for result in results:
        _check_result(sb, result)
    next_offset = str(p.get("next_offset") or "")
    if len(next_offset.encode()) > 64:
        raise bad_request("NEXT_OFFSET_INVALID")
    query.answer = InlineAnswer(
        results,
        next_offset,
        int(p.get("cache_time", 300)),
        bool(p.get("is_personal", False)),
        p.get("button"),
    )
    return True
