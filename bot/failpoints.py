"""Fault injection for the crash tests: kill this process, hard, at a named point.

Off unless ``HELPLINE_FAILPOINT`` (read by ``bot.config``) arms one point as ``name:count``:
the count-th time the code reaches ``failpoint(name)``, the process gets ``SIGKILL``, as if the
machine lost power there. ``tests/test_faults.py`` uses it to prove that no update is lost or
handled twice, wherever the crash happens. Costs one comparison when not armed.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass


@dataclass
class _Armed:
    name: str
    count: int
    hits: int = 0


_armed: dict[str, _Armed] = {}  # at most one entry, keyed by its name

POINTS = (
    "intake.fetched",  # updates fetched from Telegram, not yet in the inbox
    "intake.recorded",  # in the inbox, not yet confirmed to Telegram
    "worker.before_commit",  # state, replies and "done" written, not yet committed
    "worker.committed",  # committed, replies not yet sent
    "sender.sent",  # a reply sent on Telegram, not yet marked done
    "reindex.batch",  # ``keys rotate --index``: a batch of the re-index committed
)


def arm(spec: str | None) -> None:
    """Arm one point (``name:count``); None disarms."""
    _armed.clear()
    if spec:
        name, _, count = spec.partition(":")
        if name not in POINTS:
            raise ValueError(f"unknown failpoint '{name}'; known: {', '.join(POINTS)}")
        _armed[name] = _Armed(name, int(count or 1))


def failpoint(name: str) -> None:
    """Die here if this point is armed and its count is reached."""
    armed = _armed.get(name)
    if armed is not None:
        armed.hits += 1
        if armed.hits >= armed.count:
            os.kill(os.getpid(), signal.SIGKILL)
