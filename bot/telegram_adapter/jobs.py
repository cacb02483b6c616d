"""The helpline's jobs on Telegram: leading, the clock, the doorbell, the heartbeat.

* ``lead``: one process leads (sends and runs the jobs), elected by a database lock;
* ``clock``: every minute the leader's round (the idle wipe, the desk's due mail and
  reminders, the retention purge every six hours) and every process's heartbeat; a database
  that stays unreachable is told to the desk;
* ``doorbell``: wakes this process's sender when any process queues actions.

The rules each job follows are the service's (``Helpline.wipe_idle``, ``bot.service.desk``)
and storage's (``purge``); this module only decides when they run.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.actions import WipeChat
from bot.config import Settings
from bot.desk.outage import ALERT_AFTER, OutageWatch
from bot.effects import Turn
from bot.records import Records, Unit
from bot.storage import LEADER, Database, DatabaseError, Held, Locks, listen, purge
from bot.telegram_adapter.parts import Parts
from bot.telegram_adapter.sender import to_actions

log = logging.getLogger(__name__)

IDLE_CHECK = 60.0
"""Seconds between two rounds of the clock."""
LEAD_EVERY = 5.0
"""Seconds between a follower's tries to lead (and the leader's checks that it still does)."""
OUTAGE_ALERT_AFTER = ALERT_AFTER
"""How long the database may be unreachable before the desk is told."""
PURGE_EVERY = timedelta(hours=6)


def doorbell(database: Database, parts: Parts) -> threading.Event:
    """Wake this process's sender when any process queues actions; set the event to stop."""
    loop = asyncio.get_running_loop()
    stop = threading.Event()

    def ring() -> None:
        loop.call_soon_threadsafe(parts.sender.wake.set)

    thread = threading.Thread(
        target=listen, args=(database.engine, ring, stop), name="doorbell", daemon=True
    )
    thread.start()
    return stop


async def lead(locks: Locks, leader: asyncio.Event, stop: asyncio.Event) -> None:
    """Become the leader (the process that sends and runs the jobs) when nobody is.

    Stay it while the lock's connection lives; let go when stopped. On SQLite, lead at once.
    """
    held: Held | None = None
    try:
        while not stop.is_set():
            try:
                if held is None:
                    held = await asyncio.to_thread(locks.try_lock, LEADER, "jobs")
                    if held is not None:
                        log.info("leader.elected")
                elif not await asyncio.to_thread(locks.still_held, held):
                    held = None
            except DatabaseError:
                held = None
            if held is None:
                leader.clear()
            else:
                leader.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=LEAD_EVERY)
    finally:
        leader.clear()
        if held is not None:
            await asyncio.to_thread(locks.release, held)


async def clock(
    settings: Settings, parts: Parts, stop: asyncio.Event, leader: asyncio.Event
) -> None:
    """Every minute: the leader's jobs (below) and every process's heartbeat.

    A round that cannot reach the database counts towards telling the desk (``OutageWatch``).
    """
    next_purge = time.monotonic() + 60
    watch = OutageWatch(after=OUTAGE_ALERT_AFTER)
    while not stop.is_set():
        reachable = True
        try:
            if leader.is_set():
                next_purge = await _round(settings, parts, next_purge)
            else:
                await asyncio.to_thread(parts.sender.outbox.size)  # does the database answer?
        except DatabaseError:
            reachable = False
            log.warning("clock.database_unreachable")
        except Exception as error:  # try again next round
            log.warning("clock.failed", extra={"error": type(error).__name__})
        alert = watch.round(reachable, datetime.now(UTC))
        if alert is not None and parts.desk is not None:  # each process tells what it sees
            await parts.desk.announce(alert)
        await asyncio.to_thread(beat, settings.heartbeat_file, reachable)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=IDLE_CHECK)


async def _round(settings: Settings, parts: Parts, next_purge: float) -> float:
    """The idle wipe and the desk's rounds; the purge when it is due. Return the next purge."""
    parts.metrics.count("helpline_job_rounds_total")
    await wipe_idle(settings, parts)
    if parts.desk is not None:
        mail = await asyncio.to_thread(parts.desk.rules.due_mail)
        reminders = await asyncio.to_thread(parts.desk.rules.remind)
        if mail or reminders:
            parts.sender.wake.set()
    if time.monotonic() < next_purge:
        return next_purge
    keyring = parts.database.keys.keyring
    done = await asyncio.to_thread(
        purge,
        parts.database.engine,
        settings.retention_days,
        keyring=keyring,
        audit_days=settings.audit_days,
    )
    log.info("purge.done", extra={"cases": done.cases})
    if done.threads and parts.desk is not None:
        await asyncio.to_thread(parts.desk.rules.forget, done.threads)
    return time.monotonic() + PURGE_EVERY.total_seconds()


def beat(path: Path, reachable: bool) -> None:
    """Write the heartbeat file ``helpline health`` reads (the clock's rounds are turning)."""
    with contextlib.suppress(OSError):  # a read-only or full disk must not stop the bot
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # the data folder: 0700
        temporary = path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"at": time.time(), "database": reachable}, handle)
        temporary.replace(path)


async def wipe_idle(settings: Settings, parts: Parts) -> None:
    """Wipe the chats resting longer than the settings allow (the service decides which).

    Then sweep the chats left earlier (no conversation) in which messages came afterwards (a
    volunteer's reply after ``/exit``, say): everything but the parting line goes, once the
    newest message is as old as the idle time.
    """
    before = datetime.now(UTC) - timedelta(minutes=settings.idle_wipe_minutes)

    def after(unit: Unit, chat: str, address: str | None, turn: Turn) -> None:
        if address is not None:
            unit.send_later(chat, to_actions(turn, int(address), None))

    wiped = await asyncio.to_thread(parts.helpline.wipe_idle, before, after)
    left = await asyncio.to_thread(parts.sender.ledger.left_chats, before)
    if left:
        await asyncio.to_thread(_sweep, parts.helpline.records, left)
        log.info("chat.swept", extra={"chats": len(left)})
    if wiped or left:
        parts.sender.wake.set()


def _sweep(records: Records, left: list[tuple[str, int]]) -> None:
    with records.unit() as unit:
        for chat, address in left:
            unit.send_later(chat, [WipeChat(address, sweep=True)])
