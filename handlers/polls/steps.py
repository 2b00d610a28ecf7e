"""The /poll wizard's steps after an answer is taken: each saves the draft at its next step and
asks the next question; `preview` and `send` end it. Shared by the typed answers and the taps
(handlers/polls/wizard.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from telegram import Message

from bot.audience.access import audience_problem
from bot.audience.parsing import AudienceChoice
from bot.context import AppContext
from bot.core.callbacks import button, claim, keyboard
from bot.core.dates import DateError, parse_datetime
from bot.core.i18n import Texts, escape
from bot.polls import report as poll_report
from bot.polls import rules as poll_rules
from bot.polls import sending as poll_sending
from bot.polls import texts as poll_texts
from bot.polls.draft import Draft
from handlers.audience import ask_audience as shared_ask_audience
from handlers.audience import audience_size
from handlers.common import edit_in_place
from handlers.wizard import DraftKind
from storage.polls import NewQuestion

__all__ = [
    "AREA_WIZARD",
    "DAY",
    "KIND",
    "ask_audience",
    "audience_chosen",
    "closing_chosen",
    "load",
    "preview",
    "question_added",
    "read_time",
    "reminder_chosen",
    "send",
    "store",
]

AREA_WIZARD = claim("plw", __name__)
KIND = DraftKind("poll", __name__, discarded=lambda t: t._("Your unfinished poll was discarded."))
DAY = 86400


async def load(context: AppContext, user_id: int) -> Draft | None:
    """The coordinator's poll draft (prepared in the private chat, whose id is theirs)."""
    stored = await KIND.load(context, user_id, user_id)
    return None if stored is None else Draft.from_json(user_id, stored.step, stored.payload)


async def store(context: AppContext, t: Texts, draft: Draft) -> None:
    await KIND.keep(context, t, draft.user_id, draft.user_id, draft.step, draft.to_json())


def _moment(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


async def question_added(
    message: Message, context: AppContext, t: Texts, draft: Draft, question: NewQuestion
) -> None:
    questions = (*draft.questions, question)
    await store(
        context, t, replace(draft, step="more", questions=questions, pending="", pending_kind=None)
    )
    row = [button(t._("Continue ▶"), AREA_WIZARD, "next")]
    if len(questions) < poll_rules.MAX_QUESTIONS:
        row.insert(0, button(t._("➕ Add a question"), AREA_WIZARD, "add"))
    await message.reply_text(
        t._(
            "Question {n} is ready. Add another (a survey has at most {max}), or continue to "
            "the audience.",
            n=len(questions),
            max=poll_rules.MAX_QUESTIONS,
        ),
        reply_markup=keyboard([row]),
    )


async def ask_audience(message: Message, t: Texts) -> None:
    question = t._(
        "Who should be asked? Send municipalities, regions, wellbeing counties and/or "
        "themes, for example “Joensuu, Outokumpu, health”, or “event 12” for everyone who "
        "answered event 12, or tap below."
    )
    await shared_ask_audience(message, t, question, AREA_WIZARD)


async def audience_chosen(
    message: Message, context: AppContext, t: Texts, draft: Draft, choice: AudienceChoice
) -> None:
    size = await audience_size(
        message,
        context,
        t,
        draft.user_id,
        choice,
        not_own_event=t._(
            "You can ask the people who answered your own events only. Send another audience."
        ),
        nobody=t._(
            "No chat follows that audience, so nobody would be asked. Send another "
            "audience, or /cancel."
        ),
    )
    if size is None:
        return
    await store(context, t, replace(draft, step="privacy", choice=choice, audience_size=size))
    await message.reply_text(
        t.n_("The audience is {n} chat.", "The audience is {n} chats.", size)
        + "\n"
        + t._("Are the results anonymous or named? Respondents see this before they answer."),
        reply_markup=keyboard(
            [
                [button(t._("🙈 Anonymous"), AREA_WIZARD, "anon", "1")],
                [button(t._("👤 Named"), AREA_WIZARD, "anon", "0")],
            ]
        ),
    )


async def read_time(message: Message, context: AppContext, t: Texts, text: str) -> int | None:
    """The time typed for the closing or the reminder; None (after saying how to write it) when
    it cannot be read or is past."""
    services = context.services
    try:
        moment = parse_datetime(text, services.env.clock.now(), services.env.config.bot.timezone)
    except DateError as exc:
        await message.reply_text(
            t._("That time is already past. Send a future time like 3.12.2026 18.00.")
            if exc.reason == "past"
            else t._("Send the time like 3.12.2026 18.00 or 3.12. klo 18.")
        )
        return None
    return int(moment.timestamp())


async def closing_chosen(
    message: Message, context: AppContext, t: Texts, draft: Draft, closes_at: int
) -> None:
    now = context.env.db.now()
    if closes_at - now < 3600:
        await message.reply_text(t._("Leave at least an hour for answering. Send a later time."))
        return
    draft = replace(draft, step="reminder", closes_at=closes_at)
    await store(context, t, draft)
    rows = []
    if closes_at - DAY > now + 600:
        rows.append([button(t._("⏰ A day before closing"), AREA_WIZARD, "rem", "day")])
    rows.append([button(t._("⏰ Half-way"), AREA_WIZARD, "rem", "half")])
    rows.append([button(t._("No reminder"), AREA_WIZARD, "rem", "none")])
    await message.reply_text(
        t._(
            "The poll closes {when}. Send one reminder to those who have not answered? Tap, or "
            "send a time before the closing.",
            when=t.when(_moment(closes_at)),
        ),
        reply_markup=keyboard(rows),
    )


async def reminder_chosen(
    message: Message, context: AppContext, t: Texts, draft: Draft, reminder_at: int | None
) -> None:
    if reminder_at is not None and reminder_at >= draft.closes_at:
        await message.reply_text(
            t._(
                "The reminder must come before the poll closes ({when}). Send an earlier time.",
                when=t.when(_moment(draft.closes_at)),
            )
        )
        return
    await store(context, t, replace(draft, step="share", reminder_at=reminder_at))
    await message.reply_text(
        t._("When the poll closes, send the results (totals only) to the chats that answered?"),
        reply_markup=keyboard(
            [
                [button(t._("📊 Yes, send the results"), AREA_WIZARD, "share", "1")],
                [button(t._("No"), AREA_WIZARD, "share", "0")],
            ]
        ),
    )


async def preview(message: Message, context: AppContext, t: Texts, draft: Draft) -> None:
    await store(context, t, replace(draft, step="confirm"))
    new = draft.new_poll()
    await message.reply_text(t._("Preview — a private chat will get this:"))
    lines = [poll_texts.intro_text(new, t, group=False), ""]
    total = len(new.questions)
    kinds = poll_report.KIND_NAMES
    for number, question in enumerate(new.questions, start=1):
        prefix = f"{number}/{total} · " if total > 1 else ""
        lines.append(
            t._(
                "<b>{prefix}{question}</b> ({kind})",
                prefix=prefix,
                question=question.text,
                kind=t._(kinds[question.kind]),
            )
        )
        lines += [f"• {escape(option)}" for option in question.options]
    await message.reply_text("\n".join(lines))
    settings = [
        t._("Choice questions come as Telegram polls in private chats and as buttons in groups."),
        (
            t._("Groups: the association answers once, by its administrators.")
            if draft.group_mode == "association"
            else t._("Groups: each member answers for themselves.")
        ),
        (
            t._(
                "Reminder: {when}, to those who have not answered.",
                when=t.when(_moment(draft.reminder_at)),
            )
            if draft.reminder_at is not None
            else t._("No reminder.")
        ),
        (
            t._("The results go to the chats that answered when the poll closes.")
            if draft.share_results
            else t._("The results stay with the coordinators.")
        ),
        t.n_("It will reach {n} chat.", "It will reach {n} chats.", draft.audience_size),
    ]
    await message.reply_text(
        "\n".join(settings),
        reply_markup=keyboard(
            [
                [button(t._("📣 Send the poll"), AREA_WIZARD, "send")],
                [button(t._("✖ Cancel"), AREA_WIZARD, "cancel")],
            ]
        ),
    )


async def send(message: Message, context: AppContext, t: Texts, draft: Draft) -> None:
    services = context.services
    assert draft.choice is not None
    # Scope is checked again at the moment of sending.
    if await audience_problem(services.env, draft.user_id, draft.choice.spec):
        await KIND.end(context, draft.user_id, draft.user_id)
        await message.reply_text(
            t._("That audience is outside the areas you coordinate. Nothing was sent.")
        )
        return
    now = services.env.db.now()
    if draft.closes_at <= now or (draft.reminder_at is not None and draft.reminder_at <= now):
        await store(context, t, replace(draft, step="closes", reminder_at=None))
        await message.reply_text(
            t._("The closing time has passed meanwhile. Send a new closing time.")
        )
        return
    poll_id, size = await poll_sending.send(
        services.env,
        poll_sending.Plan(draft.new_poll(), draft.choice.spec),
        draft.user_id,
        bot_username=context.bot.username,
    )
    await KIND.end(context, draft.user_id, draft.user_id)
    services.delivery.wake()
    await edit_in_place(message, message.text_html, None)
    await message.reply_text(
        t.n_(
            "📊 Poll {id} is on its way to {n} chat. Results: /poll {id}",
            "📊 Poll {id} is on its way to {n} chats. Results: /poll {id}",
            size,
            id=poll_id,
        ),
    )
