"""The /poll wizard's buttons (`plw:` callbacks): each is valid at one named step only; a tap
on an older message, or for a step the draft has left, says the menu has expired."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from telegram import Message, Update

from bot.audience.parsing import AudienceChoice
from bot.audience.recipients import AudienceSpec
from bot.context import AppContext
from bot.core.callbacks import button, decode, keyboard
from bot.core.i18n import Texts
from bot.polls import rules as poll_rules
from bot.polls.draft import Draft
from bot.roles.access import role_of
from handlers.common import edit_in_place, texts_for
from handlers.polls import steps
from handlers.polls.steps import AREA_WIZARD, DAY, KIND
from storage.polls import GroupMode, NewQuestion, QuestionKind

__all__ = ["wizard_tap"]

_KINDS: dict[str, QuestionKind] = {
    "single": "single",
    "multiple": "multiple",
    "scale": "scale",
    "text": "text",
}


@dataclass(frozen=True, slots=True)
class _Tap:
    message: Message
    context: AppContext
    t: Texts
    draft: Draft
    value: str | None


async def wizard_tap(update: Update, context: AppContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    t = await texts_for(context, update)
    data = decode(query.data)
    draft = await steps.load(context, user.id)
    message = query.message
    if (
        draft is None
        or not isinstance(message, Message)
        or await role_of(context.env.config, context.env.db, user.id) == "participant"
    ):
        await query.answer(
            t._("This poll is no longer being prepared. Start again with /poll."), show_alert=True
        )
        return
    action = data.part(0) if data else None
    value = data.part(1) if data else None
    found = _TAPS.get(action or "")
    if found is None or (found.step is not None and draft.step != found.step):
        await query.answer(t._("This menu has expired."), show_alert=True)
        return
    if found.values is not None and value not in found.values:
        await query.answer(t._("This menu has expired."), show_alert=True)
        return
    if action == "add" and len(draft.questions) >= poll_rules.MAX_QUESTIONS:
        await query.answer(t._("This menu has expired."), show_alert=True)
        return
    await query.answer()
    await found.run(_Tap(message, context, t, draft, value))


async def _cancel(tap: _Tap) -> None:
    await KIND.end(tap.context, tap.draft.user_id, tap.draft.user_id)
    await edit_in_place(tap.message, tap.t._("The poll was discarded."), None)


async def _kind(tap: _Tap) -> None:
    t, draft = tap.t, tap.draft
    assert tap.value is not None
    kind = _KINDS[tap.value]
    await edit_in_place(tap.message, t._("How is it answered?"), None)
    if kind not in ("single", "multiple"):
        question = NewQuestion(kind, draft.pending)
        await steps.question_added(tap.message, tap.context, t, draft, question)
        return
    await steps.store(tap.context, t, replace(draft, step="options", pending_kind=kind))
    await tap.message.reply_text(
        t._(
            "Send the options, one per line: {min}–{max} options, each at most {limit} characters.",
            min=poll_rules.MIN_OPTIONS,
            max=poll_rules.MAX_OPTIONS,
            limit=poll_rules.MAX_OPTION,
        )
    )


async def _add(tap: _Tap) -> None:
    await steps.store(tap.context, tap.t, replace(tap.draft, step="question"))
    await tap.message.reply_text(tap.t._("Send question {n}.", n=len(tap.draft.questions) + 1))


async def _next(tap: _Tap) -> None:
    await steps.store(tap.context, tap.t, replace(tap.draft, step="audience"))
    await steps.ask_audience(tap.message, tap.t)


async def _everyone(tap: _Tap) -> None:
    choice = AudienceChoice(AudienceSpec(everyone=True), ())
    await steps.audience_chosen(tap.message, tap.context, tap.t, tap.draft, choice)


async def _anonymous(tap: _Tap) -> None:
    t = tap.t
    await steps.store(tap.context, t, replace(tap.draft, step="mode", anonymous=tap.value == "1"))
    association = t._("🏠 The association, once (its administrators)")
    await tap.message.reply_text(
        t._("In an association's group chat, who answers?"),
        reply_markup=keyboard(
            [
                [button(association, AREA_WIZARD, "mode", "a")],
                [button(t._("👥 Each member"), AREA_WIZARD, "mode", "m")],
            ]
        ),
    )


async def _mode(tap: _Tap) -> None:
    t = tap.t
    mode: GroupMode = "association" if tap.value == "a" else "member"
    await steps.store(tap.context, t, replace(tap.draft, step="closes", group_mode=mode))
    await tap.message.reply_text(
        t._("When does the poll close? Send a time like 3.12.2026 18.00, or tap."),
        reply_markup=keyboard(
            [
                [
                    button(t._("In 3 days"), AREA_WIZARD, "close", "3"),
                    button(t._("In a week"), AREA_WIZARD, "close", "7"),
                    button(t._("In two weeks"), AREA_WIZARD, "close", "14"),
                ]
            ]
        ),
    )


async def _close(tap: _Tap) -> None:
    assert tap.value is not None
    now = tap.context.env.db.now()
    closes_at = (now + int(tap.value) * DAY) // 3600 * 3600
    await steps.closing_chosen(tap.message, tap.context, tap.t, tap.draft, closes_at)


async def _reminder(tap: _Tap) -> None:
    now, closes_at = tap.context.env.db.now(), tap.draft.closes_at
    reminder = {
        "day": closes_at - DAY,
        "half": now + (closes_at - now) // 2,
        "none": None,
    }[tap.value or "none"]
    await steps.reminder_chosen(tap.message, tap.context, tap.t, tap.draft, reminder)


async def _share(tap: _Tap) -> None:
    draft = replace(tap.draft, share_results=tap.value == "1")
    await steps.preview(tap.message, tap.context, tap.t, draft)


async def _send(tap: _Tap) -> None:
    await steps.send(tap.message, tap.context, tap.t, tap.draft)


@dataclass(frozen=True, slots=True)
class _Action:
    step: str | None  # the step the tap belongs to; None: any
    values: frozenset[str] | None  # the values it takes; None: no value
    run: Callable[[_Tap], Awaitable[None]]


_TAPS = {
    "cancel": _Action(None, None, _cancel),
    "k": _Action("kind", frozenset(_KINDS), _kind),
    "add": _Action("more", None, _add),
    "next": _Action("more", None, _next),
    "everyone": _Action("audience", None, _everyone),
    "anon": _Action("privacy", frozenset({"0", "1"}), _anonymous),
    "mode": _Action("mode", frozenset({"a", "m"}), _mode),
    "close": _Action("closes", frozenset({"3", "7", "14"}), _close),
    "rem": _Action("reminder", frozenset({"day", "half", "none"}), _reminder),
    "share": _Action("share", frozenset({"0", "1"}), _share),
    "send": _Action("confirm", None, _send),
}
