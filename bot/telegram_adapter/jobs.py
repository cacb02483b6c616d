"""The helpline's jobs on Telegram: leading, the clock, the doorbell, the heartbeat.

* ``lead``: one process leads (sends and runs the jobs), elected by a database lock;
* ``clock``: every minute the leader's round (the idle wipe, the desk's due mail and
  reminders, the retention purge every six hours) and every process's keys (``keep_keys``);
  a database that stays unreachable is told to the desk; each job fails on its
  own, and one that falls behind raises the operator's alert (``bot.telegram_adapter.jobwatch``);
* ``heartbeat`` (started by the clock): every 10 s the file ``helpline health`` reads: when
  the clock, the intake (its last completed poll), the worker and the sender last turned,
  and whether the database answered the clock;
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
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from bot.actions import WipeChat
from bot.config import Settings
from bot.desk.outage import ALERT_AFTER, OutageWatch
from bot.effects import Turn
from bot.records import Records, Unit
from bot.storage import (
    LEADER,
    Database,
    DatabaseError,
    Held,
    KeysError,
    Locks,
    Purged,
    index_marker,
    listen,
    note_job,
    purge,
    reload_keys,
)
from bot.telegram_adapter.gauges import note_loops
from bot.telegram_adapter.jobwatch import JobWatch
from bot.telegram_adapter.parts import Parts
from bot.telegram_adapter.sender import to_actions

log = logging.getLogger(__name__)

IDLE_CHECK = 60.0
BEAT_EVERY = 10.0
"""Seconds between heartbeats: ``helpline health`` sees a stalled loop within a minute."""
"""Seconds between two rounds of the clock."""
LEAD_EVERY = 5.0
"""Seconds between a follower's tries to lead (and the leader's checks that it still does)."""
OUTAGE_ALERT_AFTER = ALERT_AFTER
"""How long the database may be unreachable before the desk is told."""
PURGE_EVERY = timedelta(hours=6)

T = TypeVar("T")


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
    """Every minute: the leader's jobs (below), and every process's keys and heartbeat.

    A round that cannot reach the database counts towards telling the desk (``OutageWatch``);
    a job that fails does not stop the others, and one not completed within twice its period
    raises the operator's alert (``JobWatch``).
    """
    state: dict[str, Any] = {"clock": time.time(), "database": True}
    beating = asyncio.create_task(heartbeat(settings, parts, state))
    try:
        await _turn(settings, parts, stop, leader, state)
    finally:
        beating.cancel()


async def _turn(
    settings: Settings,
    parts: Parts,
    stop: asyncio.Event,
    leader: asyncio.Event,
    state: dict[str, Any],
) -> None:
    next_purge = time.monotonic() + 60
    watch = OutageWatch(after=OUTAGE_ALERT_AFTER)
    jobs = JobWatch(parts.metrics, periods(parts))
    while not stop.is_set():
        reachable = True
        await asyncio.to_thread(keep_keys, parts)
        try:
            if leader.is_set():
                next_purge = await _round(settings, parts, next_purge, jobs)
                jobs.check()
            else:
                jobs.standby()
                await asyncio.to_thread(parts.sender.outbox.size)  # does the database answer?
        except DatabaseError:
            reachable = False
            log.warning("clock.database_unreachable")
            jobs.check()
        except Exception as error:  # not a job's: try again next round
            log.warning("clock.failed", extra={"error": type(error).__name__})
        alert = watch.round(reachable, datetime.now(UTC))
        if alert is not None and parts.desk is not None:  # each process tells what it sees
            await parts.desk.announce(alert)
        state.update(clock=time.time(), database=reachable)
        moving = liveness(parts, state["clock"])  # at once, too: an outage shows without delay
        await asyncio.to_thread(beat, settings.heartbeat_file, reachable, moving)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=IDLE_CHECK)


def periods(parts: Parts) -> dict[str, float]:
    """Each job's period in seconds (the desk's jobs only with a desk)."""
    every = {"idle_wipe": IDLE_CHECK, "purge": PURGE_EVERY.total_seconds()}
    if parts.desk is not None:
        every |= {"desk_mail": IDLE_CHECK, "desk_reminders": IDLE_CHECK}
    return every


def keep_keys(parts: Parts) -> None:
    """Learn the key file's keys (a rotation), and mark the master key this process wraps with.

    Every process, every round and on SIGHUP: ``helpline keys retire`` waits for this.
    """
    keys = parts.database.keys
    try:
        if reload_keys(keys):
            log.info("keys.reloaded")
    except KeysError:
        log.error("keys.reload_failed")  # the keys in use stay as they were
    marks = ((parts.key_use, keys.keyring.active), (parts.index_use, keys.keyring.index_id))
    for use, key_id in marks:
        if use is None:
            continue
        try:
            use.hold(key_id if use is parts.key_use else index_marker(key_id))
        except (DatabaseError, OSError):
            log.warning("keys.mark_failed")  # tried again next round


async def _job(jobs: JobWatch, name: str, work: Callable[[], Awaitable[T]]) -> T | None:
    """Run one job; a failure is the job's, not the round's (the database's is the round's)."""
    try:
        result = await work()
    except DatabaseError:
        raise
    except Exception as error:  # tried again next round; overdue if it keeps failing
        jobs.failed(name, error)
        return None
    jobs.done(name)
    return result


async def _round(settings: Settings, parts: Parts, next_purge: float, jobs: JobWatch) -> float:
    """The idle wipe and the desk's rounds; the purge when it is due. Return the next purge."""
    parts.metrics.count("helpline_job_rounds_total")
    await _job(jobs, "idle_wipe", lambda: wipe_idle(settings, parts))
    if parts.desk is not None:
        rules = parts.desk.rules
        mail = await _job(jobs, "desk_mail", lambda: asyncio.to_thread(rules.due_mail))
        reminders = await _job(jobs, "desk_reminders", lambda: asyncio.to_thread(rules.remind))
        if mail or reminders:
            parts.sender.wake.set()
    if time.monotonic() < next_purge:
        return next_purge
    done = await _job(jobs, "purge", lambda: asyncio.to_thread(_purge, settings, parts))
    return next_purge if done is None else time.monotonic() + PURGE_EVERY.total_seconds()


def _purge(settings: Settings, parts: Parts) -> Purged:
    database = parts.database
    done = purge(
        database.engine,
        settings.retention_days,
        keyring=database.keys.keyring,
        audit_days=settings.audit_days,
    )
    log.info("purge.done", extra={"cases": done.cases})
    if done.threads and parts.desk is not None:
        parts.desk.rules.forget(done.threads)
    return done


def beat(path: Path, reachable: bool, moving: Mapping[str, float | None] | None = None) -> None:
    """Write the heartbeat file ``helpline health`` reads.

    ``moving`` says when (Unix time) each loop last turned: the clock, the intake (its last
    completed poll, or webhook call), the worker and the sender (see ``liveness``).
    """
    with contextlib.suppress(OSError):  # a read-only or full disk must not stop the bot
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # the data folder: 0700
        temporary = path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"at": time.time(), "database": reachable, **(moving or {})}, handle)
        temporary.replace(path)


def liveness(parts: Parts, clock_turned: float) -> dict[str, float | None]:
    """When each loop last turned; a listening webhook counts as an intake that is turning."""
    intake = parts.intake.polled
    if parts.webhook_port is not None:
        intake = time.time()
    return {
        "clock": clock_turned,
        "intake": intake,
        "worker": parts.worker.turned,
        "sender": parts.sender.turned,
    }


async def heartbeat(settings: Settings, parts: Parts, state: dict[str, Any]) -> None:
    """Every ``BEAT_EVERY`` seconds: the heartbeat, with what the clock last saw (``state``)."""
    while True:
        moving = liveness(parts, state["clock"])
        note_loops(parts.metrics, moving)  # for the "not polling" alert
        await asyncio.to_thread(beat, settings.heartbeat_file, state["database"], moving)
        await asyncio.sleep(BEAT_EVERY)


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
    await asyncio.to_thread(note_job, parts.database.engine, "idle_wipe")  # for 'doctor'


def _sweep(records: Records, left: list[tuple[str, int]]) -> None:
    with records.unit() as unit:
        for chat, address in left:
            unit.send_later(chat, [WipeChat(address, sweep=True)])
