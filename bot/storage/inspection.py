"""A look at the database that changes nothing: for ``helpline doctor``.

Opens the database read-only (``read_only_engine``: SQLite's file and folder are never
created; ``NoDatabase`` if there is none yet), and tells whether migrations are pending, which
master keys the data keys need that are not configured, and the counts of
``bot.storage.counts`` (cases kept, open, unclaimed; when the jobs last completed). Reads no
sealed column and no key.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from bot.storage.connection import pending_migrations, read_only_engine
from bot.storage.counts import DeskLoad, desk_waiting, job_times
from bot.storage.maintenance import master_keys_in_use


@dataclass(frozen=True, slots=True)
class Inspection:
    """What ``inspect_database`` found."""

    backend: str
    """``sqlite`` or ``postgresql``."""
    behind: bool
    """Migrations are pending (then nothing below was read)."""
    missing_keys: frozenset[str] = frozenset()
    """Master keys some data key needs that are not among those given."""
    load: DeskLoad | None = None
    jobs: dict[str, datetime] = field(default_factory=dict)


def inspect_database(url: str, master_keys: Collection[str] | None) -> Inspection:
    """Look at the database at ``url``; ``master_keys``: the configured ids (None: unknown)."""
    engine = read_only_engine(url)
    try:
        backend = engine.url.get_backend_name()
        if pending_migrations(engine):
            return Inspection(backend, behind=True)
        missing = (
            frozenset(master_keys_in_use(engine) - set(master_keys))
            if master_keys is not None
            else frozenset()
        )
        return Inspection(backend, False, missing, desk_waiting(engine), job_times(engine))
    finally:
        engine.dispose()
