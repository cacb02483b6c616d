"""Whether the clock's jobs keep completing: an operator alert when one falls behind.

Each job (the idle wipe, the desk's mail and reminders, the purge) has a period. The leader
notes each job that completes (``done``) or fails as a whole (``failed``); a job that has not
completed within twice its period is overdue: logged once as ``job.overdue`` (an error, with the
job's name and how long it has been) and shown as ``helpline_job_overdue{job=...} 1``, with
``helpline_job_last_success_timestamp_seconds{job=...}`` for alerts across processes. A row
skipped by a job (``job.row_failed``) does not stop the job from completing.

Only the leader runs the jobs: a process that does not lead starts counting afresh when it
does. Knows nothing of what the jobs do; logs job names only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

from bot.telegram_adapter.metrics import Metrics

log = logging.getLogger(__name__)

LAST = "helpline_job_last_success_timestamp_seconds"
OVERDUE = "helpline_job_overdue"


class JobWatch:
    """The jobs' last completions, and which are overdue (see the module)."""

    def __init__(
        self,
        metrics: Metrics,
        periods: Mapping[str, float],
        now: Callable[[], float] = time.time,
    ) -> None:
        self.metrics = metrics
        self.periods = dict(periods)
        self.now = now
        self.since = {job: now() for job in self.periods}
        """When each job last completed, or when counting began."""
        self.overdue: set[str] = set()
        for job in self.periods:
            metrics.set(OVERDUE, 0, job=job)

    def standby(self) -> None:
        """This process does not lead: its jobs are another's; count afresh when it leads."""
        now = self.now()
        for job in self.periods:
            self.since[job] = now
            self._clear(job)

    def done(self, job: str) -> None:
        """Note that ``job`` completed its round."""
        now = self.now()
        self.since[job] = now
        self.metrics.set(LAST, now, job=job)
        if job in self.overdue:
            log.info("job.caught_up", extra={"job": job})
        self._clear(job)

    def failed(self, job: str, error: BaseException) -> None:
        """Note that ``job`` failed as a whole (it is tried again next round)."""
        log.warning("job.failed", extra={"job": job, "error": type(error).__name__})
        self.metrics.count("helpline_job_failures_total", job=job)

    def check(self) -> list[str]:
        """Raise the alert for each job not completed within twice its period; return them."""
        now = self.now()
        for job, period in self.periods.items():
            late = now - self.since[job]
            if late > 2 * period and job not in self.overdue:
                self.overdue.add(job)
                self.metrics.set(OVERDUE, 1, job=job)
                log.error("job.overdue", extra={"job": job, "seconds": round(late)})
        return sorted(self.overdue)

    def _clear(self, job: str) -> None:
        self.overdue.discard(job)
        self.metrics.set(OVERDUE, 0, job=job)
