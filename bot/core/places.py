"""Finland's municipalities, regions (maakunnat) and wellbeing services counties.

The data ships with the package (`bot/core/data/municipalities_fi.csv`, Statistics Finland, CC BY
4.0;
see `bot/core/data/README.md`). Merged-away municipalities are listed in
`bot/core/data/municipality_successors.csv` so their subscribers can be moved to the successor.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = [
    "Municipality",
    "PlaceCatalog",
    "Region",
    "WellbeingCounty",
    "finnish_sort_key",
    "load_catalog",
]

HEADER = [
    "code",
    "name_fi",
    "name_sv",
    "region_code",
    "region_fi",
    "region_sv",
    "wellbeing_county_fi",
]
SUCCESSOR_HEADER = ["old_code", "new_code", "valid_from"]

# Swedish names of the wellbeing services counties (and of Helsinki and Åland, which organise
# these services themselves but appear in the source with these values).
_COUNTY_SV = {
    "Ahvenanmaa": "Åland",
    "Etelä-Karjalan hyvinvointialue": "Södra Karelens välfärdsområde",
    "Etelä-Pohjanmaan hyvinvointialue": "Södra Österbottens välfärdsområde",
    "Etelä-Savon hyvinvointialue": "Södra Savolax välfärdsområde",
    "Helsingin kaupunki": "Helsingfors stad",
    "Itä-Uudenmaan hyvinvointialue": "Östra Nylands välfärdsområde",
    "Kainuun hyvinvointialue": "Kajanalands välfärdsområde",
    "Kanta-Hämeen hyvinvointialue": "Egentliga Tavastlands välfärdsområde",
    "Keski-Pohjanmaan hyvinvointialue": "Mellersta Österbottens välfärdsområde",
    "Keski-Suomen hyvinvointialue": "Mellersta Finlands välfärdsområde",
    "Keski-Uudenmaan hyvinvointialue": "Mellersta Nylands välfärdsområde",
    "Kymenlaakson hyvinvointialue": "Kymmenedalens välfärdsområde",
    "Lapin hyvinvointialue": "Lapplands välfärdsområde",
    "Länsi-Uudenmaan hyvinvointialue": "Västra Nylands välfärdsområde",
    "Pirkanmaan hyvinvointialue": "Birkalands välfärdsområde",
    "Pohjanmaan hyvinvointialue": "Österbottens välfärdsområde",
    "Pohjois-Karjalan hyvinvointialue": "Norra Karelens välfärdsområde",
    "Pohjois-Pohjanmaan hyvinvointialue": "Norra Österbottens välfärdsområde",
    "Pohjois-Savon hyvinvointialue": "Norra Savolax välfärdsområde",
    "Päijät-Hämeen hyvinvointialue": "Päijänne-Tavastlands välfärdsområde",
    "Satakunnan hyvinvointialue": "Satakunta välfärdsområde",
    "Vantaan ja Keravan hyvinvointialue": "Vanda och Kervo välfärdsområde",
    "Varsinais-Suomen hyvinvointialue": "Egentliga Finlands välfärdsområde",
}
# Stable ids; the genitive names do not reduce to a slug mechanically ("Pohjois-Karjalan" →
# "pohjois-karjala"), so they are listed.
_COUNTY_ID = {
    "Ahvenanmaa": "ahvenanmaa",
    "Etelä-Karjalan hyvinvointialue": "etela-karjala",
    "Etelä-Pohjanmaan hyvinvointialue": "etela-pohjanmaa",
    "Etelä-Savon hyvinvointialue": "etela-savo",
    "Helsingin kaupunki": "helsinki",
    "Itä-Uudenmaan hyvinvointialue": "ita-uusimaa",
    "Kainuun hyvinvointialue": "kainuu",
    "Kanta-Hämeen hyvinvointialue": "kanta-hame",
    "Keski-Pohjanmaan hyvinvointialue": "keski-pohjanmaa",
    "Keski-Suomen hyvinvointialue": "keski-suomi",
    "Keski-Uudenmaan hyvinvointialue": "keski-uusimaa",
    "Kymenlaakson hyvinvointialue": "kymenlaakso",
    "Lapin hyvinvointialue": "lappi",
    "Länsi-Uudenmaan hyvinvointialue": "lansi-uusimaa",
    "Pirkanmaan hyvinvointialue": "pirkanmaa",
    "Pohjanmaan hyvinvointialue": "pohjanmaa",
    "Pohjois-Karjalan hyvinvointialue": "pohjois-karjala",
    "Pohjois-Pohjanmaan hyvinvointialue": "pohjois-pohjanmaa",
    "Pohjois-Savon hyvinvointialue": "pohjois-savo",
    "Päijät-Hämeen hyvinvointialue": "paijat-hame",
    "Satakunnan hyvinvointialue": "satakunta",
    "Vantaan ja Keravan hyvinvointialue": "vantaa-kerava",
    "Varsinais-Suomen hyvinvointialue": "varsinais-suomi",
}
_ALPHABET = "abcdefghijklmnopqrstuvwxyzåäö"


def finnish_sort_key(name: str) -> tuple[int, ...]:
    """Finnish/Swedish alphabetical order: … x, y, z, å, ä, ö (w = v, ü = y as in Finnish)."""
    folded = name.casefold().replace("w", "v").replace("ü", "y").replace("é", "e")
    return tuple(
        _ALPHABET.index(ch) + 10 if ch in _ALPHABET else (0 if ch in " -" else ord(ch) + 100)
        for ch in folded
    )


@dataclass(frozen=True, slots=True)
class Municipality:
    code: str
    name_fi: str
    name_sv: str
    region_code: str
    county_id: str

    def name(self, language: str) -> str:
        return self.name_sv if language == "sv" else self.name_fi


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name_fi: str
    name_sv: str

    def name(self, language: str) -> str:
        return self.name_sv if language == "sv" else self.name_fi


@dataclass(frozen=True, slots=True)
class WellbeingCounty:
    id: str
    name_fi: str
    name_sv: str

    def name(self, language: str) -> str:
        return self.name_sv if language == "sv" else self.name_fi


class PlaceCatalog:
    """Lookups over the classification; built once, shared read-only."""

    def __init__(
        self,
        municipalities: Iterable[Municipality],
        regions: Iterable[Region],
        counties: Iterable[WellbeingCounty],
        successors: dict[str, str] | None = None,
    ) -> None:
        self.municipalities: tuple[Municipality, ...] = tuple(
            sorted(municipalities, key=lambda m: finnish_sort_key(m.name_fi))
        )
        self.regions: tuple[Region, ...] = tuple(sorted(regions, key=lambda r: r.code))
        self.counties: tuple[WellbeingCounty, ...] = tuple(
            sorted(counties, key=lambda c: finnish_sort_key(c.name_fi))
        )
        self._municipality = {m.code: m for m in self.municipalities}
        self._region = {r.code: r for r in self.regions}
        self._county = {c.id: c for c in self.counties}
        self._successors = dict(successors or {})
        self._in_region: dict[str, tuple[Municipality, ...]] = {}
        self._in_county: dict[str, tuple[Municipality, ...]] = {}
        for m in self.municipalities:
            self._in_region[m.region_code] = (*self._in_region.get(m.region_code, ()), m)
            self._in_county[m.county_id] = (*self._in_county.get(m.county_id, ()), m)

    def municipality(self, code: str) -> Municipality | None:
        return self._municipality.get(code)

    def region(self, code: str) -> Region | None:
        return self._region.get(code)

    def county(self, county_id: str) -> WellbeingCounty | None:
        return self._county.get(county_id)

    def municipalities_in_region(self, code: str) -> tuple[Municipality, ...]:
        return self._in_region.get(code, ())

    def municipalities_in_county(self, county_id: str) -> tuple[Municipality, ...]:
        return self._in_county.get(county_id, ())

    def regions_sorted(self, language: str) -> list[Region]:
        return sorted(self.regions, key=lambda r: finnish_sort_key(r.name(language)))

    def successor(self, code: str) -> str | None:
        """The current municipality a retired code now belongs to (following chains)."""
        seen = {code}
        current = self._successors.get(code)
        while current is not None and current in self._successors:
            if current in seen:
                raise ValueError(f"successor cycle at municipality {current}")
            seen.add(current)
            current = self._successors[current]
        return current

    def retired(self) -> dict[str, str]:
        """Every retired code with its final successor."""
        result: dict[str, str] = {}
        for code in self._successors:
            final = self.successor(code)
            if final is not None:
                result[code] = final
        return result


def _error(source: str, line: int, problem: str) -> ValueError:
    return ValueError(f"{source}, line {line}: {problem}")


def parse_catalog(
    text: str, successors_text: str = "", source: str = "municipalities"
) -> PlaceCatalog:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header != HEADER:
        raise _error(source, 1, f"expected header {','.join(HEADER)}")
    municipalities: list[Municipality] = []
    regions: dict[str, Region] = {}
    counties: dict[str, WellbeingCounty] = {}
    for line, row in enumerate(reader, start=2):
        if len(row) != len(HEADER):
            raise _error(source, line, f"expected {len(HEADER)} columns, found {len(row)}")
        code, name_fi, name_sv, region_code, region_fi, region_sv, county_fi = (
            v.strip() for v in row
        )
        if not re.fullmatch(r"\d{3}", code):
            raise _error(source, line, f"municipality code {code!r} is not 3 digits")
        if not re.fullmatch(r"\d{2}", region_code):
            raise _error(source, line, f"region code {region_code!r} is not 2 digits")
        if not name_fi or not county_fi:
            raise _error(source, line, "a name is missing")
        county_id = _COUNTY_ID.get(county_fi) or re.sub(r"[^a-z0-9]+", "-", county_fi.lower())
        municipalities.append(
            Municipality(code, name_fi, name_sv or name_fi, region_code, county_id)
        )
        regions.setdefault(region_code, Region(region_code, region_fi, region_sv or region_fi))
        counties.setdefault(
            county_id, WellbeingCounty(county_id, county_fi, _COUNTY_SV.get(county_fi, county_fi))
        )
    if len({m.code for m in municipalities}) != len(municipalities):
        raise ValueError(f"{source}: duplicate municipality codes")
    return PlaceCatalog(
        municipalities, regions.values(), counties.values(), _parse_successors(successors_text)
    )


def _parse_successors(text: str) -> dict[str, str]:
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        return {}
    reader = csv.reader(lines)
    if next(reader) != SUCCESSOR_HEADER:
        raise ValueError(f"successors: expected header {','.join(SUCCESSOR_HEADER)}")
    successors: dict[str, str] = {}
    for row in reader:
        if len(row) != 3 or not all(re.fullmatch(r"\d{3}", v) for v in row[:2]):
            raise ValueError(f"successors: bad row {','.join(row)}")
        successors[row[0]] = row[1]
    return successors


def load_catalog(path: Path | None = None, successors: Path | None = None) -> PlaceCatalog:
    """The packaged classification (cached), or one read from the given files."""
    if path is None and successors is None:
        return _packaged()
    text = path.read_text("utf-8") if path else _data("municipalities_fi.csv")
    succ = successors.read_text("utf-8") if successors else _data("municipality_successors.csv")
    return parse_catalog(text, succ, str(path or "municipalities_fi.csv"))


def _data(name: str) -> str:
    return resources.files("bot.core").joinpath("data", name).read_text("utf-8")


@functools.cache
def _packaged() -> PlaceCatalog:
    return parse_catalog(
        _data("municipalities_fi.csv"),
        _data("municipality_successors.csv"),
        "municipalities_fi.csv",
    )
