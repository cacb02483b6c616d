"""Where the helpline keeps what it must: records, queues, keys, locks, retention.

What it offers (this module is its face; adapters import from here, not from its modules):

* the records of ``bot.records``: ``SqlRecords`` and its unit of work ``SqlUnit`` (one database
  transaction each) on SQLite or PostgreSQL, sealed row by row; ``open_database`` loads the keys,
  connects, migrates and returns them as a ``Database``. (``memory.MemoryRecords`` is the same
  protocol in memory, for the terminal chat and tests.)
* the adapter's queues: the ``Inbox`` of raw updates (``Arrived``, ``Waiting``), the ``Outbox``
  of typed actions to carry out (``Queued``; ``action_codec`` is where ``bot.actions`` are
  serialised), the ``Ledger`` of message ids a chat may delete;
* ``Locks`` between processes sharing a database (``LEADER``, ``Held``) and ``listen`` for the
  outbox's doorbell; ``purge`` for the retention job; ``Keyring`` for chat pseudonyms;
  ``reload_keys`` (learn the key file's keys while running) and ``KeyUse`` (this process's
  marker on the master key it wraps with, so ``helpline keys retire`` never retires it early;
  ``index_marker`` names its marker on the index key); ``note_job`` (when a clock job last
  completed) and ``desk_waiting`` (open and unclaimed cases, for the desk's gauges);
* ``DatabaseError``: the database is unreachable, try again later.

What it may do: it is the only package that imports SQLAlchemy, Alembic and cryptography, and
the only one that reads or writes sealed columns and keys. What it may not do: speak Telegram,
decide what the helpline says or when (those rules are the service's), read the environment
(``bot.config`` does), or log anything about anyone (no text, no ids).

The modules, in short: ``connection`` (engine, SQLite settings, migrations), ``database``
(opening it from the settings), ``store`` (``SqlRecords``/``SqlUnit``, put together from
``unit_conversations``, ``unit_cases``, ``unit_desk`` and ``unit_staff`` on ``unit_base``),
``sealing`` (row data keys and sealed columns), ``crypto``, ``keys`` and ``keyuse``, ``models``
and ``migrations`` (the schema), ``inbox``, ``outbox`` (with ``action_codec``), ``ledger``,
``locks``, ``maintenance`` (purge, key rotation), ``reindex`` and ``resumekey`` (the index
key's rotation, lookups under every index key), ``audit`` (audit rows are append-only),
``tallies`` and ``counts`` (the advocacy counts, written and read), ``memory`` (with
``memory_staff``).
"""

from __future__ import annotations

from bot.storage import audit  # noqa: F401 - installs the audit's append-only guard (D7)
from bot.storage.connection import DatabaseError
from bot.storage.counts import DeskLoad, desk_waiting, note_job
from bot.storage.crypto import Keyring
from bot.storage.database import Database, open_database
from bot.storage.inbox import Arrived, Inbox, Waiting
from bot.storage.keys import KeysError, reload_keys
from bot.storage.keyuse import KeyUse, index_marker
from bot.storage.ledger import Ledger
from bot.storage.locks import LEADER, Held, Locks, listen
from bot.storage.maintenance import Purged, purge
from bot.storage.outbox import Outbox, Queued
from bot.storage.store import SqlRecords, SqlUnit

__all__ = [
    "LEADER",
    "Arrived",
    "Database",
    "DatabaseError",
    "DeskLoad",
    "Held",
    "Inbox",
    "KeyUse",
    "Keyring",
    "KeysError",
    "Ledger",
    "Locks",
    "Outbox",
    "Purged",
    "Queued",
    "SqlRecords",
    "SqlUnit",
    "Waiting",
    "desk_waiting",
    "index_marker",
    "listen",
    "note_job",
    "open_database",
    "purge",
    "reload_keys",
]
