"""`python -m bot demo`: the real bot against the local stand-in, driven by a script.

The transcript shows who said what; buttons are in brackets; edits of an earlier message are
marked. With --keep-running the stand-in stays up so anyone can talk to the bot over its
control API.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import build_application
from bot.audience.recipients import AudienceSpec, count
from bot.context import BotApplication
from bot.core.clock import FastForwardClock
from bot.core.config import BotSettings, Config, StorageSettings, TelegramSettings
from bot.demo.directory import demo_directory
from bot.demo.forums import demo_forums
from bot.demo.grants import demo_grants
from bot.demo.poll import demo_poll
from bot.demo.privacy import demo_privacy
from bot.demo.volunteering import demo_volunteering
from bot.runtime.runner import ProcessedUpdates, running
from bot.sandbox import Sandbox, SentMessage, SimChat, SimUser
from storage import chats, listings, subscriptions
from storage.listings import Listing
from storage.subscriptions import Area

__all__ = ["run_demo"]

TOKEN = "123456:DEMO-sandbox-token"
HELSINKI = ZoneInfo("Europe/Helsinki")
# The demo's story runs in the week before a forum on Tuesday 1 December 2026, whatever the date
# it is run on; its clock then flows in real time and jumps ahead where the story says so.
DEMO_START = datetime(2026, 11, 26, 9, 0, tzinfo=HELSINKI)
WIDTH = 96


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines() or [""])


def _buttons(message: SentMessage) -> str:
    return "\n".join("  ".join(f"[{b.text}]" for b in row) for row in message.button_rows)


@dataclass
class Transcript:
    """Prints each step and what the bot sent or edited in response."""

    sandbox: Sandbox
    tracker: ProcessedUpdates
    names: dict[int, str] = field(default_factory=dict)
    seen: dict[tuple[int, int], int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.lines.append(text)
        print(text, flush=True)

    def heading(self, text: str) -> None:
        self.say("\n" + f"━━ {text} ".ljust(WIDTH, "━"))

    def _report(self, chats: list[SimChat]) -> None:
        for chat in chats:
            for message in self.sandbox.messages(chat):
                key = (chat.id, message.message_id)
                version = message.edit_count
                if self.seen.get(key) == version:
                    continue
                verb = "edits its message" if key in self.seen else "→"
                self.seen[key] = version
                where = self.names.get(chat.id, str(chat.id))
                self.say(f"   bot {verb} {where}:")
                body = message.text or message.caption or ""
                if message.document is not None:
                    body += f"\n📎 {message.document.filename}"
                self.say(_indent(body, "      │ "))
                if message.buttons:
                    self.say(_indent(_buttons(message), "      "))

    def report_chats(self, chats: list[SimChat]) -> None:
        self._report(chats)

    async def send(self, user: SimUser, chat: SimChat, text: str) -> None:
        self.say(f"── {user.first_name} in {self.names.get(chat.id, chat.id)}: {text}")
        update = self.sandbox.send_message(chat, user, text)
        await self.tracker.wait(update["update_id"])
        self._report([chat])

    async def tap(self, user: SimUser, chat: SimChat, button: str) -> None:
        self.say(f"── {user.first_name} taps [{button}] in {self.names.get(chat.id, chat.id)}")
        update = self.sandbox.press(chat, user, button)
        await self.tracker.wait(update["update_id"])
        answers = [a for a in self.sandbox.callback_answers if a.user_id == user.id]
        if answers and answers[-1].text:
            self.say(f"   bot answers the tap: “{answers[-1].text}”")
        self._report([chat])

    async def event(
        self, label: str, chat: SimChat, inject: Callable[[], dict[str, object]]
    ) -> None:
        self.say(f"── {label}")
        update = inject()
        update_id = update["update_id"]
        assert isinstance(update_id, int)
        await self.tracker.wait(update_id)
        self._report([chat])


async def _script(t: Transcript, sandbox: Sandbox, application: BotApplication) -> None:
    liisa = sandbox.add_user("Liisa", last_name="Volunteer", language_code="fi")
    liisa_chat = sandbox.private_chat(liisa)
    t.names[liisa_chat.id] = "Liisa's chat"

    t.heading("1. A volunteer meets the bot")
    await t.send(liisa, liisa_chat, "/start")
    await t.tap(liisa, liisa_chat, "🌐 Vaihda kieli")
    await t.tap(liisa, liisa_chat, "Suomi")
    await t.send(liisa, liisa_chat, "/help")

    t.heading("2. She subscribes to Joensuu and the health theme")
    await t.send(liisa, liisa_chat, "/subscribe jonsuu")
    await t.tap(liisa, liisa_chat, "✏️ Muokkaa teemoja")
    await t.tap(liisa, liisa_chat, "Terveys")
    await t.tap(liisa, liisa_chat, "Seuraavaksi: yhteenveto »")
    await t.tap(liisa, liisa_chat, "✅ Tallenna")

    t.heading("3. A village association's group subscribes to a whole region")
    pekka = sandbox.add_user("Pekka", language_code="fi")
    aino = sandbox.add_user("Aino", language_code="fi")
    group = sandbox.add_group("Rääkkylän kyläyhdistys", members=[pekka, aino], admins=[pekka])
    t.names[group.id] = "the group"
    await t.event(
        "Pekka (group admin) adds the bot to the group",
        group,
        lambda: sandbox.bot_added_to_group(group, pekka),
    )
    await t.send(aino, group, "/subscribe")
    await t.tap(pekka, group, "➕ Tee tilaus tälle ryhmälle")
    await t.tap(pekka, group, "Pohjois-Karjala")
    await t.tap(pekka, group, "Koko maakunta: Pohjois-Karjala")
    await t.tap(pekka, group, "Seuraavaksi: teemat »")
    await t.tap(pekka, group, "Kylätoiminta")
    await t.tap(pekka, group, "Seuraavaksi: yhteenveto »")
    await t.tap(pekka, group, "✅ Tallenna")
    await t.send(aino, group, "/mysubscriptions")

    services = application.bot_data.services
    assert services is not None
    joensuu = services.env.place_index.search("Joensuu").exact
    assert joensuu is not None
    health = await count(
        services.env.db,
        services.env.catalog,
        AudienceSpec(municipalities=frozenset({joensuu.code}), themes=frozenset({"health"})),
    )
    village = await count(
        services.env.db,
        services.env.catalog,
        AudienceSpec(municipalities=frozenset({joensuu.code}), themes=frozenset({"village"})),
    )
    t.heading("Audience check")
    t.say(f"   an event in Joensuu on health would reach {health} chat(s) (Liisa)")
    t.say(f"   an event in Joensuu on village activity would reach {village} chat(s) (the group)")

    await _announcement(t, sandbox, application)
    await _events(t, sandbox, application, liisa, liisa_chat, village=(pekka, group))


async def _appoint_coordinator(t: Transcript, sandbox: Sandbox) -> tuple[SimUser, SimChat]:
    t.heading("5. The administrator appoints a coordinator with a one-time link")
    riikka = sandbox.world.users[9001]
    riikka_chat = sandbox.private_chat(riikka)
    await t.send(riikka, riikka_chat, "/coordinatorlink Joensuu")
    link = re.search(r"start=(coord_[\w-]+)", sandbox.messages(riikka_chat)[-1].text)
    assert link is not None
    kaisa = sandbox.add_user("Kaisa", last_name="Liaison", language_code="en")
    kaisa_chat = sandbox.private_chat(kaisa)
    t.names[kaisa_chat.id] = "Kaisa's chat"
    await t.send(kaisa, kaisa_chat, f"/start {link.group(1)}")

    return kaisa, kaisa_chat


async def _publish_forum(
    t: Transcript,
    sandbox: Sandbox,
    application: BotApplication,
    kaisa: SimUser,
    kaisa_chat: SimChat,
) -> tuple[SimChat, SimUser]:
    """Kaisa's /newevent, answered step by step, up to the invitations being delivered."""
    services = application.bot_data.services
    assert services is not None
    en = services.env.translator.texts("en")
    t.heading("6. Kaisa publishes a forum in Joensuu on health with /newevent")
    aino = sandbox.add_user("Aino", language_code="fi")
    heart = sandbox.add_group("Joensuun Sydänyhdistys", members=[aino], admins=[aino])
    t.names[heart.id] = "the heart association's group"
    await t.event(
        "Aino adds the bot to her association's group",
        heart,
        lambda: sandbox.bot_added_to_group(heart, aino),
    )
    await subscriptions.replace(
        services.env.db, heart.id, [Area("municipality", "167")], ["health"]
    )
    await listings.save(
        services.env.db, Listing(0, heart.id, None, "Joensuun Sydänyhdistys", ("167",))
    )
    await t.send(kaisa, kaisa_chat, "/newevent")
    await t.tap(kaisa, kaisa_chat, en._("Association forum"))
    for answer in (
        "Järjestöfoorumi: hyvinvointia yhdessä",
        "ti 1.12. 17:30",
        "2 h",
        "Carelicum, Koskikatu 5, Joensuu https://meet.example/foorumi",
        "Joensuu",
    ):
        await t.send(kaisa, kaisa_chat, answer)
    health = services.env.config.bot.theme("health")
    assert health is not None
    await t.tap(kaisa, kaisa_chat, health.name("en"))
    await t.tap(kaisa, kaisa_chat, en._("Done ▶"))
    await t.send(kaisa, kaisa_chat, "Kuntien ja järjestöjen yhteinen ilta. Kahvia tarjolla.")
    for group in ("association staff", "volunteers and members"):  # for whom
        await t.tap(kaisa, kaisa_chat, "▫️ " + en._(group))
    await t.tap(kaisa, kaisa_chat, en._("Done ▶"))
    await t.send(
        kaisa, kaisa_chat, "17.30 Tervetuloa\n17.45 Järjestöjen puheenvuorot\n19.00 Yhteenveto"
    )
    await t.send(kaisa, kaisa_chat, "60")
    await t.tap(kaisa, kaisa_chat, en._("No deadline"))
    await t.tap(kaisa, kaisa_chat, en._("Done ▶"))
    await t.tap(kaisa, kaisa_chat, en._("📣 Publish"))
    await services.delivery.wait_idle(timeout=60)
    return heart, aino


async def _events(
    t: Transcript,
    sandbox: Sandbox,
    application: BotApplication,
    liisa: SimUser,
    liisa_chat: SimChat,
    *,
    village: tuple[SimUser, SimChat],
) -> None:
    services = application.bot_data.services
    assert services is not None
    fi = services.env.translator.texts("fi")
    kaisa, kaisa_chat = await _appoint_coordinator(t, sandbox)
    heart, aino = await _publish_forum(t, sandbox, application, kaisa, kaisa_chat)
    t.report_chats([liisa_chat, heart])

    t.heading("7. Liisa is coming; Aino answers for her association, with two more (+2)")
    await t.tap(liisa, liisa_chat, fi._("✅ Coming"))
    await t.tap(aino, heart, fi._("✅ Coming"))
    await t.tap(aino, heart, fi._("➕1 person"))
    await t.tap(aino, heart, fi._("➕1 person"))
    await t.tap(aino, heart, fi._("🏠 For our association"))

    t.heading("8. Kaisa sees who is coming, by association")
    await t.send(kaisa, kaisa_chat, "/event 1")

    await demo_forums(t, application, coordinator=(kaisa, kaisa_chat), village=village)

    await _time_passes(t, application, liisa, liisa_chat, heart, kaisa)

    await demo_poll(
        t,
        sandbox,
        application,
        kaisa,
        kaisa_chat,
        [(liisa, liisa_chat), (aino, heart)],
        audience="event 1",
    )

    await demo_directory(
        t,
        application,
        coordinator=(kaisa, kaisa_chat),
        group=(aino, heart),
        reader=(liisa, liisa_chat),
    )

    await demo_grants(
        t,
        application,
        _fast_forward,
        coordinator=(kaisa, kaisa_chat),
        reader=(liisa, liisa_chat),
    )

    await demo_volunteering(
        t,
        application,
        _fast_forward,
        coordinator=(kaisa, kaisa_chat),
        reader=(liisa, liisa_chat),
    )

    await demo_privacy(t, sandbox, application, liisa, liisa_chat)


async def _fast_forward(t: Transcript, application: BotApplication, moment: datetime) -> None:
    """Jump the clock, let the scheduler run what fell due, and the delivery worker send it."""
    services = application.bot_data.services
    clock = application.bot_data.clock
    assert services is not None and isinstance(clock, FastForwardClock)
    clock.jump_to(moment)
    t.say(f"── ⏩ the clock jumps to {moment:%a %d.%m.%Y %H:%M} (Helsinki)")
    await services.scheduler.extend()
    await services.scheduler.run_due()
    services.delivery.wake()
    await services.delivery.wait_idle(timeout=60)


async def _time_passes(
    t: Transcript,
    application: BotApplication,
    liisa: SimUser,
    liisa_chat: SimChat,
    heart: SimChat,
    kaisa: SimUser,
) -> None:
    services = application.bot_data.services
    assert services is not None
    t.heading("9. Time passes: reminders, and Liisa's own quiet hours")
    t.say("   (the 7-day reminder fell before publishing and was skipped)")
    await t.send(liisa, liisa_chat, "/settings quiet 15:00-17:00")
    await _fast_forward(t, application, datetime(2026, 11, 30, 17, 30, tzinfo=HELSINKI))
    t.report_chats([liisa_chat, heart])
    await _fast_forward(t, application, datetime(2026, 12, 1, 15, 30, tzinfo=HELSINKI))
    t.say("   the 2-hour reminder reached the association's group; Liisa's waits for 17:00")
    t.report_chats([liisa_chat, heart])
    await _fast_forward(t, application, datetime(2026, 12, 1, 17, 0, tzinfo=HELSINKI))
    t.report_chats([liisa_chat])

    t.heading("10. After the forum: one-tap feedback, and Kaisa reads the results")
    await _fast_forward(t, application, datetime(2026, 12, 1, 20, 30, tzinfo=HELSINKI))
    t.report_chats([liisa_chat, heart])
    fi = services.env.translator.texts("fi")
    await t.tap(liisa, liisa_chat, "5")
    await t.tap(liisa, liisa_chat, fi._("✅ I attended"))
    await t.send(kaisa, t.sandbox.private_chat(kaisa), "/feedback 1")


async def _announcement(t: Transcript, sandbox: Sandbox, application: BotApplication) -> None:
    services = application.bot_data.services
    assert services is not None
    t.heading("4. The regional network announces to 300 more subscribers (6 have blocked the bot)")
    db = services.env.db
    crowd = [sandbox.add_user(f"Jäsen {i}") for i in range(300)]
    for user in crowd:
        sandbox.private_chat(user)
        await chats.upsert(db, user.id, "private", None)
        await subscriptions.replace(db, user.id, [Area("region", "12")], [])
    for user in crowd[::50]:
        sandbox.block(sandbox.private_chat(user))
    admin = sandbox.add_user("Riikka", last_name="Coordinator", language_code="fi", user_id=9001)
    admin_chat = sandbox.private_chat(admin)
    t.names[admin_chat.id] = "Riikka's chat"
    await t.send(admin, admin_chat, "/announce")
    await t.send(admin, admin_chat, "Järjestöfoorumi 3.12. klo 17 Joensuussa – tervetuloa!")
    await t.send(admin, admin_chat, "Pohjois-Karjala")
    await t.tap(admin, admin_chat, "📣 Lähetä nyt")
    started = time.monotonic()
    await services.delivery.wait_idle(timeout=120)
    reporter = application.bot_data.reporter
    assert reporter is not None
    await reporter.tick()
    t.say(
        f"   … the delivery worker sent the broadcast in {time.monotonic() - started:.1f} s "
        f"({sandbox.count('sendMessage', status=429)} × 429 from the stand-in)"
    )
    t.report_chats([admin_chat])
    delivered = sandbox.messages(sandbox.private_chat(crowd[1]))
    t.say(f"   a member's chat now shows: “{delivered[-1].text if delivered else '—'}”")


async def _keep_running(sandbox: Sandbox) -> None:
    print(
        f"\nThe stand-in keeps running at {sandbox.base_url.rsplit('/', 1)[0]}\n"
        "Talk to the bot through its control API, for example:\n"
        f"  curl -s -X POST {sandbox.control_url}/message "
        '-d \'{"chat_id": 1001, "user_id": 1001, "text": "/start"}\'\n'
        f"  curl -s {sandbox.control_url}/chats/1001/messages\n"
        "Press Ctrl+C to stop.",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def run_demo(
    *, keep_running: bool = False, script: Callable[..., Awaitable[None]] = _script
) -> int:
    with tempfile.TemporaryDirectory(prefix="jarjestobotti-demo-") as tmp:
        async with Sandbox(TOKEN) as sandbox:
            config = Config(
                telegram=TelegramSettings(
                    token=TOKEN, base_url=sandbox.base_url, base_file_url=sandbox.base_file_url
                ),
                storage=StorageSettings(path=Path(tmp) / "demo.sqlite3"),
                bot=BotSettings(admins=frozenset({9001})),
                source="<demo>",
            )
            application = build_application(config, clock=FastForwardClock(DEMO_START))
            tracker = ProcessedUpdates()
            tracker.attach(application)
            transcript = Transcript(sandbox, tracker)
            async with running(application, poll_timeout=1):
                print(
                    f"Järjestöbotti demo — bot @{application.bot.username} on the local "
                    "Bot API stand-in, temporary database"
                )
                await script(transcript, sandbox, application)
                if keep_running:
                    await _keep_running(sandbox)
    print("\nDemo finished.")
    return 0
