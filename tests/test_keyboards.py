"""Callback data is encoded in one place and decoding never trusts or crashes on what a client
sends back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.keyboards import MAX_CALLBACK_BYTES, Callback, decode, encode


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


@given(st.text(max_size=100))
def test_decode_never_raises_and_stays_within_limits(data: str) -> None:
    decoded = decode(data)
    if decoded is not None:
        assert len(data.encode()) <= MAX_CALLBACK_BYTES
        assert encode(decoded.area, *decoded.parts) == data


@given(st.lists(st.from_regex(r"[A-Za-z0-9_-]{0,8}", fullmatch=True), max_size=5))
def test_encoded_parts_survive(parts: list[str]) -> None:
    data = encode("ann", *parts)
    assert decode(data) == Callback("ann", tuple(parts))
