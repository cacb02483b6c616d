"""The helpline's one clock: the current time in UTC.

The default ``clock`` of the records, the queues and the service; tests pass their own clock
instead. Reading the clock is all this module does (no other I/O, no state).
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)
