"""Sealed tallies: nothing in the raw table says what a count counts or how many, on SQLite
and PostgreSQL; the counts written in clear before are sealed by the migration with the report
unchanged; two units counting at once lose nothing; key rotation covers the tallies' keys."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session

from bot.reports.report import make_report, to_markdown
from bot.storage import connection
from bot.storage.counts import read_tallies
from bot.storage.crypto import CryptoError, Keyring
from bot.storage.database import migrate
from bot.storage.maintenance import master_keys_in_use, rotate
from bot.storage.models import TallyRow
from bot.storage.store import SqlRecords
from bot.values import Prefecture

from ..conftest import make_keyring

NOW = datetime(2026, 3, 5, tzinfo=UTC)
CANARY = "tottori"


def raw_text(engine: Engine) -> set[str]:
    """Every value of every ``tallies`` row as the database holds it, as text."""
    with engine.connect() as link:
        rows = link.execute(text("SELECT * FROM tallies")).all()
    return {
        bytes(value).decode("latin-1") if isinstance(value, bytes | memoryview) else str(value)
        for row in rows
        for value in row
    }


def _open_one(records: SqlRecords, prefecture: str, closed: bool = True) -> None:
    with records.unit() as unit:
        public = unit.open_case("vi", {"wages.prefecture": Prefecture(prefecture)}, "v1")
        unit.set_desk(public, "wages", urgent=False)
        if closed:
            unit.close_case(public)


def test_the_raw_table_shows_no_dimension_no_value_and_no_count(engine: Engine) -> None:
    records = SqlRecords(engine, make_keyring(), lambda: NOW)
    for _ in range(7):
        _open_one(records, CANARY)
    assert (
        read_tallies(engine, records.keyring, "2026-03", "2026-03")[
            ("prefecture", CANARY, "2026-03")
        ]
        == 7
    )
    columns = {c["name"]: c["type"] for c in inspect(engine).get_columns("tallies")}
    assert set(columns) == {"id", "lookup", "dek", "sealed"}  # no count column, no labels
    held = " ".join(raw_text(engine))
    for word in (CANARY, "prefecture", "wages", "2026-03", "language", "vi|"):
        assert word not in held
    if engine.dialect.name == "sqlite":  # nor anywhere in the file or its log
        path = engine.url.database
        assert path is not None
        for suffix in ("", "-wal"):
            assert CANARY.encode() not in Path(path + suffix).read_bytes()


def test_a_moved_tally_is_refused(engine: Engine) -> None:
    records = SqlRecords(engine, make_keyring(), lambda: NOW)
    _open_one(records, CANARY)
    _open_one(records, "aichi")
    mine = records.keyring.pseudonym("tally", f"2026-03|prefecture|{CANARY}")
    other = records.keyring.pseudonym("tally", "2026-03|prefecture|aichi")
    with engine.begin() as raw:  # swap the lookups of the two prefectures' rows
        raw.execute(text("UPDATE tallies SET lookup = 'x' WHERE lookup = :a"), {"a": mine})
        raw.execute(
            text("UPDATE tallies SET lookup = :a WHERE lookup = :b"), {"a": mine, "b": other}
        )
        raw.execute(text("UPDATE tallies SET lookup = :b WHERE lookup = 'x'"), {"b": other})
    with pytest.raises(CryptoError):
        _open_one(records, CANARY)
    counts = read_tallies(engine, records.keyring, "2026-03", "2026-03")
    assert counts["prefecture", CANARY, "2026-03"] == 1  # nothing counted into the wrong row


def test_counts_from_before_are_sealed_and_the_report_is_unchanged(engine: Engine) -> None:
    clear = Counter(
        {
            ("cases", "all", "2026-01"): 40,
            ("prefecture", CANARY, "2026-01"): 3,
            ("prefecture", "aichi", "2026-01"): 9,
            ("prefecture", "aichi", "2026-02"): 12,
            ("language", "vi", "2026-02"): 30,
            ("finding", "below_minimum", "2026-02"): 6,
        }
    )
    config = connection.alembic_config(engine)
    command.downgrade(config, "0008")
    with engine.begin() as raw:
        for (dimension, value, month), count in clear.items():
            raw.execute(
                text(
                    "INSERT INTO tallies (month, dimension, value, count) VALUES (:m, :d, :v, :c)"
                ),
                {"m": month, "d": dimension, "v": value, "c": count},
            )
    command.upgrade(config, "head")  # as ``helpline db upgrade`` would, without the keys
    assert inspect(engine).has_table("tallies_clear")
    records = SqlRecords(engine, make_keyring(), lambda: NOW)
    migrate(engine, records)  # the next start with the keys seals them
    assert not inspect(engine).has_table("tallies_clear")
    assert CANARY not in " ".join(raw_text(engine))
    counted = read_tallies(engine, records.keyring, "2026-01", "2026-02")
    assert counted == dict(clear)
    assert _report(counted) == _report(dict(clear))
    _open_one(records, "aichi")  # and counting goes on into the sealed rows
    assert (
        read_tallies(engine, records.keyring, "2026-03", "2026-03")[
            ("prefecture", "aichi", "2026-03")
        ]
        == 1
    )


def _report(counts: dict[tuple[str, str, str], int]) -> str:
    return to_markdown(
        make_report(
            counts,
            start=date(2026, 1, 1),
            end=date(2026, 2, 28),
            made=date(2026, 3, 1),
            open_now=0,
            lang="en",
            prefecture_name=lambda pref: pref.title(),
        )
    )


def test_two_units_counting_the_same_tally_at_once_lose_nothing(engine: Engine) -> None:
    keyring = make_keyring()
    each = 15
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def count() -> None:
        records = SqlRecords(engine, keyring, lambda: NOW)
        start.wait()
        try:
            for _ in range(each):
                with records.unit() as unit:
                    unit.count_completed("wages", "vi")
                    unit.count_routed("documents")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=count) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    counts = read_tallies(engine, keyring, "2026-03", "2026-03")
    assert counts == {
        ("completed", "wages", "2026-03"): 2 * each,
        ("completed_language", "vi", "2026-03"): 2 * each,
        ("routed", "documents", "2026-03"): 2 * each,  # a topic, never what was typed
    }


def test_rotation_rewraps_the_tallies_keys(engine: Engine) -> None:
    old = make_keyring("k1")
    _open_one(SqlRecords(engine, old, lambda: NOW), CANARY)
    with Session(engine) as session:
        rows = len(session.scalars(select(TallyRow)).all())
    assert master_keys_in_use(engine) == {"k1"}
    new = Keyring({"k2": bytes(32), **old.masters}, "k2", bytes(32))
    assert rotate(engine, new) >= rows
    assert master_keys_in_use(engine) == {"k2"}
    only_new = Keyring({"k2": bytes(32)}, "k2", bytes(32))
    assert (
        read_tallies(engine, only_new, "2026-03", "2026-03")["prefecture", CANARY, "2026-03"] == 1
    )
