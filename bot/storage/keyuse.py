"""Which master key each running process wraps new data keys with, so none is retired early.

A running helpline holds a shared marker on its active master key for as long as it may wrap
new data keys with it:

* on PostgreSQL, a shared advisory lock held by a connection of its own (processes on other
  machines share the database, not the disk); if the process dies, PostgreSQL frees it;
* on SQLite, a shared ``flock`` on an empty file beside the database file (one machine); if
  the process dies, the kernel frees it.

``in_use_by_a_process`` tries the marker exclusively, for a moment: while any process holds it,
some process may still wrap with that key, and ``helpline keys retire`` refuses. The marker
moves to the new active key when the process learns it (SIGHUP, the clock's round, or a row it
could not open). Each process holds a second marker, on the index key it makes pseudonyms and
resume indexes with (``index_marker``), so ``helpline keys retire --index`` waits for every
process to have learned a new one. Names no one and holds nothing but lock numbers.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from bot.storage.connection import reachable
from bot.storage.locks import lock_id


def index_marker(index_id: str) -> str:
    """The marker name of an index key: held by each process that makes values with it."""
    return f"index-{index_id}"


def _file(engine: Engine, key_id: str) -> Path:
    """The marker file of a master key, beside the SQLite database file."""
    folder = Path(engine.url.database or ".").resolve().parent
    return folder / f".helpline-key-{lock_id('master', key_id) & 0xFFFFFFFFFFFF:012x}.lock"


class KeyUse:
    """This process's marker on the master key it wraps with (see the module)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.key_id: str | None = None
        self._connection: Connection | None = None
        self._fd: int | None = None
        self._lock = threading.Lock()

    def hold(self, key_id: str) -> bool:
        """Hold the marker of ``key_id`` (letting go of another); say whether it is held.

        Called again every round: a lost PostgreSQL connection is replaced.
        """
        with self._lock:  # the clock and a SIGHUP may both ask
            return self._hold(key_id)

    def _hold(self, key_id: str) -> bool:
        if key_id == self.key_id and self._alive():
            return True
        self.close()
        if self.engine.dialect.name == "postgresql":
            with reachable():
                connection = self.engine.connect()
            try:
                query = text("SELECT pg_try_advisory_lock_shared(:n)")
                got = bool(connection.execute(query, {"n": lock_id("master", key_id)}).scalar())
                connection.commit()
            except SQLAlchemyError:
                connection.invalidate()
                connection.close()
                return False
            if not got:  # a retire is looking this very moment: try again next round
                connection.close()
                return False
            self._connection = connection
        else:
            path = _file(self.engine, key_id)
            self._fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_SH)
        self.key_id = key_id
        return True

    def _alive(self) -> bool:
        if self._connection is None:
            return self._fd is not None
        try:
            self._connection.execute(text("SELECT 1"))
            self._connection.commit()
        except SQLAlchemyError:
            self._connection.invalidate()
            self._connection.close()
            self._connection = None
            self.key_id = None
            return False
        return True

    def close(self) -> None:
        """Let go of the marker (a pooled connection lets go before it goes back)."""
        if self._connection is not None and self.key_id is not None:
            unlock = text("SELECT pg_advisory_unlock_shared(:n)")
            try:
                self._connection.execute(unlock, {"n": lock_id("master", self.key_id)})
                self._connection.commit()
            except SQLAlchemyError:
                self._connection.invalidate()  # a closed connection holds nothing
            finally:
                self._connection.close()
        self._connection = None
        if self._fd is not None:
            os.close(self._fd)  # the kernel lets go of the flock
            self._fd = None
        self.key_id = None


def in_use_by_a_process(engine: Engine, key_id: str) -> bool:
    """Whether some running process holds the marker of ``key_id`` (may wrap with it)."""
    if engine.dialect.name == "postgresql":
        number = lock_id("master", key_id)
        with reachable(), engine.connect() as connection:
            query = text("SELECT pg_try_advisory_lock(:n)")
            got = bool(connection.execute(query, {"n": number}).scalar())
            if got:  # nobody holds it: let go at once (the connection goes back to the pool)
                connection.execute(text("SELECT pg_advisory_unlock(:n)"), {"n": number})
            connection.commit()
            return not got
    path = _file(engine, key_id)
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
