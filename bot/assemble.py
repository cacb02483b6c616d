"""Build a running helpline from settings: flows, translations, records, service.

A composition root (like ``bot.cli`` and the Telegram adapter): it may read the clock and the
files the settings name. It refuses flows with errors, so a broken edit never reaches trainees.
Opening the database (keys, connection, migrations) is ``bot.storage.database``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from bot.desk.hours import JST, OfficeHours
from bot.flowdefs.folder import load_or_fail
from bot.flowdefs.model import FlowSet
from bot.i18n.catalog import load_translations
from bot.i18n.locales import LANGUAGES
from bot.i18n.render import Renderer
from bot.records import Records
from bot.service import Helpline


def japan_today() -> date:
    """Return today's date in Japan (which minimum wage is in force depends on it)."""
    return datetime.now(JST).date()


def load_content(flows_dir: Path, locales_dir: Path, today: date) -> tuple[FlowSet, Renderer]:
    """Load and check the flows (refusing errors) and the translations."""
    flows = load_or_fail(flows_dir, today)
    return flows, Renderer(load_translations(locales_dir, LANGUAGES), flows.data)


def build_helpline(
    flows_dir: Path,
    locales_dir: Path,
    records: Records,
    today: Callable[[], date] = japan_today,
    *,
    desk_connected: bool = False,
    office: OfficeHours | None = None,
) -> Helpline:
    """Load and check the content, then return the service."""
    flows, renderer = load_content(flows_dir, locales_dir, today())
    return Helpline(flows, renderer, records, today, desk_connected=desk_connected, office=office)
