"""What recipients see: the introduction, a question sent as a message with buttons (its text
and keyboard, the same when sent and after every tap) and the reminder."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.callbacks import button, keyboard
from bot.core.i18n import Texts
from bot.polls.links import AREA, deep_link_payload, signature
from storage.polls import NewPoll, NewQuestion, Poll, Question


def _moment(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def intro_text(poll: Poll | NewPoll, t: Texts, *, group: bool) -> str:
    questions = poll.questions
    if len(questions) > 1:
        lines = [
            t.n_(
                "📋 <b>A survey: {n} question</b>",
                "📋 <b>A survey: {n} questions</b>",
                len(questions),
            )
        ]
    else:
        lines = [t._("📊 <b>A question from the network's coordinators</b>")]
    lines.append(t._("One tap per question; you can change your answer until the poll closes."))
    if poll.anonymous:
        lines.append(
            t._("🙈 Anonymous: the coordinators see only totals, never who answered what.")
        )
    else:
        lines.append(t._("👤 Named: the coordinators see your name with your answers."))
    if group:
        if poll.group_mode == "association":
            lines.append(
                t._("🏠 In this group the association answers once: its administrators tap.")
            )
        else:
            lines.append(t._("👥 In this group each member answers for themselves."))
    lines.append(t._("⏳ Answers until {when}.", when=t.when(_moment(poll.closes_at))))
    return "\n".join(lines)


def _heading(question: Question | NewQuestion, number: int, total: int, t: Texts) -> str:
    if total > 1:
        return t._(
            "<b>{number}/{total} · {question}</b>",
            number=number,
            total=total,
            question=question.text,
        )
    return t._("<b>{question}</b>", question=question.text)


def _choice_labels(question: Question, choices: Sequence[int]) -> str:
    if question.kind == "scale":
        return ", ".join(str(c) for c in choices)
    return ", ".join(question.options[c] for c in choices if 0 <= c < len(question.options))


def question_text(
    poll: Poll,
    question: Question,
    t: Texts,
    *,
    group: bool,
    choices: Sequence[int] = (),
    answer_text: str = "",
    respondents: int = 0,
    closed: bool = False,
) -> str:
    """A question sent as a message with buttons (not a native poll): the same text when sent
    and after every tap; a private chat shows the reader's own answer, a group the association's
    answer (association mode) or only how many have answered (each member)."""
    lines = [_heading(question, question.position + 1, len(poll.questions), t)]
    hint = {
        "single": t._("Tap one option."),
        "multiple": t._("Tap every option that fits; a second tap takes it away."),
        "scale": t._("Tap a number: 1 = not at all, 5 = very much."),
        "text": t._("Answer in our private chat: tap the button, then write one message."),
    }[question.kind]
    lines.append(hint)
    mine = _choice_labels(question, choices) if choices else answer_text
    if not group or poll.group_mode == "association":
        if mine:
            label = t._("Our association's answer") if group else t._("Your answer")
            lines.append(t._("✅ {label}: {answer}", label=label, answer=mine))
    elif respondents:
        lines.append(
            t.n_("✅ {n} member has answered.", "✅ {n} members have answered.", respondents)
        )
    if closed:
        lines.append(t._("🔒 This poll is closed."))
    return "\n".join(lines)


def question_keyboard(
    poll: Poll,
    question: Question,
    t: Texts,
    key: bytes,
    chat_id: int,
    *,
    group: bool,
    bot_username: str,
    choices: Sequence[int] = (),
) -> InlineKeyboardMarkup:
    sig = signature(key, poll.id, chat_id)
    shown = () if group and poll.group_mode == "member" else tuple(choices)
    rows: list[list[InlineKeyboardButton]] = []
    if question.kind == "scale":
        rows.append(
            [
                button(
                    f"✓ {n}" if n in shown else str(n),
                    AREA,
                    poll.id,
                    question.position,
                    f"s{n}",
                    sig,
                )
                for n in range(1, 6)
            ]
        )
    elif question.kind == "text":
        label = t._("✍️ Write my answer")
        if group:
            payload = deep_link_payload(key, poll.id, question.position, chat_id)
            rows.append(
                [InlineKeyboardButton(label, url=f"https://t.me/{bot_username}?start={payload}")]
            )
        else:
            rows.append([button(label, AREA, poll.id, question.position, "w", sig)])
    else:
        for index, option in enumerate(question.options):
            if question.kind == "multiple" and not (group and poll.group_mode == "member"):
                label = ("☑ " if index in shown else "☐ ") + option
            else:
                label = ("✓ " if index in shown else "") + option
            rows.append([button(label, AREA, poll.id, question.position, f"o{index}", sig)])
    return keyboard(rows)


def reminder_text(poll: Poll, t: Texts) -> str:
    return t._(
        "⏰ <b>Reminder:</b> “{title}” is waiting for your answer, until {when}. The questions "
        "are above; one tap per question is enough.",
        title=poll.title,
        when=t.when(_moment(poll.closes_at)),
    )
