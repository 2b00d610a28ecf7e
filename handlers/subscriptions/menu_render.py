"""Rendering of the /subscribe menu: regions → municipalities (paged) → themes → summary.

The menu state is a `storage.subscription_drafts.Draft`; each view is a pure function of it.
Callback data (area "sub"): `v:<view>` navigates, `m:<code>` / `R:<region>` / `C:<county>` / `F`
toggle areas, `t:<theme>` / `T` toggle themes, `ok` saves, `x` cancels.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.callbacks import button, claim, keyboard
from bot.core.config import Theme
from bot.core.i18n import Texts
from bot.core.places import Municipality, PlaceCatalog, Region
from bot.subscriptions.rules import area_name, summary_lines
from storage.subscription_drafts import Draft
from storage.subscriptions import ALL_THEMES, Area

__all__ = ["AREA", "PAGE_SIZE", "render", "view_region_page"]

AREA = claim("sub", __name__)
PAGE_SIZE = 12
CHECK = "✓ "


def _mark(selected: bool, text: str) -> str:
    return CHECK + text if selected else text


def view_region_page(view: str) -> tuple[str, int] | None:
    """`r:<region>:<page>` → (region, page)."""
    parts = view.split(":")
    if len(parts) == 3 and parts[0] == "r" and parts[2].isdigit():
        return parts[1], int(parts[2])
    return None


def _pairs(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def _regions(draft: Draft, catalog: PlaceCatalog, t: Texts) -> tuple[str, InlineKeyboardMarkup]:
    chosen_regions = {a.code for a in draft.areas if a.kind == "region"}
    touched = {
        m.region_code
        for a in draft.areas
        if a.kind == "municipality" and (m := catalog.municipality(a.code)) is not None
    }
    rows = [[button(_mark(Area("all") in draft.areas, t._("🇫🇮 All of Finland")), AREA, "F")]]
    region_buttons = [
        button(
            _mark(r.code in chosen_regions or r.code in touched, r.name(t.language)),
            AREA,
            "v",
            "r",
            r.code,
            0,
        )
        for r in catalog.regions_sorted(t.language)
    ]
    rows += _pairs(region_buttons)
    rows.append([button(t._("Next: themes »"), AREA, "v", "themes")])
    text = t._(
        "<b>Subscribe — step 1/3: areas</b>\n"
        "Choose a region, then its municipalities (or the whole region)."
    )
    return text, keyboard(rows)


def _whole_areas(
    draft: Draft, catalog: PlaceCatalog, region: Region, members: Sequence[Municipality], t: Texts
) -> list[list[InlineKeyboardButton]]:
    """The region as a whole, then each wellbeing services county it touches."""
    label = t._("Whole region: {name}", name=region.name(t.language))
    chosen = Area("region", region.code) in draft.areas
    rows = [[button(_mark(chosen, label), AREA, "R", region.code)]]
    for county_id in sorted({m.county_id for m in members}):
        county = catalog.county(county_id)
        if county is not None:
            label = t._("Whole county: {name}", name=county.name(t.language))
            chosen = Area("county", county_id) in draft.areas
            rows.append([button(_mark(chosen, label), AREA, "C", county_id)])
    return rows


def _page_buttons(region_code: str, page: int, pages: int) -> list[InlineKeyboardButton]:
    nav: list[InlineKeyboardButton] = []
    if page > 0:
        nav.append(button("◀", AREA, "v", "r", region_code, page - 1))
    if page + 1 < pages:
        nav.append(button("▶", AREA, "v", "r", region_code, page + 1))
    return nav


def _municipalities(
    draft: Draft, catalog: PlaceCatalog, region_code: str, page: int, t: Texts
) -> tuple[str, InlineKeyboardMarkup] | None:
    region = catalog.region(region_code)
    if region is None:
        return None
    members = catalog.municipalities_in_region(region_code)
    pages = max(1, -(-len(members) // PAGE_SIZE))
    if not 0 <= page < pages:
        return None
    rows = _whole_areas(draft, catalog, region, members, t)
    shown = members[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows += _pairs(
        [
            button(
                _mark(Area("municipality", m.code) in draft.areas, m.name(t.language)),
                AREA,
                "m",
                m.code,
            )
            for m in shown
        ]
    )
    rows.append(_page_buttons(region_code, page, pages))
    rows.append(
        [
            button(t._("« Regions"), AREA, "v", "regions"),
            button(t._("Next: themes »"), AREA, "v", "themes"),
        ]
    )
    text = t._("<b>Subscribe — step 1/3: {region}</b>", region=region.name(t.language))
    if pages > 1:
        text += "\n" + t._("Page {page} of {pages}", page=page + 1, pages=pages)
    return text, keyboard(rows)


def _themes(draft: Draft, themes: tuple[Theme, ...], t: Texts) -> tuple[str, InlineKeyboardMarkup]:
    everything = not draft.themes or ALL_THEMES in draft.themes
    rows = [[button(_mark(everything, t._("All themes")), AREA, "T")]]
    rows += _pairs(
        [
            button(
                _mark(not everything and th.id in draft.themes, th.name(t.language)),
                AREA,
                "t",
                th.id,
            )
            for th in themes
        ]
    )
    rows.append(
        [
            button(t._("« Areas"), AREA, "v", "regions"),
            button(t._("Next: summary »"), AREA, "v", "sum"),
        ]
    )
    text = t._(
        "<b>Subscribe — step 2/3: themes</b>\n"
        "Which themes interest you? With “All themes” you also get themes added later."
    )
    return text, keyboard(rows)


def _summary(
    draft: Draft, catalog: PlaceCatalog, themes: tuple[Theme, ...], t: Texts
) -> tuple[str, InlineKeyboardMarkup]:
    lines = [t._("<b>Subscribe — step 3/3: check and save</b>")]
    lines += summary_lines(None, draft.areas, draft.themes, catalog, themes, t)
    rows: list[list[InlineKeyboardButton]] = []
    if draft.areas:
        rows.append([button(t._("✅ Save"), AREA, "ok")])
    else:
        lines.append(t._("Choose at least one area before saving."))
    rows.append(
        [
            button(t._("✏️ Areas"), AREA, "v", "regions"),
            button(t._("✏️ Themes"), AREA, "v", "themes"),
        ]
    )
    rows.append([button(t._("✖ Cancel"), AREA, "x")])
    return "\n".join(lines), keyboard(rows)


def render(
    draft: Draft, catalog: PlaceCatalog, themes: tuple[Theme, ...], t: Texts
) -> tuple[str, InlineKeyboardMarkup]:
    """The message for the draft's current view (falls back to the region list)."""
    if draft.view == "themes":
        return _themes(draft, themes, t)
    if draft.view == "sum":
        return _summary(draft, catalog, themes, t)
    page = view_region_page(draft.view)
    if page is not None:
        rendered = _municipalities(draft, catalog, page[0], page[1], t)
        if rendered is not None:
            return rendered
    return _regions(draft, catalog, t)


def chosen_names(draft: Draft, catalog: PlaceCatalog, t: Texts) -> list[str]:
    return [area_name(a, catalog, t) for a in draft.areas]
