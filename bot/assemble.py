"""Build a running helpline from settings: flows, translations, records, service.

A composition root (like ``bot.cli`` and the Telegram adapter): it may read the clock, the
files the settings name and the keys. It refuses flows with errors, so a broken edit never
reaches trainees, and it migrates the database before the helpline starts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import Engine

from bot.config import Settings
from bot.flowdefs.folder import load_or_fail
from bot.flowdefs.model import FlowSet
from bot.i18n.catalog import load_translations
from bot.i18n.locales import LANGUAGES
from bot.i18n.render import Renderer
from bot.records import Records
from bot.service import Helpline
from bot.storage.crypto import PRODUCTION_KDF, KdfCost
from bot.storage.db import default_url, make_engine, upgrade
from bot.storage.keys import KeySource, load_keys
from bot.storage.store import SqlRecords

JAPAN = timezone(timedelta(hours=9), "JST")
"""Japan has no daylight saving time, so a fixed offset is exact."""


def japan_today() -> date:
    """Return today's date in Japan (which minimum wage is in force depends on it)."""
    return datetime.now(JAPAN).date()


def load_content(flows_dir: Path, locales_dir: Path, today: date) -> tuple[FlowSet, Renderer]:
    """Load and check the flows (refusing errors) and the translations."""
    flows = load_or_fail(flows_dir, today)
    return flows, Renderer(load_translations(locales_dir, LANGUAGES), flows.data)


def build_helpline(
    flows_dir: Path,
    locales_dir: Path,
    records: Records,
    today: Callable[[], date] = japan_today,
    desk_connected: bool = False,
) -> Helpline:
    """Load and check the content, then return the service."""
    flows, renderer = load_content(flows_dir, locales_dir, today())
    return Helpline(flows, renderer, records, today, desk_connected=desk_connected)


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
    upgrade(engine)
    return Database(engine, SqlRecords(engine, keys.keyring), keys)
