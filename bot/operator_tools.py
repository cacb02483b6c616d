"""The operator's commands: ``db upgrade``, ``keys …``, ``purge``, ``doctor``, ``health``.

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
from bot.desk.roster import RosterError, read_roster
from bot.flowdefs.folder import load_flowset
from bot.flowdefs.problems import errors
from bot.i18n import tools as i18n_tools
from bot.operator_index import keys_retire_index, keys_rotate_index
from bot.operator_keys import key_file_new, keys_new, keys_retire, keys_rotate
from bot.reports.report import make_report, to_csv, to_html, to_markdown
from bot.storage.connection import default_url, make_engine, pending_migrations, upgrade
from bot.storage.counts import open_cases, read_tallies
from bot.storage.database import open_database
from bot.storage.keys import KeysError, KeySource, load_keys
from bot.storage.maintenance import master_keys_in_use, purge
from bot.telegram_adapter.checks import telegram_desk_checks

BEAT_STALE = 30.0
"""Seconds: the heartbeat is written every 10 s; three missed ones is a stuck process."""
LOOPS_STALE = {"intake": 45.0, "worker": 30.0, "sender": 30.0, "clock": 200.0}
"""Seconds each loop may go without turning. The intake completes a poll at least every
``POLL_SECONDS`` (10) plus the time to answer; with the 10 s heartbeat a deaf intake shows
within 55 s. The clock turns every minute: three missed rounds is a stuck clock."""


def _url(settings: Settings) -> str:
    return (
        settings.database_url.reveal() if settings.database_url else default_url(settings.data_dir)
    )


def operator_command(settings: Settings, args: argparse.Namespace, stdout: TextIO) -> int:
    """Run one operator command."""
    match args.command, getattr(args, "action", None):
        case "db", "upgrade":
            engine = make_engine(_url(settings))
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


_Check = tuple[bool, str]
"""One line of ``doctor``: whether all is well, and what was found (with a fix if not)."""


def doctor(settings: Settings, stdout: TextIO, request: object = None) -> int:
    """Check the installation; print one line per check, with a fix for each problem."""
    keys = _load_keys(settings)
    results = [
        *_keys_checks(settings, keys),
        *_database_checks(settings, keys),
        *_content_checks(settings),
        _telegram_check(settings),
        *_desk_checks(settings),
        *telegram_desk_checks(settings, request),
    ]
    for ok, line in results:
        print(f"{'ok ' if ok else 'FIX'}  {line}", file=stdout)
    return 0 if all(ok for ok, _ in results) else 1


def _load_keys(settings: Settings) -> KeySource | KeysError:
    """The configured keys, or why they cannot be loaded."""
    try:
        return load_keys(
            settings.master_keys.reveal() if settings.master_keys else None,
            settings.index_key.reveal() if settings.index_key else None,
            settings.key_file,
            require=True,
        )
    except KeysError as error:
        return error


def _keys_checks(settings: Settings, keys: KeySource | KeysError) -> list[_Check]:
    """Where the keys come from, and whether that is fit for production."""
    if isinstance(keys, KeysError):
        return [(False, f"keys: {keys}")]
    results = [(True, f"keys: from the {keys.origin}, active master key {keys.keyring.active}")]
    if keys.origin == "key file" and not settings.require_keys:
        results.append(
            (
                False,
                "keys: the key file sits in the data folder beside the "
                "database; for production keep the keys elsewhere and set "
                "HELPLINE_REQUIRE_KEYS=1",
            )
        )
    return results


def _database_checks(settings: Settings, keys: KeySource | KeysError) -> list[_Check]:
    """The database answers, its schema is current, and the keys unwrap every data key."""
    results: list[_Check] = []
    try:
        engine = make_engine(_url(settings))
        behind = pending_migrations(engine)
        results.append((True, f"database: reachable ({engine.url.get_backend_name()})"))
        results.append(
            (
                not behind,
                "database: schema is current"
                if not behind
                else "database: migrations are pending; run 'helpline db upgrade'",
            )
        )
        if isinstance(keys, KeySource) and not behind:
            missing = master_keys_in_use(engine) - set(keys.keyring.masters)
            results.append(
                (
                    not missing,
                    "keys: every data key can be unwrapped"
                    if not missing
                    else f"keys: data keys need master keys {sorted(missing)} which are "
                    "not configured; add them back",
                )
            )
    except Exception as error:
        results.append(
            (
                False,
                f"database: cannot connect ({type(error).__name__}); check HELPLINE_DATABASE_URL",
            )
        )
    return results


def _content_checks(settings: Settings) -> list[_Check]:
    """The flows load without errors, and every text is translated."""
    flows, problems = load_flowset(settings.flows_dir, japan_today())
    _, complete = i18n_tools.check(flows, settings.flows_dir, settings.locales_dir)
    return [
        (
            not errors(problems),
            "flows: no errors"
            if not errors(problems)
            else f"flows: {len(errors(problems))} errors; run 'helpline flows check'",
        ),
        (
            complete,
            "translations: complete"
            if complete
            else "translations: incomplete; run 'helpline i18n check'",
        ),
    ]


def _telegram_check(settings: Settings) -> _Check:
    """Whether a bot token is set (informational: without one the terminal chat runs)."""
    return (
        True,
        "telegram: a bot token is set"
        if settings.telegram_token
        else "telegram: no HELPLINE_TELEGRAM_TOKEN, so 'helpline run' opens the terminal chat",
    )


def _desk_checks(settings: Settings) -> list[_Check]:
    """The union desk: connected or not, and a roster that reads and matches the allowlist."""
    if settings.staff_chat_id is None:
        return [
            (
                True,
                "desk: not connected (no HELPLINE_STAFF_CHAT_ID), so trainees who ask for a "
                "person are given the help numbers",
            )
        ]
    results = [(True, f"desk: {len(settings.staff_user_ids)} volunteers may answer")]
    path = settings.roster_path
    if not path.exists():
        results.append(
            (
                False,
                f"desk: no roster at {path}, so cards name nobody and urgent cases ping "
                "nobody; copy deploy/roster.example.yaml there",
            )
        )
        return results
    try:
        roster = read_roster(path)
    except RosterError as error:
        return [*results, (False, f"desk: {error}")]
    strangers = sorted(v.name for v in roster.volunteers if v.id not in settings.staff_user_ids)
    results.append(
        (
            not strangers,
            f"desk: roster read ({len(roster.volunteers)} volunteers, "
            f"{len(roster.on_call())} on call)"
            if not strangers
            else f"desk: on the roster but not in HELPLINE_STAFF_USER_IDS, so their replies "
            f"would be refused: {', '.join(strangers)}; add their ids",
        )
    )
    if not roster.on_call():
        results.append((False, "desk: nobody is on call, so urgent cases at night ping nobody"))
    return results


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
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"Wrote the {args.format} report to {args.output}.", file=stdout)
    return 0
