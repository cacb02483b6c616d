"""What the storage tests share: a fixed moment, and a database URL as the CLI is given it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def url_of(engine: Engine) -> str:
    """Return the engine's URL with its password, as ``HELPLINE_DATABASE_URL`` would hold it."""
    return engine.url.render_as_string(hide_password=False)
