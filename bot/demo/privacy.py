"""The demo's privacy scene: a volunteer downloads everything the bot stores about her with
/mydata and then deletes it with /forget; her answers stay counted.

Called from the demo script (bot/demo/script.py) with its transcript:

    await demo_privacy(t, sandbox, application, liisa, liisa_chat)
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bot.context import BotApplication
from bot.sandbox import Sandbox, SimChat, SimUser
from storage import rsvps, users

if TYPE_CHECKING:  # bot.demo.script imports this module
    from bot.demo.script import Transcript

__all__ = ["demo_privacy", "summary"]


def summary(document: dict[str, Any]) -> list[str]:
    """A few lines about a /mydata document, for the transcript."""
    user = document.get("user") or {}
    chat = document.get("private_chat") or {}
    answers = document.get("rsvps") or []
    return [
        f"user: {user.get('first_name', '?')} {user.get('last_name') or ''}".rstrip()
        + f" (id {user.get('id')}, language {user.get('language') or user.get('language_code')})",
        f"subscriptions: {len(chat.get('subscribed_areas') or [])} area(s), "
        f"themes {', '.join(chat.get('subscribed_themes') or []) or '—'}",
        f"event answers: {len(answers)}"
        + "".join(f"; {a['event_title']}: {a['status']} ({a['headcount']})" for a in answers),
        f"feedback answers: {len(document.get('feedback') or [])}, "
        f"roles: {len(document.get('roles') or [])}, "
        f"messages in the delivery log: {len(document.get('messages') or [])}",
        f"sections: {', '.join(k for k in document if k != 'about')}",
    ]


async def demo_privacy(
    t: Transcript,
    sandbox: Sandbox,
    application: BotApplication,
    user: SimUser,
    chat: SimChat,
) -> None:
    """/mydata (the JSON summarised) and /forget confirmed, for `user` in their private chat
    `chat`; prints what is left and that the event answers are still counted."""
    services = application.bot_data.services
    assert services is not None
    t.heading(f"Privacy: {user.first_name} downloads her data and asks to be forgotten")
    await t.send(user, chat, "/mydata")
    message = sandbox.last_message(chat)
    assert message is not None and message.document is not None, "no /mydata document"
    document: dict[str, Any] = json.loads(message.document.data.decode("utf-8"))
    t.say(f"   the file {message.document.filename} holds:")
    for line in summary(document):
        t.say(f"      · {line}")
    event_ids = [a["event_id"] for a in document.get("rsvps") or []]
    before = {e: await rsvps.counts(services.env.db, e) for e in event_ids}

    await t.send(user, chat, "/forget")
    confirm = sandbox.last_message(chat)
    assert confirm is not None and confirm.button_rows, "no confirmation buttons"
    await t.tap(user, chat, confirm.button_rows[0][0].text)  # "Yes, delete my data"

    gone = await users.get(services.env.db, user.id) is None
    t.say(f"   stored about {user.first_name} afterwards: {'nothing' if gone else 'still a row!'}")
    for event_id, counts in before.items():
        after = await rsvps.counts(services.env.db, event_id)
        same = "unchanged" if after == counts else "CHANGED"
        t.say(
            f"   event {event_id}: {after.yes} coming, {after.maybe} maybe, {after.no} can't — "
            f"{same}, without her name"
        )
