"""Developer tool for the translation catalogs.

    python tools/messages.py check          # list msgids missing from, or unused in, any catalog
    python tools/messages.py add AREA FILE  # add entries from a JSON file {msgid: {fi, sv, en}}

Catalogs: bot/core/locales/<lang>/LC_MESSAGES/<area>.po. Source strings are English msgids marked
with
`_()`, `n_()` (singular, plural) or `N_()` in bot/ and handlers/.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "bot" / "core" / "locales"
LANGUAGES = ("fi", "sv", "en")
KEYWORDS = {"_": None, "N_": None, "n_": (1, 2)}


def extract() -> dict[str | tuple[str, str], list[str]]:
    found: dict[str | tuple[str, str], list[str]] = {}
    for package in ("bot", "handlers"):
        for filename, lineno, message, _comments, _ctx in extract_from_dir(
            ROOT / package,
            method_map=[("sandbox/**.py", "ignore"), ("**.py", "python")],
            keywords=KEYWORDS,
        ):
            key = message if isinstance(message, str) else (message[0], message[1])
            found.setdefault(key, []).append(f"{package}/{filename}:{lineno}")
    return found


def catalogs(language: str) -> dict[str, Catalog]:
    result = {}
    for path in sorted((LOCALES / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fh:
            result[path.stem] = read_po(fh, locale=language)
    return result


def check() -> int:
    used = extract()
    used_ids = {k if isinstance(k, str) else k[0] for k in used}
    problems = 0
    for language in LANGUAGES:
        known: dict[str, object] = {}
        for catalog in catalogs(language).values():
            for message in catalog:
                if message.id:
                    known[message.id if isinstance(message.id, str) else message.id[0]] = message
        for msgid in sorted(used_ids - set(known)):
            print(f"{language}: missing {msgid!r} ({used.get(msgid) or ''})")
            problems += 1
        for msgid in sorted(set(known) - used_ids):
            print(f"{language}: unused {msgid!r}")
            problems += 1
    return 1 if problems else 0


def add(area: str, source: Path) -> int:
    entries: dict[str, dict[str, object]] = json.loads(source.read_text("utf-8"))
    for language in LANGUAGES:
        path = LOCALES / language / "LC_MESSAGES" / f"{area}.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=language)
        else:
            catalog = Catalog(
                locale=language,
                project="jarjestobotti",
                version="1",
                domain=area,
                copyright_holder="the Järjestöbotti developers",
                msgid_bugs_address="",
                last_translator="the Järjestöbotti developers",
                language_team=f"{language} <none>",
                fuzzy=False,
            )
        for msgid, translations in entries.items():
            value = translations[language]
            if isinstance(value, list):  # plural: [singular msgid's plural, forms...]
                plural_id = str(translations["plural"])
                catalog.add((msgid, plural_id), tuple(value))
            else:
                catalog.add(msgid, str(value))
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False, sort_output=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["check"]:
        sys.exit(check())
    if sys.argv[1:2] == ["add"] and len(sys.argv) == 4:
        sys.exit(add(sys.argv[2], Path(sys.argv[3])))
    print(__doc__)
    sys.exit(2)
