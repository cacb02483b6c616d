"""The database connection: SQLite (embedded default) or PostgreSQL, and migrations.

SQLite runs in WAL mode with a busy timeout, foreign keys, ``secure_delete`` (deleted rows are
overwritten) and ``BEGIN IMMEDIATE`` transactions; its folder is created 0700 and its file 0600
(the ``-wal`` and ``-shm`` files take the file's mode), so that concurrent writers wait instead of
failing. ``postgresql://`` URLs are accepted as written and use psycopg 3. ``upgrade`` runs the
Alembic migrations to the newest version; the helpline calls it on start.

``checkpoint`` copies SQLite's write-ahead log into the main file and truncates the log to zero
bytes: until then the log keeps the old versions of every page a deletion touched (data keys
included), and ``secure_delete`` overwrites deleted rows in the main file only when their pages
get there. It runs after every deletion of a case or conversation, after each purge and on start
(which covers a crash between a deletion and its checkpoint).

``read_only_engine`` is for looking only (``helpline doctor``): it never creates the SQLite
file or its folder.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.records import RecordsUnavailable

log = logging.getLogger(__name__)
logging.getLogger("alembic").setLevel(logging.WARNING)
"""Alembic's INFO lines ("Context impl SQLiteImpl.", each step) are noise in the operator's
commands and say nothing the helpline's own events do not; its warnings and errors still show."""

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_FILE = "helpline.sqlite3"
BUSY_TIMEOUT_MS = 5000


class DatabaseError(RecordsUnavailable):
    """The database cannot be reached or migrated; the message says what to check."""


class NoDatabase(DatabaseError):
    """The SQLite file does not exist yet (``read_only_engine`` never creates it)."""


@contextmanager
def reachable() -> Iterator[None]:
    """Turn a lost or refused database connection into ``DatabaseError`` for the caller."""
    try:
        yield
    except (OperationalError, InterfaceError) as error:
        raise DatabaseError(f"the database is unreachable ({type(error.orig).__name__})") from None


def default_url(data_dir: Path) -> str:
    """Return the URL of the embedded SQLite database in ``data_dir``."""
    return f"sqlite:///{data_dir / SQLITE_FILE}"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` as written and pick the psycopg driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below be the only one
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        f"busy_timeout={BUSY_TIMEOUT_MS}",
        "foreign_keys=ON",
        "synchronous=NORMAL",
        "secure_delete=ON",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def private_folder(path: Path) -> None:
    """Create a folder readable by its owner only (0700), with any missing parents.

    A folder that exists already is left as it is: the operator made it so (a mounted volume,
    a backup agent's group); the files the helpline writes in it are 0600 anyway.
    """
    try:
        path.mkdir(mode=0o700, parents=True)
    except FileExistsError:
        return
    path.chmod(0o700)  # whatever the umask


def _private_file(path: Path) -> None:
    """Create the database file readable by its owner only (SQLite gives its WAL the same)."""
    private_folder(path.parent)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """Create the engine for ``url`` with the settings this helpline relies on."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private_file(Path(parsed.database))
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL or an in-memory database)."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def read_only_engine(url: str) -> Engine:
    """An engine for looking only (``helpline doctor``): it creates no folder and no file.

    SQLite is opened read-only (``mode=ro``); a missing file raises ``NoDatabase``. PostgreSQL
    is opened as usual (connecting creates nothing).
    """
    path = sqlite_path(url)
    if path is None:
        return make_engine(url)
    if not path.is_file():
        raise NoDatabase(f"no database file at {path}")
    return create_engine(f"sqlite:///file:{path.resolve()}?mode=ro&uri=true")


CHECKPOINT_TRIES = 3


def checkpoint(engine: Engine) -> bool:
    """On SQLite, move the write-ahead log into the main file and truncate it; say if done.

    ``wal_checkpoint(TRUNCATE)`` waits (the busy timeout) for writers and for readers of older
    snapshots; if it still cannot finish, it is tried twice more, then the failure is logged
    (without anything about anyone) and the next deletion, purge or start tries again.
    PostgreSQL has nothing to do here (see docs/storage.md for what it keeps).
    """
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return True
    for attempt in range(CHECKPOINT_TRIES):
        try:
            busy = _truncate_log(engine)
        except OperationalError:  # locked past the busy timeout: as busy
            busy = True
        if not busy:
            return True
        time.sleep(0.05 * (attempt + 1))
    log.warning("storage.checkpoint_incomplete")
    return False


def _truncate_log(engine: Engine) -> bool:
    """Run one ``wal_checkpoint(TRUNCATE)`` outside any transaction; return whether busy."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        result = cursor.fetchone()
        busy = result is None or bool(result[0])
        cursor.close()
    finally:
        raw.close()
    return busy


def alembic_config(engine: Engine) -> Config:
    """Return an Alembic configuration that migrates through ``engine``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Migrate the database to the newest version; raise ``DatabaseError`` if unreachable."""
    try:
        command.upgrade(alembic_config(engine), "head")
    except OperationalError as error:
        # The message names the error class only: the driver's text may hold the URL.
        raise DatabaseError(
            f"cannot reach the database ({type(error.orig).__name__}); check "
            "HELPLINE_DATABASE_URL and that the database server is running"
        ) from None


def pending_migrations(engine: Engine) -> bool:
    """Return whether the database is behind the newest migration."""
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current != head
