"""What contact people's messages say and which buttons they carry: the /contact answer, a
person's own listing (/contactme), and the relayed messages with their reply buttons."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.contacts.rules import DEEP_LINK_PREFIX, Found, Scope
from bot.core.callbacks import button, claim, keyboard, sign
from bot.core.i18n import Texts
from bot.core.places import PlaceCatalog
from bot.subscriptions.rules import area_name
from storage.contacts import ContactArea, ContactPerson
from storage.subscriptions import Area

__all__ = [
    "AREA_LISTING",
    "AREA_REPLY",
    "AREA_WRITE",
    "contact_answer",
    "listing_keyboard",
    "listing_text",
    "relayed_text",
    "reply_keyboard",
]

# /contactme's buttons (how to reach me, which areas), the "✉️ Write to them" button in a
# private chat, and the "↩️ Reply" button under a relayed message (signed: it names a message).
AREA_LISTING = claim("cme", __name__)
AREA_WRITE = claim("cw", __name__)
AREA_REPLY = claim("cr", __name__)


def _line(t: Texts, person: ContactPerson) -> str:
    if person.shows_username:
        return t._(
            "• {title} — {name}: @{username}",
            title=person.title,
            name=person.first_name,
            username=person.username,
        )
    return t._("• {title} — {name} (✉️ button below)", title=person.title, name=person.first_name)


def _write_button(
    t: Texts, person: ContactPerson, *, private: bool, bot_username: str
) -> InlineKeyboardButton:
    label = t._("✉️ Write to {name}", name=person.first_name)
    if private:
        return button(label, AREA_WRITE, person.ref)
    # In a group the message is written in the private chat: the button opens it.
    return InlineKeyboardButton(
        label, url=f"https://t.me/{bot_username}?start={DEEP_LINK_PREFIX}{person.ref}"
    )


def contact_answer(
    t: Texts, found: Found, catalog: PlaceCatalog, *, private: bool, bot_username: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """/contact's reply: the places' contact people, then the network's staff."""
    names = ", ".join(area_name(a, catalog, t) for a in found.places)
    lines: list[str] = []
    if found.local:
        lines.append(t._("Contact people for {places}:", places=names))
        lines += [_line(t, p) for p in found.local]
    elif found.places:
        lines.append(t._("No contact person is listed for {places} yet.", places=names))
    if found.staff:
        lines += ["", t._("The network's staff:")]
        lines += [_line(t, p) for p in found.staff]
    if not found.local and not found.staff:
        lines.append(t._("No contact people are listed yet."))
    people = [*found.local, *(p for p in found.staff if p not in found.local)]
    rows = [
        [_write_button(t, p, private=private, bot_username=bot_username)]
        for p in people
        if not p.shows_username
    ]
    return "\n".join(lines).strip(), keyboard(rows) if rows else None


def listing_text(t: Texts, person: ContactPerson, catalog: PlaceCatalog) -> str:
    if person.covers_all:
        where = t._("the whole network (staff)")
    else:
        where = ", ".join(area_name(Area(a.kind, a.code), catalog, t) for a in person.areas)
    how = (
        "@" + html.escape(person.username or "")
        if person.shows_username
        else t._("✉️ through the bot")
    )
    return "\n".join(
        [
            t._("📇 You are listed as a contact person: {title}", title=person.title),
            t._("Areas: {areas}", areas=where),
            t._("People reach you: {how}", how=how),
            t._(
                "/contactme NEW TITLE changes the title, /contactme off stops. Anyone finds you "
                "with /contact."
            ),
        ]
    )


def listing_keyboard(
    t: Texts, person: ContactPerson, scope: Scope, has_username: bool, catalog: PlaceCatalog
) -> InlineKeyboardMarkup:
    """How to reach me (the username only when there is one) and, for a scope of several
    areas, a toggle per area."""
    relay_mark = "✅ " if not person.shows_username else ""
    rows = [[button(relay_mark + t._("✉️ through the bot"), AREA_LISTING, "relay")]]
    if has_username:
        mark = "✅ " if person.shows_username else ""
        rows[0].append(button(mark + t._("@username"), AREA_LISTING, "user"))
    if not scope.covers_all and len(scope.areas) > 1:
        chosen = set(person.areas)
        for index, area in enumerate(scope.areas):
            mark = "✅" if area in chosen else "▫️"
            name = area_name(Area(area.kind, area.code), catalog, t)
            rows.append([button(f"{mark} {name}", AREA_LISTING, "area", index)])
    return keyboard(rows)


def relayed_text(t: Texts, sender: str, text: str, *, reply: bool, title: str | None) -> str:
    if reply:
        header = t._("↩️ A reply from {name}:", name=sender)
    elif title is not None:
        header = t._("✉️ A message to you as “{title}” from {name}:", title=title, name=sender)
    else:
        header = t._("✉️ A message from {name}:", name=sender)
    return header + "\n\n" + html.escape(text)


def reply_keyboard(t: Texts, key: bytes, message_id: int, chat_id: int) -> InlineKeyboardMarkup:
    signature = sign(key, message_id, chat_id)
    return keyboard([[button(t._("↩️ Reply"), AREA_REPLY, message_id, signature)]])


def area_index(scope: Scope, index: int | None) -> ContactArea | None:
    if index is None or not 0 <= index < len(scope.areas):
        return None
    return scope.areas[index]
