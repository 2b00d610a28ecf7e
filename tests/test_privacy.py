"""Privacy building blocks: the [privacy] config, the retention calendar, the signed /forget
buttons, the registry (every table with personal data is covered; a feature's section is used by
/mydata and /forget), and the JSON helpers."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.config import ConfigError, load_config, parse_config
from bot.privacy import service
from storage import privacy, privacy_registry
from storage.db import Database, Writer

HELSINKI = ZoneInfo("Europe/Helsinki")
KEY = b"k" * 32
ROOT = Path(__file__).resolve().parents[1]


def _ts(year: int, month: int, day: int, hour: int, minute: int) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=HELSINKI).timestamp())


def test_retention_months_config() -> None:
    assert parse_config({}).privacy.retention_months == 24
    assert parse_config({"privacy": {"retention_months": 120}}).privacy.retention_months == 120
    assert load_config(ROOT / "config.example.toml").privacy.retention_months == 24
    for bad in (0, -1, 121, "24", True, 2.5):
        with pytest.raises(ConfigError, match=r"privacy\.retention_months"):
            parse_config({"privacy": {"retention_months": bad}})
    with pytest.raises(ConfigError, match=r"privacy\.months"):
        parse_config({"privacy": {"months": 3}})


def test_retention_cutoff_counts_calendar_months() -> None:
    assert service.retention_cutoff(_ts(2029, 3, 15, 10, 0), 24, HELSINKI) == _ts(
        2027, 3, 15, 10, 0
    )
    # The 31st of a shorter month, and a leap day, fall back to the month's last day.
    assert service.retention_cutoff(_ts(2027, 3, 31, 12, 0), 1, HELSINKI) == _ts(2027, 2, 28, 12, 0)
    assert service.retention_cutoff(_ts(2029, 2, 28, 12, 0), 12, HELSINKI) == _ts(
        2028, 2, 28, 12, 0
    )
    assert service.retention_cutoff(_ts(2028, 2, 29, 12, 0), 12, HELSINKI) == _ts(
        2027, 2, 28, 12, 0
    )
    assert service.retention_cutoff(_ts(2027, 1, 10, 12, 0), 1, HELSINKI) == _ts(
        2026, 12, 10, 12, 0
    )


def test_next_retention_time_is_the_next_0330_local() -> None:
    assert service.next_retention_time(_ts(2026, 11, 25, 12, 0), HELSINKI) == _ts(
        2026, 11, 26, 3, 30
    )
    assert service.next_retention_time(_ts(2026, 11, 26, 3, 29), HELSINKI) == _ts(
        2026, 11, 26, 3, 30
    )
    assert service.next_retention_time(_ts(2026, 11, 26, 3, 30), HELSINKI) == _ts(
        2026, 11, 27, 3, 30
    )
    # 03:30 does not exist on the spring-forward night (03:00 → 04:00): it runs at 04:30 then,
    # once, and the next day at 03:30 again.
    spring = service.next_retention_time(_ts(2027, 3, 27, 12, 0), HELSINKI)
    assert datetime.fromtimestamp(spring, HELSINKI).strftime("%d %H:%M") == "28 04:30"
    after = service.next_retention_time(spring, HELSINKI)
    assert datetime.fromtimestamp(after, HELSINKI).strftime("%d %H:%M") == "29 03:30"
    assert after - spring == 23 * 3600


def test_confirmation_is_bound_to_person_chat_and_time() -> None:
    now = 1_800_000_000
    parts = service.confirmation_data(KEY, "yes", 42, 42, now)
    assert service.check_confirmation(KEY, parts, tapper=42, chat_id=42, now=now + 60) == (
        "yes",
        None,
    )
    assert service.check_confirmation(KEY, parts, tapper=7, chat_id=42, now=now)[1] == "not_yours"
    assert service.check_confirmation(KEY, parts, tapper=42, chat_id=7, now=now)[1] == "forged"
    late = now + service.CONFIRM_TTL + 1
    assert service.check_confirmation(KEY, parts, tapper=42, chat_id=42, now=late)[1] == "expired"
    # "no" signed, rewritten to "yes"; another key; a changed time.
    no = service.confirmation_data(KEY, "no", 42, 42, now)
    assert service.check_confirmation(KEY, ("yes", *no[1:]), tapper=42, chat_id=42, now=now)[1] == (
        "forged"
    )
    assert service.check_confirmation(b"x" * 32, parts, tapper=42, chat_id=42, now=now)[1] == (
        "forged"
    )
    moved = (parts[0], parts[1], str(now + 600), parts[3])
    assert service.check_confirmation(KEY, moved, tapper=42, chat_id=42, now=now + 600)[1] == (
        "forged"
    )
    assert len(":".join(("prv", *service.confirmation_data(KEY, "yes", 2**52, -(10**13), now))))
    assert len(":".join(("prv", *parts)).encode()) <= 64


@given(st.lists(st.text(max_size=20), max_size=6))
def test_garbage_confirmations_are_refused(parts: list[str]) -> None:
    _action, problem = service.check_confirmation(
        KEY, tuple(parts), tapper=42, chat_id=42, now=1_800_000_000
    )
    assert problem is not None


def test_pseudonyms_are_below_every_telegram_id() -> None:
    seen = {privacy.new_pseudonym() for _ in range(1000)}
    assert len(seen) == 1000
    assert all(privacy.is_pseudonym(p) and p >= -(2**63) for p in seen)
    assert not privacy.is_pseudonym(-1_002_000_000_000)  # a supergroup
    assert not privacy.is_pseudonym(2**52)  # the largest user ids


async def _tables(tmp_path: Path) -> dict[str, list[str]]:
    db = await Database.open(tmp_path / "schema.sqlite3")
    try:
        names = [
            r[0]
            for r in await db.fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            name: [c[1] for c in await db.fetchall(f"PRAGMA table_info({name})")] for name in names
        }
    finally:
        await db.close()


async def test_every_table_is_covered_by_a_section(tmp_path: Path) -> None:
    """A new table must be declared: by a Section (export/forget/retain, or none for tables
    without personal data) or in NO_PERSONAL_DATA. Fails until a feature registers its tables."""
    import bot.app  # noqa: F401 - imports every feature module, so their sections register

    tables = await _tables(tmp_path)
    covered = {t for s in privacy.sections() for t in s.tables} | privacy.NO_PERSONAL_DATA
    missing = sorted(set(tables) - covered)
    assert missing == [], f"tables no privacy Section covers: {missing}"
    unknown = sorted(covered - set(tables))
    assert unknown == [], f"sections name tables that do not exist: {unknown}"
    # Tables holding a person's id directly are exported and erased.
    personal = {"users", "rsvps", "feedback", "roles", "coordinator_invites", "chats"}
    exported = {t for s in privacy.sections() if s.export for t in s.tables}
    assert personal <= exported


async def test_a_features_section_is_exported_and_forgotten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3", clock=lambda: 1_800_000_000)
    try:
        await db.execute("CREATE TABLE stars (user_id INTEGER, ref INTEGER, created_at INTEGER)")
        await db.execute("INSERT INTO stars VALUES (42, 1, 1800000000), (7, 1, 1800000000)")
        await db.execute(
            "INSERT INTO users (id, first_name, created_at, updated_at) VALUES (42, 'Liisa', 1, 1)"
        )

        async def export(db: Database, user_id: int) -> object:
            return await privacy.rows(
                db, "SELECT ref, created_at FROM stars WHERE user_id = ?", (user_id,)
            )

        async def forget(tx: Writer, person: privacy.Person) -> None:
            await tx.execute(
                "UPDATE stars SET user_id = ? WHERE user_id = ?",
                (person.pseudonym("stars"), person.user_id),
            )
            assert person.pseudonym("stars") == person.pseudonym("stars")

        section = privacy.Section("stars", ("stars",), export=export, forget=forget)
        monkeypatch.setitem(privacy_registry._SECTIONS, "stars", section)  # what register() does
        document = await privacy.export(db, 42)
        assert document["stars"] == [{"ref": 1, "created_at": "2027-01-15T08:00:00Z"}]
        assert document["user"] == {
            "id": 42,
            "first_name": "Liisa",
            "last_name": None,
            "username": None,
            "language_code": None,
            "language": None,
            "created_at": "1970-01-01T00:00:01Z",
            "updated_at": "1970-01-01T00:00:01Z",
        }
        json.loads(privacy.dumps(document))
        async with db.transaction() as tx:
            await privacy.forget(tx, 42, db.now())
        left = [r[0] for r in await db.fetchall("SELECT user_id FROM stars ORDER BY user_id")]
        assert len(left) == 2 and privacy.is_pseudonym(left[0]) and left[1] == 7
        assert await db.fetchval("SELECT count(*) FROM users") == 0
    finally:
        await db.close()


def test_privacy_text_mentions_the_configured_period() -> None:
    from bot.core.i18n import Translator

    translator = Translator("fi", HELSINKI)
    for texts in translator.all():
        text = service.privacy_text(texts, 18)
        assert "18" in text and "/mydata" in text and "/forget" in text
