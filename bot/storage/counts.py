"""Reading counts for the operator and the reports: never a case's content.

Only counts come out of here: the ``tallies`` rows, opened with the keys (each seals its month,
dimension, value and count: ``bot.storage.tallies``); how many cases are open and how many wait
for a volunteer, and since when (``desk_waiting``: for ``helpline doctor`` and the desk's
Prometheus gauges); and when the clock's jobs last completed (``job_runs``, written by
``note_job``). No case is opened, decrypted or listed. Hiding the small counts is the report's
(``bot.reports.tables``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.storage.connection import reachable
from bot.storage.crypto import Keyring
from bot.storage.models import CaseRow, JobRunRow, TallyRow
from bot.storage.tallies import open_tally


def read_tallies(
    engine: Engine, keyring: Keyring, first: str, last: str
) -> dict[tuple[str, str, str], int]:
    """The counts of the months ``first`` to ``last`` (``YYYY-MM``), by dimension, value, month.

    Every row is opened (the month is sealed too); the table is small (months × properties).
    """
    with reachable(), Session(engine) as session:
        rows = session.scalars(select(TallyRow)).all()
        opened = [open_tally(keyring, row) for row in rows]
    return {
        (dimension, value, in_month): count
        for (in_month, dimension, value), count in opened
        if first <= in_month <= last
    }


def open_cases(engine: Engine) -> int:
    """How many cases are open now."""
    with reachable(), Session(engine) as session:
        query = select(func.count()).select_from(CaseRow).where(CaseRow.status == "open")
        return int(session.scalar(query) or 0)


@dataclass(frozen=True, slots=True)
class DeskLoad:
    """Cases kept (open or closed, until purged), open, unclaimed, and the oldest unclaimed."""

    kept: int
    open: int
    unclaimed: int
    oldest_unclaimed: datetime | None
    """When the longest-waiting unclaimed case was opened (UTC), or None."""

    def oldest_age(self, now: datetime | None = None) -> float:
        """Seconds the oldest unclaimed case has waited (0 when none waits)."""
        if self.oldest_unclaimed is None:
            return 0.0
        return max(0.0, ((now or utcnow()) - self.oldest_unclaimed).total_seconds())


def desk_waiting(engine: Engine) -> DeskLoad:
    """How many cases are kept, open and unclaimed, and since when the oldest unclaimed one."""
    is_open = CaseRow.status == "open"
    unclaimed = is_open & CaseRow.claimed_by.is_(None)
    with reachable(), Session(engine) as session:
        kept = session.scalar(select(func.count()).select_from(CaseRow))
        opened = session.scalar(select(func.count()).select_from(CaseRow).where(is_open))
        waiting = session.execute(
            select(func.count(), func.min(CaseRow.created_at)).where(unclaimed)
        ).one()
    return DeskLoad(int(kept or 0), int(opened or 0), int(waiting[0] or 0), waiting[1])


def note_job(engine: Engine, job: str, at: datetime | None = None) -> None:
    """Note that the clock's ``job`` (a fixed word: ``purge``, ``idle_wipe``) just completed."""
    at = at or utcnow()
    with reachable(), Session(engine) as session:
        for _ in range(2):  # two processes may insert the first row at once: then update
            try:
                with session.begin():
                    row = session.get(JobRunRow, job)
                    if row is None:
                        session.add(JobRunRow(job=job, done_at=at))
                    else:
                        row.done_at = at
                return
            except IntegrityError:
                continue


def job_times(engine: Engine) -> dict[str, datetime]:
    """When each job last completed (UTC); jobs that never ran are missing."""
    with reachable(), Session(engine) as session:
        return {row.job: row.done_at for row in session.scalars(select(JobRunRow))}
