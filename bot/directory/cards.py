"""An association's public card: what /directory, an inline query and /profile show of a listing.

One text for every place a listing is shown, so what an association publishes reads the same
wherever it is found."""

from __future__ import annotations

from collections.abc import Iterable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.config import Theme
from bot.core.i18n import Texts, escape
from bot.core.places import PlaceCatalog
from bot.directory.languages import language_name
from storage.listings import Listing

__all__ = ["card_markup", "card_text", "municipality_names", "theme_names"]


def municipality_names(codes: Iterable[str], places: PlaceCatalog, language: str) -> list[str]:
    return [
        place.name(language) for code in codes if (place := places.municipality(code)) is not None
    ]


def theme_names(ids: Iterable[str], themes: Iterable[Theme], language: str) -> list[str]:
    known = {theme.id: theme for theme in themes}
    return [known[theme_id].name(language) for theme_id in ids if theme_id in known]


def card_text(listing: Listing, t: Texts, places: PlaceCatalog, themes: Iterable[Theme]) -> str:
    """The card, in the reader's language; empty fields are left out."""
    lines = [f"<b>{escape(listing.name)}</b>"]
    if listing.municipalities:
        names = municipality_names(listing.municipalities, places, t.language)
        lines.append(t._("📍 {places}", places=", ".join(names)))
    if listing.themes:
        lines.append(
            t._("🏷 {themes}", themes=", ".join(theme_names(listing.themes, themes, t.language)))
        )
    if listing.about:
        lines.extend(["", escape(listing.about), ""])
    if listing.languages:
        names = [language_name(code, t.language) for code in listing.languages]
        lines.append(t._("🗣 Works in: {languages}", languages=", ".join(names)))
    if listing.contact:
        lines.append(t._("✉️ Contact: {contact}", contact=listing.contact))
    if listing.welcomes_volunteers:
        lines.append(t._("🙋 We welcome new volunteers!"))
    return "\n".join(lines).replace("\n\n\n", "\n\n").strip()


def card_markup(listing: Listing, t: Texts) -> InlineKeyboardMarkup | None:
    """A "join the group" button when the association gave its group's link."""
    if not listing.join_link:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t._("👋 Join the group"), url=listing.join_link)]]
    )
