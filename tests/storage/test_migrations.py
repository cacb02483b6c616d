"""Schema and migrations, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from bot.storage import connection
from bot.storage.models import Base

from ..conftest import require
from ..databases import PostgresServer


def test_the_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as link:
        diff = compare_metadata(MigrationContext.configure(link), Base.metadata)
    assert diff == []
    assert not connection.pending_migrations(engine)


@pytest.fixture(name="empty_url", params=["sqlite", "postgresql"])
def _empty_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres: PostgresServer | None
) -> Iterator[str]:
    """An empty database, never migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    with require(postgres).database(migrated=False) as url:
        yield url


def test_the_migrations_go_down_and_up_again(empty_url: str) -> None:
    engine = connection.make_engine(empty_url)
    assert connection.pending_migrations(engine)
    connection.upgrade(engine)
    assert not connection.pending_migrations(engine)
    command.downgrade(connection.alembic_config(engine), "base")
    assert inspect(engine).get_table_names() == ["alembic_version"]
    connection.upgrade(engine)
    assert set(inspect(engine).get_table_names()) == {
        "alembic_version",
        *(table.name for table in Base.metadata.sorted_tables),
    }
    engine.dispose()


def test_the_data_keys_move_out_of_their_rows_and_nothing_else_is_lost(empty_url: str) -> None:
    """Migration 0007 copies every wrapped key to its own table; consents and mail stay."""
    engine = connection.make_engine(empty_url)
    config = connection.alembic_config(engine)
    command.upgrade(config, "0004")
    moment = datetime(2026, 11, 27, 3, tzinfo=UTC)
    with engine.begin() as link:
        for statement in (
            "INSERT INTO cases (id, public_id, status, lang, dek, created_at, last_activity_at,"
            " urgent, reply_mode) VALUES (1, 'C-AAAAAA', 'open', 'vi', :k, :t, :t, :u, 'here')",
            "INSERT INTO consents (id, case_id, text_version, given_at) VALUES (1, 1, 'v1', :t)",
            "INSERT INTO mailbox (id, case_id, payload, created_at) VALUES (1, 1, :k, :t)",
        ):
            link.execute(text(statement), {"k": b"wrapped-case", "t": moment, "u": False})
    command.upgrade(config, "head")
    with engine.connect() as link:
        keys = link.exec_driver_sql("SELECT case_id, dek FROM case_keys").all()
        consents = link.exec_driver_sql("SELECT count(*) FROM consents").scalar()
        mail = link.exec_driver_sql("SELECT count(*) FROM mailbox").scalar()
    assert [(case, bytes(dek)) for case, dek in keys] == [(1, b"wrapped-case")]
    assert consents == 1 and mail == 1
    assert "dek" not in {column["name"] for column in inspect(engine).get_columns("cases")}
    engine.dispose()
