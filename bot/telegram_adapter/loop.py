"""Helpers shared by the adapter's long-running loops."""

from __future__ import annotations

import asyncio
import contextlib


async def nap(wake: asyncio.Event, seconds: float) -> None:
    """Sleep until ``wake`` is set or ``seconds`` pass, whichever is first; then clear it."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(wake.wait(), timeout=seconds)
    wake.clear()


def backoff(failures: int, most: float = 10.0) -> float:
    """Seconds to wait after ``failures`` failures in a row: 0.5, 1, 2, 4 … up to ``most``."""
    return float(min(most, 0.5 * 2 ** max(0, failures - 1)))
