"""Counts and latencies for Prometheus: never a text, a name or an id.

The adapter's parts count what they do (``count``) and how long updates take (``observe``);
the webhook server shows it all at ``/metrics`` in Prometheus' text format, with the queue
depths read at that moment. Label values are fixed words chosen in code (``direction``,
``kind``), never anything a user sent, so nothing here can identify anyone.

In memory, per process: each worker process has its own, and Prometheus adds them up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Seconds: from a step on SQLite (about a millisecond) to a resume (padded to half a second)."""

HELP = {
    "helpline_updates_received_total": "Updates from Telegram written to the inbox.",
    "helpline_updates_handled_total": "Updates handled by the worker.",
    "helpline_update_failures_total": "Updates that failed (kind: database or error).",
    "helpline_messages_sent_total": "Messages and actions carried out on Telegram.",
    "helpline_send_failures_total": "Sends that failed (kind: retry_after, blocked, rejected, …).",
    "helpline_desk_cases_opened_total": "Cases that reached the union desk (a topic was made).",
    "helpline_desk_relays_total": "Messages relayed (direction: to_desk or to_trainee).",
    "helpline_staff_refused_total": "Messages or presses in a group refused (not staff).",
    "helpline_foreign_updates_dropped_total": "Updates from groups not the desk's, dropped.",
    "helpline_job_rounds_total": "Rounds of the jobs (idle wipe, purge, desk) this process ran.",
    "helpline_job_failures_total": "Rounds of a job that failed as a whole (job: its name).",
    "helpline_job_last_success_timestamp_seconds": "When each job last completed (Unix time).",
    "helpline_job_overdue": "1 if a job has not completed within twice its period.",
    "helpline_reloads_total": "Reloads of flows and translations (outcome: done or refused).",
    "helpline_update_seconds": "Time to handle one update, from the inbox to the outbox.",
    "helpline_queue_depth": "Waiting now (queue: inbox or outbox).",
    "helpline_database_up": "1 if the database answered the last scrape.",
    "helpline_cases_open": "Cases open now.",
    "helpline_desk_unclaimed_cases": "Open cases no volunteer has claimed.",
    "helpline_desk_oldest_unclaimed_seconds": "How long the oldest unclaimed case has waited.",
    "helpline_loop_last_turn_timestamp_seconds": "When each loop last turned (Unix time; loop: "
    "intake (its last poll), worker, sender, clock).",
    "helpline_actions_given_up_total": "Outbox actions given up (outcome, do: what it was).",
}


def _labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    return "{" + inner + "}"


@dataclass
class Metrics:
    """Counters and one latency histogram, safe to use from worker threads."""

    counters: dict[tuple[str, tuple[tuple[str, str], ...]], float] = field(default_factory=dict)
    buckets: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    seconds_sum: float = 0.0
    seconds_count: int = 0
    levels: dict[tuple[str, tuple[tuple[str, str], ...]], float] = field(default_factory=dict)
    """Gauges set by the parts themselves (the jobs' last success, overdue or not)."""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, name: str, amount: float = 1, **labels: str) -> None:
        """Add to a counter."""
        key = (name, tuple(sorted(labels.items())))
        with self.lock:
            self.counters[key] = self.counters.get(key, 0) + amount

    def set(self, name: str, value: float, **labels: str) -> None:
        """Set a gauge."""
        with self.lock:
            self.levels[(name, tuple(sorted(labels.items())))] = value

    def value(self, name: str, **labels: str) -> float:
        """A counter's or a gauge's value (for tests and the benchmark)."""
        key = (name, tuple(sorted(labels.items())))
        return self.counters.get(key, self.levels.get(key, 0))

    def observe(self, seconds: float) -> None:
        """Note how long one update took."""
        with self.lock:
            self.seconds_sum += seconds
            self.seconds_count += 1
            for index, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    self.buckets[index] += 1

    def render(self, gauges: Callable[[], Mapping[str, Mapping[str, float]]] | None = None) -> str:
        """The Prometheus text format; ``gauges`` reads values of the moment (queue depths)."""
        lines: list[str] = []
        with self.lock:
            names = sorted({name for name, _ in self.counters})
            for name in names:
                lines += [f"# HELP {name} {HELP.get(name, name)}", f"# TYPE {name} counter"]
                for (each, labels), value in sorted(self.counters.items()):
                    if each == name:
                        lines.append(f"{name}{_labels(dict(labels))} {value:g}")
            name = "helpline_update_seconds"
            lines += [f"# HELP {name} {HELP[name]}", f"# TYPE {name} histogram"]
            for bound, count in zip(BUCKETS, self.buckets, strict=True):
                lines.append(f'{name}_bucket{{le="{bound:g}"}} {count}')
            lines.append(f'{name}_bucket{{le="+Inf"}} {self.seconds_count}')
            lines += [f"{name}_sum {self.seconds_sum:.6f}", f"{name}_count {self.seconds_count}"]
            for name in sorted({name for name, _ in self.levels}):
                lines += [f"# HELP {name} {HELP.get(name, name)}", f"# TYPE {name} gauge"]
                for (each, labels), value in sorted(self.levels.items()):
                    if each == name:
                        lines.append(f"{name}{_labels(dict(labels))} {value:.0f}")
        for name, series in (gauges() if gauges else {}).items():
            lines += [f"# HELP {name} {HELP.get(name, name)}", f"# TYPE {name} gauge"]
            for label, value in series.items():
                key, _, word = label.partition("=")
                lines.append(f"{name}{_labels({key: word} if word else {})} {value:g}")
        return "\n".join(lines) + "\n"
