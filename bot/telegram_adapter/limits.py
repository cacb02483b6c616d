"""Telegram's rate limits, kept on our side: per chat, overall and per group.

Telegram asks bots to send at most about one message a second to a chat (short bursts are
fine), 30 a second overall and 20 a minute to one group; beyond that it answers 429 with a
``retry_after`` that must be obeyed. ``RateLimits.wait`` returns when a message to a chat may
go; ``pause`` stops everything for a ``retry_after``.

``FloodGate`` is the other direction: a trainee (or someone holding their phone) sending far
too much. Past 30 updates a minute, a chat's updates are dropped until the minute is over; the
first dropped one earns a single polite notice. An exit (or ``/delete``) must always work, so
past the limit one of them per chat still goes through every few seconds; the rest of a flood
of them is dropped like any flood.

Token buckets over an injected clock; the only I/O is ``asyncio.sleep``.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum


@dataclass
class Bucket:
    """A token bucket: ``capacity`` tokens, refilled at ``rate`` tokens a second."""

    capacity: float
    rate: float
    tokens: float = 0.0
    updated: float | None = None
    """When the tokens were last counted; None: never (a new bucket starts full)."""

    def wait_time(self, now: float) -> float:
        """Seconds until a token is free (0: one is free now)."""
        self._refill(now)
        return 0.0 if self.tokens >= 1 - 1e-9 else (1 - self.tokens) / self.rate  # float dust

    def take(self, now: float) -> None:
        """Use a token (call when ``wait_time`` is 0)."""
        self._refill(now)
        self.tokens -= 1

    def _refill(self, now: float) -> None:
        if self.updated is None:  # a new bucket starts full
            self.tokens, self.updated = self.capacity, now
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now


@dataclass
class Window:
    """At most ``limit`` tokens in any ``seconds`` (a sliding window, no burst past it).

    A token bucket of 20 refilled at 20 a minute lets 40 through in one minute (the burst,
    then the refill); Telegram counts a group's messages per minute, so groups get this.
    """

    limit: int
    seconds: float
    times: deque[float] = field(default_factory=deque)
    updated: float = 0.0

    def wait_time(self, now: float) -> float:
        """Seconds until a token is free (0: one is free now).

        A token leaves the window when ``times[0] + seconds <= now``: the same sum as the wait
        below, so the two can never disagree by float rounding (they did: ``now - t >= s``
        said "still inside" while ``t + s - now`` said "free now", and a whole queue went out
        at one instant).
        """
        while self.times and self.times[0] + self.seconds <= now:
            self.times.popleft()
        return 0.0 if len(self.times) < self.limit else self.times[0] + self.seconds - now

    def take(self, now: float) -> None:
        """Use a token (call when ``wait_time`` is 0)."""
        self.times.append(now)
        self.updated = now


PER_CHAT = (3.0, 1 / 1.1)
"""A burst of 3, then one message every 1.1 seconds, per chat: a little under Telegram's one a
second, because Telegram counts arrivals and one message may travel slower than the next (a
CI run saw two sent 1.0 s apart arrive 0.905 s apart: four in one second)."""
OVERALL = (30.0, 30.0)
GROUP = (20, 62.0)
"""20 messages in any minute to one group (all forum topics of a group share it), counted
over 62 seconds: Telegram counts when a message arrives, and one may travel slower than the
next."""


@dataclass
class RateLimits:
    """Waits until Telegram's limits allow the next message."""

    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    per_chat: tuple[float, float] = PER_CHAT
    per_group: tuple[int, float] = GROUP
    overall: Bucket = field(default_factory=lambda: Bucket(*OVERALL))
    chats: dict[int, Bucket | Window] = field(default_factory=dict)
    paused_until: float = 0.0

    async def wait(self, chat_id: int) -> None:
        """Return when a message to ``chat_id`` may be sent, and count it."""
        while True:
            now = self.clock()
            bucket = self.chats.get(chat_id)
            if bucket is None:
                bucket = self.chats[chat_id] = (
                    Window(*self.per_group) if chat_id < 0 else Bucket(*self.per_chat)
                )
            delay = max(
                self.paused_until - now, bucket.wait_time(now), self.overall.wait_time(now)
            )
            if delay <= 0:
                bucket.take(now)
                self.overall.take(now)
                self._forget_idle(now)
                return
            await self.sleep(delay)

    def pause(self, seconds: float) -> None:
        """Telegram said 429: send nothing for ``seconds`` (plus a little)."""
        self.paused_until = max(self.paused_until, self.clock() + seconds + 0.1)

    def _forget_idle(self, now: float) -> None:
        if len(self.chats) > 10_000:  # noqa: PLR2004 - keep memory bounded
            for chat_id, bucket in list(self.chats.items()):
                if now - (bucket.updated or now) > 60:  # noqa: PLR2004 - long since full again
                    del self.chats[chat_id]


class Verdict(Enum):
    """What to do with an update under flood control."""

    TAKE = "take"
    NOTICE = "notice"
    """Drop it, and tell the trainee once."""
    DROP = "drop"


@dataclass
class FloodGate:
    """At most ``limit`` updates a chat in any ``window`` seconds; the rest are dropped.

    Past the limit, an update that leaves (an exit or ``/delete``) is still taken once every
    ``exit_every`` seconds per chat: the first exit after a flood works, a flood of exits
    does not get through.
    """

    limit: int = 30
    window: float = 60.0
    exit_every: float = 5.0
    clock: Callable[[], float] = time.monotonic
    seen: dict[str, deque[float]] = field(default_factory=dict)
    noticed: dict[str, float] = field(default_factory=dict)
    exits: dict[str, float] = field(default_factory=dict)
    """When each chat last had an exit taken past the limit."""

    def check(self, chat: str, leaving: bool = False) -> Verdict:
        """Count one update of a chat (``leaving``: an exit or /delete); say whether to take it."""
        now = self.clock()
        times = self.seen.setdefault(chat, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) < self.limit:
            times.append(now)
            self._forget_idle(now)
            return Verdict.TAKE
        if leaving and now - self.exits.get(chat, -self.exit_every) >= self.exit_every:
            self.exits[chat] = now
            return Verdict.TAKE
        if now - self.noticed.get(chat, -self.window) >= self.window:
            self.noticed[chat] = now
            return Verdict.NOTICE
        return Verdict.DROP

    def _forget_idle(self, now: float) -> None:
        if len(self.seen) > 10_000:  # noqa: PLR2004 - keep memory bounded
            for chat, times in list(self.seen.items()):
                if not times or now - times[-1] >= self.window:
                    del self.seen[chat]
                    self.noticed.pop(chat, None)
                    self.exits.pop(chat, None)
