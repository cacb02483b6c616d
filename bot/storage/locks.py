"""Working beside other helpline processes on one PostgreSQL: per-chat locks and a leader.

In webhook mode several processes may share one PostgreSQL database (the reverse proxy spreads
Telegram's posts over them). Two rules keep that safe:

* **One chat at a time, anywhere.** Before a process handles a chat's update (or sends a chat's
  queued action) it takes a PostgreSQL advisory lock on that chat, and then checks again that
  the update is still the chat's oldest waiting one (or the action still queued): whoever got
  there first has done it, so nothing is handled twice or out of order.
* **One leader.** The process holding the leader lock sends (Telegram's limits are per bot, so
  one sender keeps them exactly) and runs the clock's jobs (idle wipe, purge, the desk's
  rounds). If it dies, its connection closes, PostgreSQL frees the lock and another process
  takes over within seconds.

* **A doorbell.** Queuing something to send notifies ``helpline_outbox`` (at commit), and the
  leader listens, so an update another process handled is answered at once, not at the next
  look at the outbox.

Advisory locks are held by a connection, so each holder keeps its connection until it lets go;
if that connection breaks, PostgreSQL frees the lock at once. SQLite allows one process only:
there every lock is granted at once and the process always leads.

Blocking calls: run them in a worker thread.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from bot.storage.connection import DatabaseError, reachable

log = logging.getLogger(__name__)

LEADER = "leader"
DOORBELL = "helpline_outbox"
"""The PostgreSQL notification channel rung when actions are queued."""


def lock_id(namespace: str, key: str) -> int:
    """A signed 64-bit advisory lock number for a key (collisions only make two keys wait)."""
    digest = hashlib.sha256(f"helpline:{namespace}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@dataclass
class Held:
    """A lock someone holds (``connection`` is None on SQLite, where locks are free)."""

    number: int
    connection: Connection | None = None


class Locks:
    """Advisory locks on PostgreSQL; on SQLite, every lock is granted."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.shared = engine.dialect.name == "postgresql"
        """Whether other processes may share the database (and the locks matter)."""

    def try_lock(self, namespace: str, key: str) -> Held | None:
        """Take a lock if nobody holds it; None if somebody does."""
        number = lock_id(namespace, key)
        if not self.shared:
            return Held(number)
        with reachable():
            connection = self.engine.connect()
        try:
            got = connection.execute(text("SELECT pg_try_advisory_lock(:n)"), {"n": number})
            if got.scalar():
                connection.commit()  # the lock outlives transactions; the connection holds it
                return Held(number, connection)
        except SQLAlchemyError as error:
            connection.invalidate()
            connection.close()
            raise DatabaseError(type(error).__name__) from None
        connection.close()
        return None

    def release(self, held: Held) -> None:
        """Let go of a lock (a broken connection has let go already)."""
        if held.connection is None:
            return
        try:
            held.connection.execute(text("SELECT pg_advisory_unlock(:n)"), {"n": held.number})
            held.connection.commit()
        except SQLAlchemyError:
            held.connection.invalidate()  # closing a broken connection frees its locks
        finally:
            held.connection.close()

    def still_held(self, held: Held) -> bool:
        """Whether the connection holding a lock is alive (if not, the lock is gone)."""
        if held.connection is None:
            return True
        try:
            held.connection.execute(text("SELECT 1"))
            held.connection.commit()
        except SQLAlchemyError:
            log.warning("leader.lost")
            held.connection.invalidate()
            held.connection.close()
            return False
        return True


def listen(engine: Engine, ring: Callable[[], None], stop: threading.Event) -> None:
    """Call ``ring`` whenever someone queues actions, until ``stop`` is set.

    Blocks: run it in a thread. On SQLite there is one process, which wakes its sender itself:
    return at once. A lost connection is opened again after a pause.
    """
    if engine.dialect.name != "postgresql":
        return
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    while not stop.is_set():
        try:
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute(f"LISTEN {DOORBELL}")
                while not stop.is_set():
                    for _ in connection.notifies(timeout=1.0):
                        ring()
        except psycopg.Error:
            log.warning("doorbell.lost")
            stop.wait(1.0)
