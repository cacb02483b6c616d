"""The operator's commands: ``db``, ``keys``, ``purge``, ``doctor``, ``health``, ``backup``.

``doctor``, ``keys`` and ``backup`` live in modules of their own; ``report`` is here too.

Called by ``bot.cli`` with parsed arguments; prints to the given stream and returns the exit
status. Never prints a key except the new one ``keys new`` is asked to make, and never prints
anything about a trainee.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TextIO

from bot.assemble import japan_today
from bot.config import Settings
from bot.flowdefs.folder import load_flowset
from bot.operator_backup import backup_command
from bot.operator_doctor import doctor, url_of
from bot.operator_index import keys_retire_index, keys_rotate_index
from bot.operator_keys import key_file_new, keys_new, keys_retire, keys_rotate
from bot.operator_staff import staff_command
from bot.reports.report import make_report, to_csv, to_html, to_markdown
from bot.storage.connection import make_engine, upgrade
from bot.storage.counts import open_cases, read_tallies
from bot.storage.database import open_database
from bot.storage.maintenance import purge

BEAT_STALE = 30.0
"""Seconds: the heartbeat is written every 10 s; three missed ones is a stuck process."""
LOOPS_STALE = {"intake": 45.0, "worker": 30.0, "sender": 30.0, "clock": 200.0}
"""Seconds each loop may go without turning. The intake completes a poll at least every
``POLL_SECONDS`` (10) plus the time to answer; with the 10 s heartbeat a deaf intake shows
within 55 s. The clock turns every minute: three missed rounds is a stuck clock."""


def operator_command(settings: Settings, args: argparse.Namespace, stdout: TextIO) -> int:
    """Run one operator command."""
    match args.command, getattr(args, "action", None):
        case "db", "upgrade":
            engine = make_engine(url_of(settings))
            upgrade(engine)
            print("The database is at the newest version.", file=stdout)
            return 0
        case "keys", "new" if getattr(args, "file", None) is not None:
            return key_file_new(args.file, stdout)
        case "keys", "new":
            return keys_new(settings, stdout)
        case "keys", "rotate" if getattr(args, "index", False):
            return keys_rotate_index(settings, stdout)
        case "keys", "retire" if getattr(args, "index", False):
            return keys_retire_index(settings, stdout)
        case "keys", "rotate":
            return keys_rotate(settings, stdout)
        case "keys", "retire" if getattr(args, "key_id", None):
            return keys_retire(settings, args.key_id, stdout)
        case "keys", "retire":
            print("Name the master key to retire: 'helpline keys retire KEY_ID'.", file=stdout)
            return 2
        case "health", _:
            return health(settings, stdout)
        case "backup", _:
            return backup_command(settings, args.folder, args.keep, stdout)
        case "staff", _:
            return staff_command(settings, args, stdout)
        case "report", _:
            return _report(settings, args, stdout)
        case "purge", _:
            database = open_database(settings)
            if database.notice:
                print(database.notice, file=stdout)
            done = purge(
                database.engine,
                settings.retention_days,
                keyring=database.keys.keyring,
                audit_days=settings.audit_days,
            )
            print(
                f"Purged {done.cases} cases inactive for over {settings.retention_days} days, "
                f"{done.conversations} idle conversations and {done.other} old entries.",
                file=stdout,
            )
            return 0
        case _:
            return doctor(settings, stdout)


def health(settings: Settings, stdout: TextIO, *, now: float | None = None) -> int:
    """For container health checks: 0 if every loop turned lately and the database answered.

    The running bot writes the heartbeat every 10 s (``jobs.heartbeat``): when the clock,
    the intake (its last completed poll; a listening webhook counts as turning), the worker
    and the sender last turned. A deaf bot (a poll hung or the intake stopped) is unhealthy
    within a minute. Otherwise 1, with one line saying why.
    """
    path = settings.heartbeat_file
    now = time.time() if now is None else now
    try:
        beat = json.loads(path.read_text(encoding="utf-8"))
        age = now - float(beat["at"])
    except (OSError, ValueError, KeyError, TypeError):
        print(f"unhealthy: no heartbeat at {path} (is 'helpline run' running?)", file=stdout)
        return 1
    if age > BEAT_STALE:
        print(f"unhealthy: the last heartbeat is {age:.0f} s old", file=stdout)
        return 1
    for loop, stale in LOOPS_STALE.items():
        turned = beat.get(loop, now)  # older files lack the loops
        if not isinstance(turned, (int, float)) or now - turned > stale:
            since = f"{now - turned:.0f} s" if isinstance(turned, (int, float)) else "start"
            print(f"unhealthy: the {loop} has not turned for {since}", file=stdout)
            return 1
    if not beat.get("database", False):
        print("unhealthy: the database did not answer", file=stdout)
        return 1
    print(f"healthy: heartbeat {age:.0f} s ago", file=stdout)
    return 0


def _report(settings: Settings, args: argparse.Namespace, stdout: TextIO) -> int:
    """Write the advocacy report of a period (counts only; see ``bot.reports``)."""
    if args.end < args.start:
        print("--to is before --from: nothing to report.", file=stdout)
        return 2
    database = open_database(settings)  # the counts are sealed: they open with the keys
    if database.notice:
        sys.stderr.write(database.notice + "\n")  # stdout may be the report
    flows, _ = load_flowset(settings.flows_dir, japan_today())
    first, last = f"{args.start:%Y-%m}", f"{args.end:%Y-%m}"
    report = make_report(
        read_tallies(database.engine, database.keys.keyring, first, last),
        start=args.start,
        end=args.end,
        made=japan_today(),
        open_now=open_cases(database.engine),
        lang=args.lang,
        prefecture_name=lambda pref: flows.data.prefectures.name(pref, args.lang),
    )
    writers = {"md": to_markdown, "csv": to_csv, "html": to_html}
    text = writers[args.format](report)
    if args.output is None:
        stdout.write(text)
        if report.empty and args.format == "csv":  # a CSV has no place for the sentence
            sys.stderr.write(report.word("empty") + "\n")
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"Wrote the {args.format} report to {args.output}.", file=stdout)
        if report.empty:
            print(report.word("empty", lang="en"), file=stdout)
    return 0
