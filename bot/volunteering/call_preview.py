"""What the coordinator sees before publishing a volunteer call: the call as written, its
shifts one a line, and how many chats it goes to."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.core.config_values import Theme
from bot.core.i18n import Texts
from bot.core.places import PlaceCatalog
from bot.subscriptions.rules import theme_names
from bot.volunteering.calls import NewCall, NewShift

__all__ = ["preview_text", "shift_line"]


def shift_line(t: Texts, shift: NewShift) -> str:
    return t.n_(
        "{when}–{end}, {n} place",
        "{when}–{end}, {n} places",
        shift.places,
        when=t.when(shift.starts_at),
        end=t.clock(shift.ends_at),
    )


def preview_text(
    t: Texts,
    call: NewCall,
    catalog: PlaceCatalog,
    themes: Sequence[Theme],
    association: str | None,
    audience: int,
) -> str:
    places = ", ".join(
        m.name(t.language) for code in call.municipalities if (m := catalog.municipality(code))
    )
    lines = [
        t._("<b>Preview of your volunteer call</b>"),
        f"<b>{escape(call.title)}</b>",
        escape(call.description),
    ]
    if association:
        lines.append(t._("Organiser: {association}", association=association))
    lines += [
        t._("Where: {places}", places=places),
        t._("Themes: {themes}", themes=", ".join(theme_names(call.themes, themes, t))),
    ]
    if call.skills:
        lines.append(t._("Skills wanted: {skills}", skills=call.skills))
    lines.append(t._("Shifts:"))
    lines += [f"• {shift_line(t, shift)}" for shift in call.shifts]
    lines.append(t.n_("It goes to {n} chat.", "It goes to {n} chats.", audience))
    return "\n".join(lines)
