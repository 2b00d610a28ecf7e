"""What a grant call looks like in chat: its card, its buttons, the reminder and the .ics."""

from __future__ import annotations

from datetime import UTC, date, datetime
from html import escape
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.core.callbacks import button, claim, keyboard
from bot.core.config_values import Theme
from bot.core.i18n import Texts
from bot.core.places import PlaceCatalog
from bot.events.calendar import deadline_ics
from bot.subscriptions.rules import theme_names
from storage.grants import GrantCall

__all__ = [
    "AREA",
    "calendar_file",
    "card_keyboard",
    "card_text",
    "ics_filename",
    "local_day",
    "reminder_text",
]

AREA = claim("grt", __name__)  # the card's buttons: remind (r), calendar (c)


def _moment(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def card_text(call: GrantCall, t: Texts, catalog: PlaceCatalog, themes: tuple[Theme, ...]) -> str:
    places = ", ".join(
        m.name(t.language) for code in call.municipalities if (m := catalog.municipality(code))
    )
    lines = [
        t._("💶 <b>Grant call:</b> {title}", title=call.title),
        t._("Funder: {funder}", funder=call.funder),
        t._(
            "🏘 {places} · {themes}",
            places=places,
            themes=", ".join(theme_names(call.themes, themes, t)),
        ),
    ]
    if call.opens_at is not None:
        lines.append(t._("Opens: {day}", day=t.day(_moment(call.opens_at))))
    lines.append(t._("⏰ Deadline: {when}", when=t.when(_moment(call.deadline_at))))
    if call.amount:
        lines.append(t._("Amount: {amount}", amount=call.amount))
    if call.link:
        lines.append("🔗 " + escape(call.link))
    if call.description:
        lines.extend(("", escape(call.description)))
    return "\n".join(lines)


def card_keyboard(call: GrantCall, t: Texts, *, reminding: bool | None) -> InlineKeyboardMarkup:
    """`reminding`: the reader asked for reminders (None in a shared card: shown as not)."""
    remind = t._("🔕 Don't remind me") if reminding else t._("🔔 Remind me")
    return keyboard(
        [
            [button(remind, AREA, "r", call.id)],
            [button(t._("📅 Deadline to calendar"), AREA, "c", call.id)],
        ]
    )


def reminder_text(call: GrantCall, t: Texts, days: int) -> str:
    return t.n_(
        "⏰ <b>{title}</b> ({funder}): the application deadline is in {n} day, {when}.",
        "⏰ <b>{title}</b> ({funder}): the application deadline is in {n} days, {when}.",
        days,
        title=call.title,
        funder=call.funder,
        when=t.when(_moment(call.deadline_at)),
    )


def ics_filename(call: GrantCall) -> str:
    return f"grant-{call.id}-deadline.ics"


def calendar_file(call: GrantCall, t: Texts, timezone: str) -> bytes:
    local = datetime.fromtimestamp(call.deadline_at, ZoneInfo(timezone))
    return deadline_ics(
        uid=f"grant-{call.id}@jarjestobotti",
        sequence=call.sequence,
        summary=t._("Deadline: {title}", title=call.title),
        deadline=local,
        stamp=call.updated_at,
        description=f"{call.funder}\n\n{call.description}".strip(),
        url=call.link,
    )


def local_day(timestamp: int, timezone: str) -> date:
    return datetime.fromtimestamp(timestamp, ZoneInfo(timezone)).date()
