"""The clock's jobs go over their rows one at a time: a row that fails is reported and skipped.

A row that cannot be read (its master key is gone, it was tampered with) must not stop the idle
wipe, the desk's mail or the reminders for every row after it. ``each`` runs one step per row,
logs a failed one as ``job.row_failed`` with the job's name (never an id) and goes on. Only an
unreachable store (``RecordsUnavailable``) ends the round: every row would fail the same way,
and the clock tells the desk about a store that stays away.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from bot.records import RecordsUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")


def each(job: str, rows: Iterable[T], step: Callable[[T], int]) -> int:
    """Run ``step`` on every row, each on its own; return the sum of what the steps return."""
    done = 0
    for row in rows:
        try:
            done += step(row)
        except RecordsUnavailable:
            raise
        except Exception as error:  # one row, not the round: reported, skipped, tried next round
            log.warning("job.row_failed", extra={"job": job, "error": type(error).__name__})
    return done
