"""Open the database the settings name: keys, connection, migrations, records.

Reads the keys (``bot.storage.keys``), connects (``bot.storage.connection``), runs the
migrations to the newest version (sealing, once, the lookups of rows older than that seal, and
the counts migration 0009 kept aside in clear: ``migrate``), checkpoints SQLite's log (what a
crash between a deletion and its checkpoint left there goes now) and returns the encrypted
records. Called once by each command that needs the database; it writes nothing else and starts
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from bot.config import Settings
from bot.storage.binding import done_binding, needs_binding
from bot.storage.connection import (
    checkpoint,
    default_url,
    make_engine,
    upgrade,
)
from bot.storage.crypto import PRODUCTION_KDF, KdfCost
from bot.storage.keys import KeySource, load_keys
from bot.storage.store import SqlRecords
from bot.storage.tallies import seal_clear_tallies


@dataclass(frozen=True, slots=True)
class Database:
    """The opened, migrated database, its records and where the keys came from."""

    engine: Engine
    records: SqlRecords
    keys: KeySource

    @property
    def notice(self) -> str | None:
        """A line to show the operator when this run created the keys."""
        if self.keys.origin != "new key file":
            return None
        return (
            f"helpline: no keys were configured, so a new key file was written to "
            f"{self.keys.path} (readable by you only). Keep it safe and apart from backups "
            "of the database."
        )


def open_database(settings: Settings, kdf: KdfCost = PRODUCTION_KDF) -> Database:
    """Load the keys, connect, migrate to the newest schema and return the records."""
    keys = load_keys(
        settings.master_keys.reveal() if settings.master_keys else None,
        settings.index_key.reveal() if settings.index_key else None,
        settings.key_file,
        settings.require_keys,
        kdf,
    )
    url = (
        settings.database_url.reveal() if settings.database_url else default_url(settings.data_dir)
    )
    engine = make_engine(url)
    records = SqlRecords(engine, keys.keyring)
    migrate(engine, records)
    checkpoint(engine)
    return Database(engine, records, keys)


def migrate(engine: Engine, records: SqlRecords) -> int:
    """Migrate to the newest schema; seal the lookups of rows older than their seal (once).

    Returns how many rows were bound. The seal is written once, for the rows migration 0008
    found (it leaves a marker, ``binding.UNBOUND_MARKER``, for the first run with the keys,
    which may come after a ``helpline db upgrade`` without them): a row whose seal goes missing
    later is refused, never sealed again as it stands (``bot.storage.binding``). Counts still in
    clear (``tallies_clear``, left by migration 0009) are sealed and dropped whenever found, in
    the same transaction.
    """
    upgrade(engine)
    binding = needs_binding(engine)  # read before the unit takes the write lock
    with records.unit() as unit:
        seal_clear_tallies(unit.session, records.keyring)
        if not binding:
            return 0
        sealed = unit.bind_existing(unit.session)
        done_binding(unit.session)
    return sealed
