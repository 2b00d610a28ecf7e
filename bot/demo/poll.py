"""The demo's poll: a coordinator asks the demo network "Which evening suits the next forum?"
with /poll, a few respondents answer, the poll closes and the aggregated results are printed.

`demo_poll` is called by the demo script (bot/demo/script.py) with its transcript; `vote` answers a
native poll in the stand-in (tests use it too).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.context import BotApplication
from bot.core.clock import FastForwardClock
from bot.core.i18n import N_, Texts, pick_language
from bot.polls import report as poll_report
from bot.sandbox import Sandbox, SimChat, SimUser
from storage import chats, polls
from storage.polls import Poll

__all__ = ["demo_poll", "vote"]

QUESTION = N_("Which evening suits the next forum?")
OPTIONS = (N_("Tuesday 8.12."), N_("Wednesday 9.12."), N_("Thursday 10.12."))


def vote(sandbox: Sandbox, user: SimUser, poll_id: str, option_ids: list[int]) -> dict[str, Any]:
    """The user votes in a native poll (an empty list withdraws the vote); the bot gets the
    poll_answer update."""
    return sandbox.answer_poll(user, poll_id, option_ids)


async def _texts(application: BotApplication, user: SimUser, chat: SimChat) -> Texts:
    services = application.bot_data.services
    assert services is not None
    stored = await chats.get(services.env.db, chat.id)
    language = pick_language(
        stored.language if stored else None,
        user.language_code,
        services.env.config.bot.default_language,
    )
    return services.env.translator.texts(language)


async def demo_poll(
    # bot.demo.script.Transcript (not imported: bot.demo.script imports this module's caller)
    t: Any,
    sandbox: Sandbox,
    application: BotApplication,
    coordinator_user: SimUser,
    coordinator_chat: SimChat,
    respondents: list[tuple[SimUser, SimChat]],
    *,
    audience: str = "Joensuu",
    fast_forward: bool = False,
) -> None:
    """The coordinator asks `audience` (their scope must cover it) one question; each respondent
    answers in their chat (a native poll in a private chat, a button in a group, where the
    respondent should be an administrator: the association answers once); the coordinator reads
    the live results and closes the poll with "Close now" (or, with `fast_forward`, the clock
    jumps past the closing time, which also runs every other job due by then, so only do that at
    the end of the story); the aggregated results are printed."""
    services = application.bot_data.services
    assert services is not None
    you = await _texts(application, coordinator_user, coordinator_chat)
    poll = await _ask(
        t, sandbox, application, coordinator_user, coordinator_chat, respondents, audience, you
    )
    await _answer(t, sandbox, respondents, you)
    send, tap = t.send, t.tap
    await send(coordinator_user, coordinator_chat, f"/poll {poll.id}")  # live results
    clock = application.bot_data.clock
    if fast_forward and isinstance(clock, FastForwardClock):
        t.say("── ⏩ the poll's closing time comes")
        clock.jump_to(clock.now() + timedelta(seconds=poll.closes_at - services.env.db.now() + 60))
        await services.scheduler.extend()
        await services.scheduler.run_due()
    else:
        await tap(coordinator_user, coordinator_chat, you._("🔒 Close now"))
        await tap(coordinator_user, coordinator_chat, you._("🔒 Yes, close it"))
    services.delivery.wake()
    await services.delivery.wait_idle(timeout=120)
    t.say("   (closing stops the Telegram polls and takes the group's buttons away)")
    t.report_chats([chat for _user, chat in respondents])
    if fast_forward:
        await send(coordinator_user, coordinator_chat, f"/poll {poll.id}")
    closed = await polls.get(services.env.db, poll.id)
    assert closed is not None
    results = await poll_report.build(services.env.db, closed)
    counts = "; ".join(f"{o.label} {o.count}" for o in results.questions[0].options)
    t.say(
        f"   aggregated: {counts} ({results.respondents} respondents of {results.asked} "
        "chats asked)"
    )


async def _ask(
    t: Any,
    sandbox: Sandbox,
    application: BotApplication,
    coordinator_user: SimUser,
    coordinator_chat: SimChat,
    respondents: list[tuple[SimUser, SimChat]],
    audience: str,
    you: Texts,
) -> Poll:
    """The coordinator's /poll, step by step, up to the questions delivered."""
    services = application.bot_data.services
    assert services is not None
    t.heading("Polls: one question to the whole network, one answer back")
    send, tap = t.send, t.tap
    await send(coordinator_user, coordinator_chat, "/poll")
    await send(coordinator_user, coordinator_chat, you._(QUESTION))
    await tap(coordinator_user, coordinator_chat, you._("🔘 One choice"))
    await send(coordinator_user, coordinator_chat, "\n".join(you._(o) for o in OPTIONS))
    await tap(coordinator_user, coordinator_chat, you._("Continue ▶"))
    await send(coordinator_user, coordinator_chat, audience)
    await tap(coordinator_user, coordinator_chat, you._("🙈 Anonymous"))
    await tap(
        coordinator_user, coordinator_chat, you._("🏠 The association, once (its administrators)")
    )
    await tap(coordinator_user, coordinator_chat, you._("In 3 days"))
    await tap(coordinator_user, coordinator_chat, you._("No reminder"))
    await tap(coordinator_user, coordinator_chat, you._("📊 Yes, send the results"))
    await tap(coordinator_user, coordinator_chat, you._("📣 Send the poll"))
    found = await polls.list_polls(services.env.db, None, limit=1)
    assert found, "the poll was not created"
    poll = found[0]
    services.delivery.wake()
    await services.delivery.wait_idle(timeout=120)
    t.report_chats([chat for _user, chat in respondents])
    for _user, chat in respondents:
        for message in sandbox.messages(chat):
            if message.poll is not None and not message.poll.closed:
                options = "  ".join(f"( ) {o}" for o in message.poll.options)
                t.say(
                    f"   … a Telegram poll in {t.names.get(chat.id, chat.id)}: "
                    f"{message.poll.question}  {options}"
                )

    return poll


async def _answer(
    t: Any, sandbox: Sandbox, respondents: list[tuple[SimUser, SimChat]], you: Texts
) -> None:
    """Each respondent answers: a native poll in a private chat, a button in a group."""
    for number, (user, chat) in enumerate(respondents):
        choice = [0, 1, 0, 2][number % 4]
        native = [m for m in sandbox.messages(chat) if m.poll is not None and not m.poll.closed]
        if chat.type == "private" and native:
            sent = native[-1].poll
            assert sent is not None
            await t.event(
                f"{user.first_name} votes “{sent.options[choice]}” in the Telegram poll",
                chat,
                lambda user=user, sent=sent, choice=choice: vote(sandbox, user, sent.id, [choice]),
            )
            continue
        # The options are the coordinator's words, in the coordinator's language.
        label = you._(OPTIONS[choice])
        if any(label in m.buttons for m in sandbox.messages(chat)):
            await t.tap(user, chat, label)
        else:
            t.say(f"   ({t.names.get(chat.id, chat.id)} was not asked: not in the audience)")
