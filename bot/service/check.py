"""The code-and-PIN check of ``/resume`` and ``/delete``: throttled, padded, outside transactions.

A check runs Argon2id, which is slow on purpose (about half a second). On SQLite a unit of work
holds the database's one write lock from its first statement to its commit, so a check inside
one would make every other chat wait. ``Guard.prepare`` therefore runs before the event's unit
of work: it reads what it needs in a short unit of its own (is the chat waiting for a PIN, which
code it typed, is it throttled, is the helpline being guessed at), then, outside any
transaction, slows down if need be, runs the KDF (``Records.resume_key``) and pads the check to
``CHECK_SECONDS``. The event's unit then only looks the key up (an indexed select) and notes a
failure: short transactions only.

Throttles: at most 10 failures an hour (30 a day) per chat; past 200 failures an hour across the
helpline every check is slowed by 2 s. When that slowdown engages, the log says so once, as a
warning without any id (``resume.fleet_slowdown``: the event operators alert on), and again
when it ends (``resume.fleet_slowdown_ended``).

No I/O but the records it is given and the host's clock, sleep and timer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot import engine
from bot.casecode import read_pin
from bot.conversation import Mode
from bot.records import Records, TraineeUnit

log = logging.getLogger(__name__)

PER_CHAT_HOUR, PER_CHAT_DAY = 10, 30
FLEET_HOUR = 200
SLOWDOWN_SECONDS = 2.0
CHECK_SECONDS = 0.5
"""Every code-and-PIN check takes at least this long, so its timing tells nothing (S3)."""
PIN_MODES = (Mode.RESUME_PIN, Mode.DELETE_PIN)
"""The dialogs that wait for a PIN to check with the code typed before."""


class Timing(Protocol):
    """What a check needs of the running helpline."""

    clock: Callable[[], datetime]
    sleep: Callable[[float], None]
    timer: Callable[[], float]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A code and PIN, and the key they find their case by (worked out before the unit)."""

    code: str
    pin: str
    key: str


def throttled(unit: TraineeUnit, chat: str, now: datetime) -> bool:
    """Whether a chat failed too often lately to be given another check."""
    return (
        unit.failed_resumes(chat, now - timedelta(hours=1)) >= PER_CHAT_HOUR
        or unit.failed_resumes(chat, now - timedelta(days=1)) >= PER_CHAT_DAY
    )


class Guard:
    """Runs the checks before their unit of work; notices when the helpline is guessed at."""

    def __init__(self) -> None:
        self.slowed = False
        """Whether the last check found the fleet-wide slowdown engaged."""

    def prepare(self, host: Timing, records: Records, chat: str, event: object) -> Prepared | None:
        """If this event is the PIN a check waits for, run the check now (outside any unit)."""
        pin = read_pin(event.text) if isinstance(event, engine.TextEntered) else None
        if pin is None:
            return None
        with records.unit() as unit:  # a short read; the KDF comes after it
            conversation = unit.conversation(chat)
            if conversation is None or conversation.mode not in PIN_MODES:
                return None
            now = host.clock()
            if throttled(unit, chat, now):
                return None  # the dialog says so; no KDF for a throttled chat
            guessed_at = unit.failed_resumes(None, now - timedelta(hours=1)) > FLEET_HOUR
        code = conversation.scratch.get("code", "")
        self._note_slowdown(guessed_at)
        if guessed_at:
            host.sleep(SLOWDOWN_SECONDS)  # someone is guessing at scale: slow everyone
        started = host.timer()
        key = records.resume_key(code, pin)
        # Whatever the answer, the check takes the same time: the reply comes no sooner.
        host.sleep(max(0.0, CHECK_SECONDS - (host.timer() - started)))
        return Prepared(code, pin, key)

    def _note_slowdown(self, engaged: bool) -> None:
        """Log when the fleet-wide slowdown engages (a warning to alert on) and ends."""
        if engaged and not self.slowed:
            log.warning("resume.fleet_slowdown")
        elif self.slowed and not engaged:
            log.info("resume.fleet_slowdown_ended")
        self.slowed = engaged
