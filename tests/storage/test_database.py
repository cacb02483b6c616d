"""The database itself: SQLite's settings and file modes, URLs, errors, and times in any zone."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.conversation import Conversation
from bot.storage import connection, open_database
from bot.storage.models import ConversationRow
from bot.storage.store import SqlRecords
from bot.telegram_adapter.jobs import beat

from ..conftest import TEST_KDF, make_keyring
from .helpers import NOW


def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = connection.make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as link:
        pragma = lambda name: link.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == connection.BUSY_TIMEOUT_MS
        assert pragma("secure_delete") == 1


def test_postgres_urls_are_taken_as_written() -> None:
    assert connection.normalise_url("postgresql://u@h/d").startswith("postgresql+psycopg://")
    assert connection.normalise_url("postgres://u@h/d").startswith("postgresql+psycopg://")
    assert connection.normalise_url("sqlite:///x") == "sqlite:///x"


def test_an_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    engine = connection.make_engine(f"postgresql://nobody@/none?host={tmp_path}&port=1")
    with pytest.raises(connection.DatabaseError, match="HELPLINE_DATABASE_URL") as caught:
        connection.upgrade(engine)
    assert str(tmp_path) not in str(caught.value)


def test_the_sqlite_file_and_its_wal_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    engine = connection.make_engine(f"sqlite:///{tmp_path / 'data' / 'helpline.sqlite3'}")
    connection.upgrade(engine)
    with SqlRecords(engine, make_keyring()).unit() as unit:
        unit.save_conversation("chat", Conversation("vi"), None)
    for name in ("data", "data/helpline.sqlite3", "data/helpline.sqlite3-wal"):
        mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
        assert mode & 0o077 == 0, (name, oct(mode))
    engine.dispose()


@pytest.fixture(name="loose_umask")
def _loose_umask() -> Iterator[None]:
    """The usual umask (022), which alone would make folders 0755 and files 0644."""
    before = os.umask(0o022)
    yield
    os.umask(before)


@pytest.mark.usefixtures("loose_umask")
def test_the_data_folder_is_0700_and_its_files_0600(tmp_path: Path) -> None:
    data = tmp_path / "srv" / "var"
    settings = Settings(data_dir=data, key_file=data / "keys.json")
    database = open_database(settings, TEST_KDF)  # the key file is written first
    with database.records.unit() as unit:
        unit.save_conversation("chat", Conversation("vi"), None)
    beat(data / "heartbeat.json", reachable=True)
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in data.iterdir()}
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert modes == {
        "keys.json": 0o600,
        "helpline.sqlite3": 0o600,
        "helpline.sqlite3-wal": 0o600,
        "helpline.sqlite3-shm": 0o600,
        "heartbeat.json": 0o600,
    }
    database.engine.dispose()
    beat(tmp_path / "other" / "heartbeat.json", reachable=True)  # PostgreSQL: no file before
    assert stat.S_IMODE((tmp_path / "other").stat().st_mode) == 0o700


def test_times_in_any_zone_compare_as_the_same_moment(engine: Engine) -> None:
    japan = timezone(timedelta(hours=9))
    evening = datetime(2026, 11, 27, 21, 0, tzinfo=japan)  # 12:00 UTC
    with SqlRecords(engine, make_keyring(), lambda: evening).unit() as unit:
        unit.save_conversation("chat", Conversation("vi"), None)
    with SqlRecords(engine, make_keyring(), lambda: NOW).unit() as unit:
        assert unit.idle_chats(datetime(2026, 11, 27, 12, 1, tzinfo=UTC)) == ["chat"]
        assert unit.idle_chats(datetime(2026, 11, 27, 11, 59, tzinfo=UTC)) == []
        assert unit.idle_chats(datetime(2026, 11, 27, 20, 59, tzinfo=japan)) == []
    with Session(engine) as session:
        (stored,) = session.scalars(select(ConversationRow.updated_at))
        assert stored == evening and stored.tzinfo == UTC
