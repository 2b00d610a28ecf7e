"""Callback data is encoded in one place, decoding never trusts or crashes on what a client sends
back, signatures keep their bytes, and every callback area has exactly one owner."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot.app import handler_groups
from bot.core.callbacks import (
    AREAS,
    MAX_CALLBACK_BYTES,
    AreaClash,
    Callback,
    Registry,
    button,
    callback_key,
    decode,
    encode,
    sign,
    verify,
)
from bot.core.config import Config
from tests.harness import TOKEN

ROOT = Path(__file__).resolve().parent.parent
Handler = BaseHandler[Update, Any, Any]

# Encoding and decoding


def test_round_trip_and_parts() -> None:
    data = encode("sub", "m", "167")
    assert data == "sub:m:167"
    decoded = decode(data)
    assert decoded == Callback("sub", ("m", "167"))
    assert decoded.part(1) == "167"
    assert decoded.int_part(1) == 167
    assert decoded.part(5) is None
    assert decoded.int_part(0) is None


@pytest.mark.parametrize("bad", ["", "SUB:x", "sub:ä", "sub:a b", "x" * 65, "sub:1;DROP"])
def test_forged_data_is_rejected(bad: str) -> None:
    assert decode(bad) is None


def test_encode_refuses_what_telegram_would_refuse() -> None:
    with pytest.raises(ValueError, match="over 64 bytes"):
        encode("sub", "x" * 70)
    with pytest.raises(ValueError, match="bad callback part"):
        encode("sub", "a:b")
    with pytest.raises(ValueError, match="bad callback area"):
        button("x", "Sub")


@given(st.text(max_size=100))
def test_decode_never_raises_and_stays_within_limits(data: str) -> None:
    decoded = decode(data)
    if decoded is not None:
        assert len(data.encode()) <= MAX_CALLBACK_BYTES
        assert encode(decoded.area, *decoded.parts) == data


@given(st.binary(max_size=80))
def test_decode_of_arbitrary_bytes_never_raises(raw: bytes) -> None:
    # Telegram hands back whatever a modified client put in the button, decoded leniently.
    decode(raw.decode("utf-8", "surrogateescape"))


@given(st.lists(st.from_regex(r"[A-Za-z0-9_-]{0,8}", fullmatch=True), max_size=5))
def test_encoded_parts_survive(parts: list[str]) -> None:
    data = encode("ann", *parts)
    assert decode(data) == Callback("ann", tuple(parts))


# Signing


def test_signatures_keep_the_bytes_of_buttons_already_sent() -> None:
    key = callback_key("123:abc")
    assert sign(key, 42, -1001234567890) == "wCUAhdKMSz"
    assert sign(key, 7, 5) == "8KmmgTA6Wn"
    assert button("Tule", "rsvp", 42, "y", "wCUAhdKMSz").callback_data == "rsvp:42:y:wCUAhdKMSz"


def test_a_signature_holds_for_its_own_item_and_chat_only() -> None:
    key = callback_key("123:abc")
    good = sign(key, 42, 5)
    assert verify(key, 42, 5, good)
    assert not verify(key, 43, 5, good)
    assert not verify(key, 42, 6, good)
    assert not verify(callback_key("456:def"), 42, 5, good)
    assert not verify(key, 42, 5, None)


# The registry of areas


def test_a_second_owner_of_an_area_is_refused_by_name() -> None:
    registry = Registry()
    assert registry.claim("ann", "handlers.announcements") == "ann"
    assert registry.claim("ann", "handlers.announcements") == "ann"  # a reload is no clash
    with pytest.raises(AreaClash, match=r"'ann' is claimed by both handlers.announcements and x"):
        registry.claim("ann", "x")
    assert registry.owner("ann") == "handlers.announcements"
    with pytest.raises(ValueError, match="bad callback area"):
        registry.claim("Ann", "x")


def _flatten(handlers: Iterable[Handler]) -> Iterator[Handler]:
    for handler in handlers:
        if isinstance(handler, ConversationHandler):
            yield from _flatten(handler.entry_points)
            for state in handler.states.values():
                yield from _flatten(state)
            yield from _flatten(handler.fallbacks)
        else:
            yield handler


def _routed_areas() -> set[str]:
    """The area of every CallbackQueryHandler pattern the application routes."""
    areas = set()
    for _group, handlers in handler_groups(Config()):
        for handler in _flatten(handlers):
            if not isinstance(handler, CallbackQueryHandler) or handler.pattern is None:
                continue  # the catch-all for unknown buttons
            assert isinstance(handler.pattern, re.Pattern), handler.pattern
            found = re.match(r"\^([a-z][a-z0-9]*)(:|\(:\|\$\))", handler.pattern.pattern)
            assert found, f"pattern without a leading area: {handler.pattern.pattern}"
            areas.add(found.group(1))
    return areas


def test_every_routed_area_is_claimed_and_every_claim_routed() -> None:
    owners = AREAS.owners()
    assert _routed_areas() == set(owners)
    for area, owner in owners.items():
        module = sys.modules[owner]
        assert area in vars(module).values(), f"{owner} claims {area!r} but does not name it"


def _source_files() -> Iterator[Path]:
    for top in ("bot", "handlers"):
        yield from (p for p in (ROOT / top).rglob("*.py") if "sandbox" not in p.parts)


def test_areas_are_only_defined_by_claiming_them() -> None:
    """No `AREA = "x"` beside the registry, and no area literal in a button that nobody claims."""
    owners = AREAS.owners()
    for path in _source_files():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                assert not any(n.startswith("AREA") for n in names), f"{path}:{node.lineno}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                index = {"button": 1, "encode": 0, "pattern": 0}.get(node.func.id)
                if index is None or len(node.args) <= index:
                    continue
                area = node.args[index]
                if isinstance(area, ast.Constant) and isinstance(area.value, str):
                    assert area.value in owners, f"unclaimed area at {path}:{node.lineno}"


_START_UP = """
import sys
from dataclasses import replace
from bot.core.callbacks import claim
from bot.core.config import Config
if sys.argv[1] == "clash":
    claim("rsvp", "an.intruding.feature")
from bot.app import build_application
config = Config(telegram=replace(Config().telegram, token=sys.argv[2]))
build_application(config)
print("built")
"""


@pytest.mark.parametrize("case", ["clash", "control"])
def test_start_up_fails_when_a_feature_claims_a_taken_area(case: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _START_UP, case, TOKEN],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if case == "control":
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "built"
    else:
        assert result.returncode != 0
        assert (
            "AreaClash: callback area 'rsvp' is claimed by both an.intruding.feature and "
            "bot.events.cards"
        ) in result.stderr
