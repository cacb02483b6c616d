"""The current time in UTC: the one place that reads the wall clock for the rest of the code.

Pure modules take a clock as a parameter (a ``Callable[[], datetime]``); this is its default.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)
