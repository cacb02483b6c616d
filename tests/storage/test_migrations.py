"""Schema and migrations, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

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
