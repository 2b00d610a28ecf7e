"""What a directory search asks for: the words of `/directory …` or an inline query, read as
places, themes, languages and free words.

Reading, left to right, the longest run of words (up to five: "Lapset ja perheet", "Pohjois
Karjala") that is exactly a place, a theme or a language wins; a single word that is none of
them may still be a place with a typo ("Joensu", "Helsinkki", as /subscribe forgives them) when
it is long enough that a typo is likelier than a different word; anything else is a free word,
matched as a folded substring of the name, the text and the contact.

Places combine as OR (a region or a wellbeing county means its municipalities); every theme,
language and free word narrows the result (AND). Pure: no database, no Telegram.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.config import Theme
from bot.core.place_search import PlaceIndex, PlaceKind, PlaceRef, normalise
from bot.core.places import PlaceCatalog
from bot.directory.languages import match_language
from bot.subscriptions.rules import match_theme
from storage.directory_search import SearchFilter
from storage.listings import fold
from storage.subscriptions import ALL_THEMES, Subscription

__all__ = [
    "MAX_MISS_CHARS",
    "MAX_QUERY_CHARS",
    "DirectoryQuery",
    "from_subscription",
    "municipalities_of",
    "parse_query",
]

# Longer than any sensible search; a longer text is refused, not searched or stored.
MAX_QUERY_CHARS = 200
MAX_MISS_CHARS = 100
_LONGEST_NAME = 5  # words in the longest place, theme or language name
_TYPO_MIN = 5  # a shorter unknown word is more likely a free word than a mistyped place
_MIN_FREE = 2  # a free word of one letter would match nearly everything
_PLACE_KINDS: dict[str, PlaceKind] = {
    "municipality": "municipality",
    "region": "region",
    "county": "county",
}
_TOKEN_EDGE = re.compile(r"^[\W_]+|[\W_]+$")


@dataclass(frozen=True, slots=True)
class DirectoryQuery:
    """What was understood. `places` as typed (for the answer's header), `municipalities`
    their municipalities (empty: anywhere); `typed` the folded words, for the misses."""

    places: tuple[PlaceRef, ...] = ()
    municipalities: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    typed: str = ""
    any_theme: bool = False  # themes are alternatives (a chat's subscriptions), not all needed

    @property
    def empty(self) -> bool:
        return not (self.places or self.themes or self.languages or self.words)

    def filter(self) -> SearchFilter:
        theme_groups = (
            (self.themes,)
            if self.any_theme and self.themes
            else tuple((theme,) for theme in self.themes)
        )
        return SearchFilter(
            municipalities=self.municipalities,
            theme_groups=theme_groups,
            languages=self.languages,
            words=self.words,
        )


def municipalities_of(refs: Iterable[PlaceRef], catalog: PlaceCatalog) -> tuple[str, ...]:
    codes: dict[str, None] = {}
    for ref in refs:
        if ref.kind == "municipality":
            codes[ref.code] = None
        elif ref.kind == "region":
            codes.update((m.code, None) for m in catalog.municipalities_in_region(ref.code))
        else:
            codes.update((m.code, None) for m in catalog.municipalities_in_county(ref.code))
    return tuple(sorted(codes))


def _tokens(text: str) -> list[str]:
    """Words without the punctuation around them; emoji and punctuation alone are no word."""
    found = []
    for raw in re.split(r"[\s,;]+", text):
        token = _TOKEN_EDGE.sub("", raw)
        if token:
            found.append(token)
    return found


@dataclass
class _Reading:
    places: dict[PlaceRef, None]
    themes: dict[str, None]
    languages: dict[str, None]
    words: dict[str, None]


def _exact(span: str, index: PlaceIndex, themes: tuple[Theme, ...], into: _Reading) -> bool:
    """Take the span when it is exactly a place, a theme or a language."""
    place = index.exact(span)
    if place is not None:
        into.places[place] = None
        return True
    theme = match_theme(span, themes)
    if theme is not None:
        into.themes[theme.id] = None
        return True
    language = match_language(span)
    if language is not None:
        into.languages[language.code] = None
        return True
    return False


def _one_edit(a: str, b: str) -> bool:
    """At most one letter added, dropped or changed (or two neighbours swapped)."""
    if abs(len(a) - len(b)) > 1:
        return False
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    a, b = a[start:], b[start:]
    return a[1:] == b[1:] or a[1:] == b or a == b[1:] or (a[:2] == b[1::-1] and a[2:] == b[2:])


def _close(key: str, ref: PlaceRef, catalog: PlaceCatalog) -> bool:
    """A free word is taken for a mistyped place only when it is the start of the place's
    name or one edit from it: /subscribe's two-edit forgiveness would read "kahvila" (café)
    as Karvia, where a person asking about a place is rarer than a word of a name."""
    place = (
        catalog.municipality(ref.code)
        if ref.kind == "municipality"
        else catalog.region(ref.code)
        if ref.kind == "region"
        else catalog.county(ref.code)
    )
    names = (normalise(place.name_fi), normalise(place.name_sv)) if place else ()
    return any(name.startswith(key) or _one_edit(key, name) for name in names)


def _single(token: str, index: PlaceIndex, catalog: PlaceCatalog, into: _Reading) -> None:
    """A word that is no exact name: a mistyped place when long enough, else a free word."""
    key = normalise(token)
    if len(key) >= _TYPO_MIN:
        result = index.search(token, limit=2)
        if result.exact is not None and _close(key, result.exact, catalog):
            into.places[result.exact] = None
            return
    word = fold(token)
    if len(word) >= _MIN_FREE:
        into.words[word] = None


def parse_query(
    text: str, index: PlaceIndex, catalog: PlaceCatalog, themes: Iterable[Theme]
) -> DirectoryQuery:
    """The words of a search. The caller refuses texts over MAX_QUERY_CHARS first."""
    tokens = _tokens(text)
    available = tuple(themes)
    reading = _Reading({}, {}, {}, {})
    position = 0
    while position < len(tokens):
        for size in range(min(_LONGEST_NAME, len(tokens) - position), 0, -1):
            span = " ".join(tokens[position : position + size])
            if _exact(span, index, available, reading):
                position += size
                break
        else:
            _single(tokens[position], index, catalog, reading)
            position += 1
    places = tuple(reading.places)
    return DirectoryQuery(
        places=places,
        municipalities=municipalities_of(places, catalog),
        themes=tuple(reading.themes),
        languages=tuple(reading.languages),
        words=tuple(reading.words),
        typed=fold(" ".join(tokens))[:MAX_MISS_CHARS].strip(),
    )


def from_subscription(subscription: Subscription, catalog: PlaceCatalog) -> DirectoryQuery:
    """A chat's own subscriptions as a search: its areas, and any of its themes ("all of
    Finland" and "all themes" leave that part open)."""
    refs = [
        PlaceRef(kind, area.code)
        for area in subscription.areas
        if (kind := _PLACE_KINDS.get(area.kind)) is not None
    ]
    everywhere = any(a.kind == "all" for a in subscription.areas)
    themes = () if subscription.all_themes else tuple(t for t in subscription.themes)
    return DirectoryQuery(
        places=() if everywhere else tuple(refs),
        municipalities=() if everywhere else municipalities_of(refs, catalog),
        themes=tuple(t for t in themes if t != ALL_THEMES),
        any_theme=True,
    )
