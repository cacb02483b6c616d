"""Lookup columns are bound to what they find: a swapped index opens nothing. SQLite, PostgreSQL.

Issue 13, item 8. Someone with write access to the database (not the keys) swaps, with raw
SQL, the readable column a row is found by: ``cases.resume_index``, ``cases.holder``,
``conversations.chat_key``, ``conversations.case_id``, ``mailbox.case_id``. None of them may let
one party reach another's data: the code and PIN of case A never open case B, B's mail never
reaches A, a chat never loads another chat's conversation nor its address.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from bot.conversation import Conversation, Mode
from bot.records import Mail
from bot.storage import connection
from bot.storage.connection import make_engine
from bot.storage.crypto import CryptoError
from bot.storage.database import migrate
from bot.storage.store import SqlRecords

from ..conftest import make_keyring, require
from ..databases import PostgresServer, sqlite_engine
from .test_records import ANSWERS, Clock


@pytest.fixture(name="sql", params=["sqlite", "postgresql"])
def _sql(
    request: pytest.FixtureRequest, tmp_path: Path, postgres: PostgresServer | None
) -> Iterator[SqlRecords]:
    if request.param == "sqlite":
        engine = sqlite_engine(tmp_path)
        yield SqlRecords(engine, make_keyring(), Clock())
        engine.dispose()
        return
    with require(postgres).database() as url:
        engine = make_engine(url)
        yield SqlRecords(engine, make_keyring(), Clock())
        engine.dispose()


def _swap(engine: Engine, table: str, column: str, first: int, second: int) -> None:
    """Swap one column's values between two rows, as raw SQL (unique columns included)."""
    with engine.begin() as connection:
        values = {
            row_id: connection.execute(
                text(f"SELECT {column} FROM {table} WHERE id = :id"),  # noqa: S608
                {"id": row_id},
            ).scalar()
            for row_id in (first, second)
        }
        steps = ((first, "swap-in-progress"), (second, values[first]), (first, values[second]))
        for row_id, value in steps:
            connection.execute(
                text(f"UPDATE {table} SET {column} = :v WHERE id = :id"),  # noqa: S608
                {"v": value, "id": row_id},
            )


def _row_id(engine: Engine, table: str, where: str, value: str) -> int:
    with engine.connect() as connection:
        found = connection.execute(
            text(f"SELECT id FROM {table} WHERE {where} = :v"),  # noqa: S608
            {"v": value},
        ).scalar_one()
    return int(found)


def _two_cases(sql: SqlRecords) -> tuple[str, str, str, str]:
    with sql.unit() as unit:
        first = unit.open_case("en", ANSWERS, "v1")
        second = unit.open_case("en", ANSWERS, "v1")
        code_a = unit.set_pin(first, "482915")
        code_b = unit.set_pin(second, "739164")
        unit.hold_case(first, "chat-a")
        unit.hold_case(second, "chat-b")
        unit.add_mail(second, Mail("for B only", None))
    return first, second, code_a, code_b


def test_a_swapped_resume_index_opens_nothing(sql: SqlRecords) -> None:
    first, second, code_a, code_b = _two_cases(sql)
    ids = [_row_id(sql.engine, "cases", "public_id", case) for case in (first, second)]
    _swap(sql.engine, "cases", "resume_index", *ids)
    key = sql.resume_key(code_a, "482915")  # outside any unit, as the service does
    with sql.unit() as unit:
        assert unit.find_case(code_a, "482915") is None  # A's code and PIN: not B
        assert unit.find_case(code_b, "739164") is None
        assert unit.case_by_resume_key(key) is None
    with sql.unit() as unit:
        assert unit.take_mail(second) == [Mail("for B only", None)]  # still B's, for B


def test_a_swapped_holder_holds_nothing(sql: SqlRecords) -> None:
    first, second, _, _ = _two_cases(sql)
    ids = [_row_id(sql.engine, "cases", "public_id", case) for case in (first, second)]
    _swap(sql.engine, "cases", "holder", *ids)
    with sql.unit() as unit:
        assert unit.held_cases("chat-a") == []  # chat A may not delete B without the PIN
        assert unit.held_cases("chat-b") == []
        assert unit.holder(first) is None
        assert unit.holder(second) is None


def test_a_moved_mail_row_never_reaches_the_other_case(sql: SqlRecords) -> None:
    first, second, _, _ = _two_cases(sql)
    first_id = _row_id(sql.engine, "cases", "public_id", first)
    with sql.engine.begin() as connection:
        connection.execute(text("UPDATE mailbox SET case_id = :a"), {"a": first_id})
    with pytest.raises(CryptoError), sql.unit() as unit:
        unit.take_mail(first)  # B's reply does not open as A's (sealed with B's key)
    with sql.unit() as unit:
        assert unit.take_mail(second) == []


def _two_conversations(sql: SqlRecords) -> str:
    with sql.unit() as unit:
        case = unit.open_case("vi", ANSWERS, "v1")
        unit.hold_case(case, "chat-a")
        unit.save_conversation("chat-a", Conversation("vi", mode=Mode.DESK, case=case), "111")
        unit.save_conversation("chat-b", Conversation("ja", scratch={"pin": "1"}), "222")
    return case


def test_a_swapped_chat_key_loads_no_other_conversation(sql: SqlRecords) -> None:
    case = _two_conversations(sql)
    ids = [_row_id(sql.engine, "conversations", "chat_key", c) for c in ("chat-a", "chat-b")]
    _swap(sql.engine, "conversations", "chat_key", *ids)
    with sql.unit() as unit:
        assert unit.conversation("chat-b") is None  # not A's answers, not A's case
        assert unit.conversation("chat-a") is None
        assert unit.address("chat-b") is None  # B's messages never go to A's chat
        assert unit.address("chat-a") is None
        assert unit.held_cases("chat-b") == []
        assert unit.held_cases("chat-a") == [case]  # it still holds its case (cases.holder)


def test_a_conversation_linked_to_another_case_by_hand_is_not_linked(sql: SqlRecords) -> None:
    _two_conversations(sql)
    with sql.unit() as unit:
        other = unit.open_case("ja", ANSWERS, "v1")
    other_id = _row_id(sql.engine, "cases", "public_id", other)
    with sql.engine.begin() as connection:
        connection.execute(
            text("UPDATE conversations SET case_id = :c WHERE chat_key = 'chat-b'"),
            {"c": other_id},
        )
    with sql.unit() as unit:
        assert unit.held_cases("chat-b") == []
        assert unit.conversation("chat-b") is None


def test_rows_bound_keep_working(sql: SqlRecords) -> None:
    first, second, code_a, _ = _two_cases(sql)
    case = _two_conversations(sql)
    with sql.unit() as unit:
        assert unit.find_case(code_a, "482915") == first
        assert unit.held_cases("chat-a") == [first, case]
        assert unit.held_cases("chat-b") == [second]
        found = unit.conversation("chat-a")
        assert found is not None and found.case == case
        assert unit.address("chat-b") == "222"
        assert unit.hold_case(case, "chat-b") == "chat-a"
    with sql.unit() as unit:
        moved = unit.conversation("chat-a")
        assert moved is not None and moved.case is None
        assert unit.held_cases("chat-b") == [second, case]


def test_rows_from_before_the_seal_are_sealed_once_by_the_migration(sql: SqlRecords) -> None:
    first, second, code_a, _ = _two_cases(sql)
    case = _two_conversations(sql)
    command.downgrade(connection.alembic_config(sql.engine), "0007")  # rows without a seal
    assert migrate(sql.engine, sql) == 5  # three cases, two conversations
    with sql.unit() as unit:
        assert unit.find_case(code_a, "482915") == first
        assert unit.held_cases("chat-a") == [first, case]
        assert unit.held_cases("chat-b") == [second]
        assert unit.address("chat-b") == "222"
    assert migrate(sql.engine, sql) == 0  # once only
    with sql.engine.begin() as raw:  # a seal gone missing later is not written again
        raw.execute(text("UPDATE cases SET bound = NULL"))
    assert migrate(sql.engine, sql) == 0
    with sql.unit() as unit:
        assert unit.find_case(code_a, "482915") is None


def test_an_upgrade_without_keys_leaves_the_seal_to_the_first_start_with_them(
    sql: SqlRecords,
) -> None:
    """``helpline db upgrade`` runs the migrations without the keys; nothing is lost by it."""
    first, _, code_a, _ = _two_cases(sql)
    config = connection.alembic_config(sql.engine)
    command.downgrade(config, "0007")
    connection.upgrade(sql.engine)  # as `helpline db upgrade` does: no keys, no seal
    assert inspect(sql.engine).has_table("lookups_unbound")
    assert migrate(sql.engine, sql) == 2  # the first start with the keys seals both cases
    assert not inspect(sql.engine).has_table("lookups_unbound")
    with sql.unit() as unit:
        assert unit.find_case(code_a, "482915") == first
