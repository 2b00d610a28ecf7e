"""The docs name real files: every project path written in backticks in README.md and docs/*.md
exists (a placeholder for a file still to be written is spelled with `<…>` and skipped)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# `bot/app.py`, `storage/migrations/0010_drafts.sql`, `handlers/events/` — the project's own
# folders, a file or a folder (trailing slash), nothing with a placeholder or a wildcard.
_PATH = re.compile(r"`((?:bot|handlers|storage|tests|bench|tools|docs|deploy|examples)/[\w./-]*)`")


def _paths(doc: Path) -> list[str]:
    return [p for p in _PATH.findall(doc.read_text("utf-8")) if "*" not in p]


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_path_the_docs_name_exists(doc: Path) -> None:
    missing = [p for p in _paths(doc) if not (ROOT / p.split(":")[0]).exists()]
    assert missing == [], f"{doc.name} names files that do not exist"


def test_the_walk_through_names_the_layers_it_walks_through() -> None:
    """The architecture walk-through points at a real template in every layer."""
    text = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    walk = text[text.index("## Adding a feature, end to end") :]
    named = set(_PATH.findall(walk))
    for layer in ("storage/migrations/", "storage/", "bot/", "handlers/", "tests/"):
        assert any(p.startswith(layer) for p in named), layer
