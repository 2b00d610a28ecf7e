"""Forgiving place-name search: Finnish and Swedish names, any case, with or without diacritics,
prefixes and small typos ("jonsuu" → Joensuu, "Vasa" → Vaasa, "pohjois karjala" → the region).

Rules, in order: an exact normalised name (or a 3-digit code) wins; then a prefix of at least three
characters that fits exactly one place; then names within a small edit distance (1 edit up to 6
characters, 2 beyond). Several equally good places give no exact match but a "did you mean" list.
A region and a wellbeing county with the same name (Kainuu, Ahvenanmaa) resolve to the region,
which covers the same municipalities.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from bot.core.places import PlaceCatalog

__all__ = ["PlaceIndex", "PlaceRef", "SearchResult", "normalise", "split_names"]

PlaceKind = Literal["municipality", "region", "county"]
_KIND_RANK: dict[str, int] = {"municipality": 0, "region": 1, "county": 2}
_DASHES = re.compile(r"[\u2010-\u2015\u2212_]")
_NOT_WORD = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")
_SPLIT = re.compile(r"\s*(?:[,;\n]|\s(?:ja|och|and)\s)\s*", re.IGNORECASE)
_COUNTY_WORDS = re.compile(
    r"\b(hyvinvointialue|hyvinvointialueen|valfardsomrade|wellbeing county)$"
)


def normalise(text: str) -> str:
    """Casefolded, without diacritics, punctuation reduced to single spaces ("Pohjois-Karjala" →
    "pohjois karjala"). Idempotent."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in folded if not unicodedata.combining(ch))
    stripped = _DASHES.sub(" ", stripped.replace("-", " ").replace("'", "").replace("’", ""))
    stripped = _NOT_WORD.sub(" ", stripped)
    return _SPACES.sub(" ", stripped).strip()


def split_names(text: str) -> list[str]:
    """ "Joensuu, Outokumpu ja Liperi; Kontiolahti" → four names."""
    return [part.strip() for part in _SPLIT.split(text) if part and part.strip()]


@dataclass(frozen=True, slots=True)
class PlaceRef:
    kind: PlaceKind
    code: str


@dataclass(frozen=True, slots=True)
class SearchResult:
    exact: PlaceRef | None
    candidates: tuple[PlaceRef, ...]


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance, giving up (returning limit + 1) beyond `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        row_min = current[0]
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            row_min = min(row_min, value)
        if row_min > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


class PlaceIndex:
    """Normalised names of every place, built once per catalog."""

    def __init__(self, catalog: PlaceCatalog) -> None:
        entries: dict[tuple[str, PlaceRef], None] = {}

        def add(name: str, ref: PlaceRef) -> None:
            key = normalise(name)
            if key:
                entries[(key, ref)] = None

        for m in catalog.municipalities:
            ref = PlaceRef("municipality", m.code)
            add(m.name_fi, ref)
            add(m.name_sv, ref)
        for r in catalog.regions:
            ref = PlaceRef("region", r.code)
            add(r.name_fi, ref)
            add(r.name_sv, ref)
        for c in catalog.counties:
            ref = PlaceRef("county", c.id)
            for name in (c.name_fi, c.name_sv):
                add(name, ref)
            # "Pohjois-Karjalan hyvinvointialue" is also typed "Pohjois-Karjala hyvinvointialue".
            add(c.id.replace("-", " ") + " hyvinvointialue", ref)
        self._entries: tuple[tuple[str, PlaceRef], ...] = tuple(entries)
        self._by_name: dict[str, list[PlaceRef]] = {}
        for key, ref in self._entries:
            self._by_name.setdefault(key, []).append(ref)
        self._codes = {m.code for m in catalog.municipalities}

    @staticmethod
    def _best(refs: list[PlaceRef]) -> list[PlaceRef]:
        """Distinct places, municipality before region before county; a region shadows a county
        of the same name."""
        unique = sorted(set(refs), key=lambda r: (_KIND_RANK[r.kind], r.code))
        kinds = {r.kind for r in unique}
        if "region" in kinds:
            unique = [r for r in unique if r.kind != "county"]
        return unique

    def exact(self, name: str) -> PlaceRef | None:
        """The one place with exactly this (normalised) name, without prefixes or typos: what
        a directory search tries first on runs of several words."""
        found = self._best(self._by_name.get(normalise(name), []))
        return found[0] if len(found) == 1 else None

    def search(self, query: str, *, limit: int = 8) -> SearchResult:
        text = query.strip()
        if re.fullmatch(r"\d{3}", text):
            ref = PlaceRef("municipality", text)
            return SearchResult(ref if text in self._codes else None, ())
        key = normalise(text)
        if not key:
            return SearchResult(None, ())
        exact = self._best(self._by_name.get(key, []))
        if len(exact) == 1:
            return SearchResult(exact[0], ())
        if exact:
            return SearchResult(None, tuple(exact[:limit]))
        if len(key) >= 3:
            prefixed = self._best([ref for name, ref in self._entries if name.startswith(key)])
            if len(prefixed) == 1:
                return SearchResult(prefixed[0], ())
            if prefixed:
                return SearchResult(None, tuple(prefixed[:limit]))
        return self._fuzzy(key, limit)

    def _fuzzy(self, key: str, limit: int) -> SearchResult:
        budget = 1 if len(key) <= 6 else 2
        scored: dict[PlaceRef, int] = {}
        for name, ref in self._entries:
            # Compare against the name and against its start of the same length, so a typo in
            # the beginning of a long name ("pohjos karj") still finds it.
            distance = min(
                _distance(key, name, budget),
                _distance(key, name[: len(key)], budget) + 1 if len(name) > len(key) + 2 else 99,
            )
            if distance <= budget and distance < scored.get(ref, 99):
                scored[ref] = distance
        if not scored:
            return SearchResult(None, ())
        ranked = sorted(scored, key=lambda r: (scored[r], _KIND_RANK[r.kind], r.code))
        best = [r for r in ranked if scored[r] == scored[ranked[0]]]
        best = self._best(best)
        if len(best) == 1:
            return SearchResult(best[0], tuple(r for r in ranked if r != best[0])[: limit - 1])
        return SearchResult(None, tuple(self._best(ranked))[:limit])
