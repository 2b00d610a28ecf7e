"""Security tests, in one place (extend with every feature).

Covered here:
- forged, replayed and oversized callback data for every callback area the Application
  registers (found from its handlers, so a new area is covered when it is registered);
- role escalation: a participant calling every coordinator and admin command of the registry;
- group members who are not administrators changing the group's subscriptions and settings;
- webhook mode end to end: right, wrong and missing X-Telegram-Bot-Api-Secret-Token;
- SQL-injection-shaped strings in every free-text field, stored literally, no table dropped;
- 5000-character and RTL / emoji input;
- hypothesis fuzzing of callback decoding, date parsing, duration / quiet-hours parsing and
  config loading.
Not covered: see the list at the end of docs_ops.md.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import string
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram.ext import CallbackQueryHandler

from bot.app import build_application
from bot.core.callbacks import MAX_CALLBACK_BYTES, decode, encode, sign
from bot.core.clock import ManualClock
from bot.core.config import Config, ConfigError, WebhookSettings, parse_config
from bot.core.config_values import parse_duration, parse_quiet_hours
from bot.core.dates import parse_date, parse_datetime
from bot.feedback import service as feedback_service
from bot.runtime.commands import COMMANDS
from bot.runtime.runner import ProcessedUpdates
from bot.runtime.webhook import serving
from bot.sandbox import Sandbox
from storage import broadcasts, chats, events, listings, subscriptions
from storage.listings import Listing
from storage.subscriptions import Area
from tests.factories import (
    ADMIN,
    JOENSUU,
    admin_user,
    appoint,
    delivered,
    forum_fields,
    publish_delivered,
)
from tests.harness import START, TOKEN, WAIT, BotHarness, ChatUser

SORRY = "Sorry, something went wrong"
GROUP_REFUSAL = "Only the group's administrators can change its settings."
INJECTIONS = (
    "Robert'); DROP TABLE events;--",
    '" OR 1=1; DELETE FROM rsvps WHERE "" = "',
    "x'; UPDATE roles SET role = 'admin';--",
)
RTL_EMOJI = "שלום עולם مرحبا 👩‍👩‍👧‍👦🌿 \u202eevil\u202c"
# What may change while others act in vain: nothing a user could gain or break.
_GUARDED = (
    "roles", "role_scopes", "coordinator_invites", "subscription_areas", "subscription_themes",
    "chat_settings", "listings", "listing_municipalities", "events", "event_municipalities",
    "event_themes", "rsvps", "feedback", "feedback_rounds", "broadcasts", "schedule",
)  # fmt: skip


async def _snapshot(h: BotHarness) -> dict[str, list[tuple[Any, ...]]]:
    db = h.env.db
    found = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type='table'")}
    state = {t: [tuple(r) for r in await db.fetchall(f"SELECT * FROM {t} ORDER BY 1")]
             for t in _GUARDED if t in found}  # fmt: skip
    state["chats"] = [
        tuple(r)
        for r in await db.fetchall(
            "SELECT id, language, active, paused_until FROM chats ORDER BY 1"
        )
    ]
    return state


def _no_failures(h: BotHarness) -> None:
    for chat in list(h.sandbox.world.chats.values()):
        for message in h.sandbox.messages(chat):
            assert SORRY not in message.text, (chat.id, message.text)
    assert not h.sandbox.errors
    unanswered = [q.data for q in h.sandbox.queries.values() if q.answer is None]
    assert not unanswered, unanswered


async def _world(h: BotHarness) -> tuple[ChatUser, ChatUser, ChatUser, ChatUser, int]:
    """Admin, a participant (private), a group with an admin (Pekka) and a member (Aino), and a
    published event whose card reached the participant and the group."""
    admin = admin_user(h)
    await admin.send("/start")
    liisa = h.user("Liisa", language_code="en")
    await liisa.send("/start")
    db = h.env.db
    await subscriptions.replace(db, liisa.id, [Area("municipality", JOENSUU)], ["*"])
    pekka = h.sandbox.add_user("Pekka", language_code="en")
    aino = h.sandbox.add_user("Aino", language_code="en")
    group = h.sandbox.add_group("Kylä", members=[aino], admins=[pekka], bot_present=True)
    await chats.upsert(db, group.id, "group", "Kylä")
    await chats.set_language(db, group.id, "en")
    await subscriptions.replace(db, group.id, [Area("region", "12")], ["health"])
    await listings.save(db, Listing(0, group.id, None, "Kyläyhdistys", (JOENSUU,)))
    fields = forum_fields(datetime(2026, 12, 1, 15, 30, tzinfo=UTC))
    event_id = await publish_delivered(h, fields, ADMIN)
    return admin, liisa, ChatUser(h, pekka, group), ChatUser(h, aino, group), event_id


def _callback_areas(h: BotHarness) -> set[str]:
    areas = set()
    for handlers in h.application.handlers.values():
        for handler in handlers:
            found = getattr(handler, "pattern", None)
            if isinstance(handler, CallbackQueryHandler) and found is not None:
                text = found.pattern if isinstance(found, re.Pattern) else str(found)
                match = re.match(r"\^\\?([a-z][a-z0-9]*)", text)
                if match:
                    areas.add(match.group(1))
    # ConversationHandler (the /newevent wizard) keeps its buttons inside.
    return areas | {"nev"}


# --- callback data --------------------------------------------------------------------------


async def test_forged_replayed_and_oversized_callbacks_change_nothing(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        _admin_user, liisa, _pekka, aino, event_id = await _world(h)
        areas = _callback_areas(h)
        assert {"rsvp", "nev", "evl", "evm", "coord", "set", "fb", "fbr", "sub", "uns", "ann",
                "start", "lang"} <= areas, areas  # fmt: skip
        key = h.env.key
        private_card = liisa.last_message()
        group_card = h.sandbox.last_message(aino.chat)
        assert group_card is not None
        # The invitations are delivered; the broadcast's 'done' must not land between snapshots
        # whenever the report loop's next pass happens to come.
        await h.services.delivery.wait_idle()
        await broadcasts.finish_broadcasts(h.env.db)
        before = await _snapshot(h)

        good_private = sign(key, event_id, liisa.chat.id)
        specific = [
            f"rsvp:{event_id}:y:AAAAAAAAAAAA",  # forged signature
            f"rsvp:{event_id}:y",  # none
            f"rsvp:{event_id + 1}:y:{good_private}",  # rewritten event id
            f"rsvp:{event_id}:zz:{good_private}",  # unknown action
            "nev:publish", f"nev:ed:{event_id}", "nev:k:forum",
            "evl:0", "evl:-1", "evl:99999999999999999999",
            f"evm:{event_id}:csv", f"evm:{event_id}:cx", f"evm:{event_id}:cxy",
            f"evm:{event_id}:ed",
            "coord:rv:1", "coord:rv:-1",
            f"fb:{event_id}:r:5", f"fb:{event_id}:a:1", f"fbr:{event_id}:csv",
            f"fbr:{event_id}:png", "ann:send", "ann:cx:1", "ann:x:1",
        ]  # fmt: skip
        junk = [":", ":1", ":-1", ":99999999999999999999999", ":a:b:c:d:e:f:g:h",
                ":'; DROP TABLE rsvps;--", ":ä", ":" + "9" * 70]  # fmt: skip
        for data in specific + [area + tail for area in sorted(areas) for tail in junk]:
            data = data.encode()[:200].decode("utf-8", "ignore")
            await liisa.tap_data(private_card.message_id, data)
        # Replayed: the private card's valid signature used on the group's card.
        for action in ("y", "m", "n"):
            await aino.tap_data(group_card.message_id, f"rsvp:{event_id}:{action}:{good_private}")
        # Group settings and subscriptions by a member who is not an administrator.
        for data in ("set:q:o", "set:d:0:9", "set:d:o", "uns:all", "uns:m:167", "sub:a",
                     "sub:save", "lang:sv", "start:subscribe"):  # fmt: skip
            await aino.tap_data(group_card.message_id, data)
        assert await _snapshot(h) == before
        _no_failures(h)

        # A valid tap still works, and the same tap again (a replay) changes nothing more.
        await liisa.tap_data(private_card.message_id, f"rsvp:{event_id}:y:{good_private}")
        await liisa.tap_data(private_card.message_id, f"rsvp:{event_id}:y:{good_private}")
        count = await h.env.db.fetchval(
            "SELECT count(*) FROM rsvps WHERE event_id = ?", (event_id,)
        )
        assert count == 1


# --- roles ----------------------------------------------------------------------------------


async def test_participants_get_refusals_for_every_coordinator_and_admin_command(
    tmp_path: Path,
) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        _admin_user, liisa, _pekka, _aino, event_id = await _world(h)
        finnish = h.user("Matti", language_code="fi")
        await finnish.send("/start")
        before = await _snapshot(h)
        privileged = [c for c in COMMANDS if c.role != "participant"]
        assert {"newevent", "announce", "coordinatorlink", "stats", "report"} <= {
            c.name for c in privileged
        }
        for command in privileged:
            for args in ("", f" {event_id}", " all", " Joensuu, health", " 2026"):
                answers = []
                for person in (liisa, finnish):
                    sent = len(person.messages())
                    await person.send(f"/{command.name}{args}")
                    replies = person.messages()[sent:]
                    assert replies, f"/{command.name}{args}: no answer"
                    answers.append(replies[-1].text)
                english, finnish_text = answers
                assert re.match(r"^(Only |There is no event|Usage: )", english), (
                    command.name,
                    english,
                )
                # localized: the Finnish refusal, not the English one
                assert finnish_text != english, (command.name, finnish_text)
        assert await _snapshot(h) == before
        assert not await h.env.db.fetchval("SELECT count(*) FROM coordinator_invites")
        _no_failures(h)


async def test_group_members_who_are_not_admins_cannot_change_the_group(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        _admin_user, _liisa, pekka, aino, _event_id = await _world(h)
        before = await _snapshot(h)
        for command in (
            "/subscribe", "/subscribe Outokumpu", "/unsubscribe all", "/unsubscribe Joensuu",
            "/pause", "/pause 31.12.2026", "/resume", "/language sv",
            "/settings quiet 22:00-07:00", "/settings digest tue 18", "/settings quiet off",
            "/profile name Hijacked", "/profile clear",
        ):  # fmt: skip
            await aino.send(command)
            assert aino.last_message().text.startswith(GROUP_REFUSAL), (
                command,
                aino.last_message().text,
            )
        assert await _snapshot(h) == before
        await pekka.send("/settings quiet off")  # the group's administrator may
        assert await _snapshot(h) != before
        _no_failures(h)


# --- webhook --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def test_webhook_refuses_wrong_or_missing_secret(tmp_path: Path) -> None:
    secret = "K8s-Tq2_vX9mWz4LpR7nY1cB6dF3hJ0gA5eU"
    async with Sandbox(TOKEN, global_rate=0, per_chat_limits=False) as sandbox:
        port = _free_port()
        url = f"http://127.0.0.1:{port}/tg/hook"
        config = Config(
            telegram=replace(
                Config().telegram,
                token=TOKEN,
                base_url=sandbox.base_url,
                base_file_url=sandbox.base_file_url,
            ),
            storage=replace(Config().storage, path=tmp_path / "bot.sqlite3"),
            webhook=WebhookSettings(url=url, secret=secret, listen="127.0.0.1", port=port),
            source="<test>",
        )
        application = build_application(config, clock=ManualClock(START))
        tracker = ProcessedUpdates()
        tracker.attach(application)
        async with serving(application, config) as options:
            assert options.url_path == "tg/hook"
            hook = [r for r in sandbox.requests if r.method == "setWebhook"]
            assert hook and hook[-1].params["secret_token"] == secret
            assert hook[-1].params["url"] == url
            db = application.bot_data.services.env.db  # type: ignore[union-attr]

            # Telegram (the stand-in) posts with the right secret: processed.
            liisa = sandbox.add_user("Liisa", language_code="en")
            update = sandbox.send_message(sandbox.private_chat(liisa), liisa, "/start")
            await tracker.wait(update["update_id"], WAIT)
            assert await db.fetchval("SELECT count(*) FROM users WHERE id = ?", (liisa.id,))
            assert sandbox.last_message(sandbox.private_chat(liisa)) is not None

            forged = {
                "update_id": 990001,
                "message": {
                    "message_id": 1, "date": 1_800_000_000, "text": "/start",
                    "chat": {"id": 4242, "type": "private", "first_name": "Mallory"},
                    "from": {"id": 4242, "is_bot": False, "first_name": "Mallory"},
                },
            }  # fmt: skip
            sends = sandbox.count("sendMessage")
            async with aiohttp.ClientSession() as session:
                for headers in (
                    {"X-Telegram-Bot-Api-Secret-Token": "wrong" * 8},
                    {"X-Telegram-Bot-Api-Secret-Token": secret[:-1]},
                    {"X-Telegram-Bot-Api-Secret-Token": ""},
                    {},
                ):
                    async with session.post(
                        url,
                        data=json.dumps(forged),
                        headers={"Content-Type": "application/json", **headers},
                    ) as response:
                        assert response.status == 403, headers
                # The right secret with a non-JSON content type is refused too.
                async with session.post(
                    url,
                    data=json.dumps(forged),
                    headers={"Content-Type": "text/plain",
                             "X-Telegram-Bot-Api-Secret-Token": secret},
                ) as response:  # fmt: skip
                    assert response.status == 403
            # A genuine update posted after them is handled: one wrongly accepted before it
            # would have been taken from the queue first.
            update = sandbox.send_message(sandbox.private_chat(liisa), liisa, "/help")
            await tracker.wait(update["update_id"], WAIT)
            sends += 1  # the answer to /help
            assert not await db.fetchval("SELECT count(*) FROM users WHERE id = 4242")
            assert not await db.fetchval("SELECT count(*) FROM chats WHERE id = 4242")
            assert sandbox.count("sendMessage") == sends


# --- free text ------------------------------------------------------------------------------


async def _tables(h: BotHarness) -> set[str]:
    rows = await h.env.db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {r[0] for r in rows}


async def test_injection_shaped_long_and_rtl_text_is_stored_literally(tmp_path: Path) -> None:
    async with BotHarness.start(tmp_path, admins=frozenset({ADMIN})) as h:
        admin, liisa, pekka, _aino, event_id = await _world(h)
        db = h.env.db
        tables = await _tables(h)
        coordinator = await appoint(h, admin, "Kaisa", "Joensuu")
        for injection in (*INJECTIONS, RTL_EMOJI):
            # event title, place and description through the wizard
            await coordinator.send("/newevent")
            await coordinator.tap("Association forum")
            await coordinator.send(injection)
            await coordinator.send("ti 1.12. 17:30")
            await coordinator.send("2 h")
            await coordinator.send(f"{injection} https://meet.example/x")
            await coordinator.send("Joensuu")
            await coordinator.tap("Health")
            await coordinator.tap("Done ▶")
            await coordinator.send(injection)  # description
            await coordinator.tap("Done ▶")  # for whom
            await coordinator.tap("Skip")  # programme
            await coordinator.send("5")
            await coordinator.tap("No deadline")
            await coordinator.tap("Done ▶")
            await coordinator.tap("📣 Publish")
            row = await db.fetchone("SELECT * FROM events ORDER BY id DESC LIMIT 1")
            assert row is not None
            assert (row["title"], row["description"]) == (injection, injection)
            assert injection in row["place"]
            # association profile name
            await pekka.send(f"/profile name {injection}")
            profile = await listings.for_chat(db, pekka.chat.id)
            assert profile is not None and profile.name == injection
            # subscription search, event lookup, calendar search: answered, nothing stored
            for command in (
                "/subscribe",
                "/unsubscribe",
                "/vuosikello",
                "/event",
                "/settings quiet",
            ):
                await liisa.send(f"{command} {injection}")
                assert liisa.last_message().text
        # feedback comment
        event = await events.get(db, event_id)
        assert event is not None
        await liisa.tap_data(
            liisa.messages()[0].message_id,
            f"rsvp:{event_id}:y:{sign(h.env.key, event_id, liisa.chat.id)}",
        )
        async with db.transaction() as tx:
            await feedback_service.open_round(h.env, tx, event, db.now())
        await delivered(h)
        await liisa.tap("4")
        await liisa.tap("💬 Add a comment")
        await liisa.send(INJECTIONS[0] + RTL_EMOJI)
        comment = await db.fetchval("SELECT comment FROM feedback WHERE user_id = ?", (liisa.id,))
        assert comment == INJECTIONS[0] + RTL_EMOJI

        # 5000 characters: refused with the limit (title) or answered, never a failure
        await coordinator.send("/newevent")
        await coordinator.tap("Association forum")
        await coordinator.send("x" * 5000)
        assert "150" in coordinator.last_message().text
        await coordinator.send("/cancel")
        await pekka.send("/profile name " + "y" * 5000)
        stored = await listings.for_chat(db, pekka.chat.id)
        assert stored is not None and stored.name != "y" * 5000
        await liisa.send("z" * 4096)
        long_args = (
            "/subscribe", "/unsubscribe", "/vuosikello", "/event", "/pause", "/settings quiet",
            "/settings digest", "/language", "/profile name",
        )  # fmt: skip
        for command in long_args:
            await liisa.send(f"{command} {'å' * 4000}")
            assert liisa.last_message().text
        assert await _tables(h) == tables
        assert await db.fetchval("SELECT count(*) FROM events") == 1 + len(INJECTIONS) + 1
        _no_failures(h)


# --- fuzzing --------------------------------------------------------------------------------

_FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FAST
@given(st.one_of(st.text(max_size=120), st.binary(max_size=80).map(lambda b: b.decode("latin-1"))))
def test_decode_never_raises_and_round_trips(data: str) -> None:
    decoded = decode(data)
    if decoded is not None:
        assert len(data.encode()) <= MAX_CALLBACK_BYTES
        assert encode(decoded.area, *decoded.parts) == data
        for index in range(len(decoded.parts) + 1):
            value = decoded.int_part(index)
            assert value is None or str(value) == decoded.parts[index].lstrip("+")


@_FAST
@given(
    st.lists(
        st.sampled_from(["rsvp", "evm", "coord", "sub"])
        | st.text(string.ascii_letters + string.digits + "_-", max_size=12),
        min_size=1,
        max_size=8,
    )
)
def test_encoded_data_decodes_or_is_refused(parts: list[str]) -> None:
    try:
        data = encode(parts[0], *parts[1:])
    except ValueError:
        return
    decoded = decode(data)
    assert decoded is not None and (decoded.area, *decoded.parts) == tuple(parts)


_TZ = ZoneInfo("Europe/Helsinki")


@_FAST
@given(st.text(alphabet=string.digits + ".:-/ klotiemasuprn" + "äöå", max_size=40) | st.text())
def test_date_parsing_raises_only_its_own_errors(text: str) -> None:
    now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    try:
        moment = parse_datetime(text, now, _TZ)
    except ValueError:
        pass
    else:
        assert moment.tzinfo is not None
    try:
        day = parse_date(text, date(2026, 11, 25))
    except ValueError:
        pass
    else:
        assert isinstance(day, date)


@_FAST
@given(st.text(alphabet=string.digits + "dhmsDHM :-.,+ ", max_size=20) | st.text(max_size=30))
def test_duration_and_quiet_hours_parsing(text: str) -> None:
    try:
        value = parse_duration(text)
    except ValueError:
        pass
    else:
        assert value > timedelta(0)
    with contextlib.suppress(ValueError):  # anything else is a bug
        parse_quiet_hours(text)


_SCALARS = (
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.floats(allow_nan=True)
    | st.text(max_size=40) | st.sampled_from(["fi", "Europe/Helsinki", "1d", "21:00-08:00",
                                              "123:abc", "https://x.fi/bot", "DEBUG"])
)  # fmt: skip
_KEYS = st.sampled_from(
    ["token", "base_url", "base_file_url", "path", "admins", "default_language", "timezone",
     "themes", "log_level", "log_json", "wizard_timeout", "offsets", "quiet_hours", "nudge",
     "delay", "open_for", "global_rate", "private_interval", "group_per_minute", "max_attempts",
     "backoff_cap", "url", "secret", "listen", "port", "id", "fi", "sv", "en", "privacy"]
) | st.text(max_size=10)  # fmt: skip
# Two levels spelled out rather than st.recursive: Hypothesis (2026) sometimes reported this
# extend function as "doesn't use its argument" and failed the test with a deprecation.
_FLAT = _SCALARS | st.lists(_SCALARS, max_size=4)
_VALUES = _FLAT | st.dictionaries(
    _KEYS, _FLAT | st.dictionaries(_KEYS, _FLAT, max_size=3), max_size=4
)
_SECTIONS = st.sampled_from(
    ["telegram", "storage", "bot", "reminders", "feedback", "delivery", "webhook", "privacy"]
) | st.text(max_size=8)  # fmt: skip


@_FAST
@given(st.dictionaries(_SECTIONS, st.dictionaries(_KEYS, _VALUES, max_size=5) | _SCALARS,
                       max_size=4))  # fmt: skip
def test_any_config_loads_or_raises_config_error(data: dict[str, Any]) -> None:
    problem = ""
    try:
        config = parse_config(data, source="<fuzz>", environ={})
    except ConfigError as exc:  # anything else fails the test
        problem = str(exc)
    else:
        assert isinstance(config, Config)
    assert not problem or problem.startswith("<fuzz>: ")
