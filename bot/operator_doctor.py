"""``helpline doctor``: check the installation, one line per check, each problem with its fix.

Looks and never touches: it writes no key file (``require=True`` is its own choice, whatever
``HELPLINE_REQUIRE_KEYS`` says), and opens SQLite read-only, so it creates neither the database
file nor the data folder. Each line starts with ``ok``, ``FIX`` (doctor exits 1) or ``note``
(worth knowing, not a fault: the key file ``make run`` writes beside the database, jobs that
have not run lately). Besides the configuration, the database, the keys, the content and the
desk, it reports counts only: cases kept, open and waiting for a volunteer (and how long the
oldest has waited), and when the purge and the idle wipe last completed. Never prints a key or
anything about a trainee.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot.assemble import japan_today
from bot.calculators.minimum_wage import MinimumWageTable, next_revision
from bot.clock import utcnow
from bot.config import Settings
from bot.desk.roster import RosterError, read_roster
from bot.flowdefs.folder import load_flowset
from bot.flowdefs.problems import errors
from bot.i18n import tools as i18n_tools
from bot.storage.connection import NoDatabase, default_url, sqlite_path
from bot.storage.counts import DeskLoad
from bot.storage.inspection import Inspection, inspect_database
from bot.storage.keys import KeysError, KeySource, load_keys
from bot.telegram_adapter.checks import telegram_desk_checks, telegram_webhook_checks

Check = tuple[bool | None, str]
"""One line: True (ok), False (FIX: a fault, with its fix) or None (a note), and the text."""

MARK = {True: "ok  ", False: "FIX ", None: "note"}

JOBS_LATE = {"idle_wipe": timedelta(minutes=10), "purge": timedelta(hours=13)}
"""After this long without completing, a job is mentioned (the bot runs the idle wipe every
minute and the purge every six hours; twice that and a margin)."""


def url_of(settings: Settings) -> str:
    """The database URL the settings name (the SQLite file in the data folder by default)."""
    if settings.database_url:
        return settings.database_url.reveal()
    return default_url(settings.data_dir)


def doctor(settings: Settings, stdout: TextIO, request: object = None) -> int:
    """Check the installation; print one line per check, with a fix for each problem."""
    keys = _load_keys(settings)
    results: list[Check] = [
        *_keys_checks(settings, keys),
        *_database_checks(settings, keys),
        *_content_checks(settings),
        _telegram_check(settings),
        *_desk_checks(settings),
        *telegram_desk_checks(settings, request),
        *telegram_webhook_checks(settings, request),
    ]
    for ok, line in results:
        print(f"{MARK[ok]} {line}", file=stdout)
    return 1 if any(ok is False for ok, _ in results) else 0


def _load_keys(settings: Settings) -> KeySource | KeysError | None:
    """The configured keys, why they cannot be loaded, or None when none are configured."""
    if not (settings.master_keys or settings.index_key or settings.key_file.exists()):
        return None
    try:
        return load_keys(
            settings.master_keys.reveal() if settings.master_keys else None,
            settings.index_key.reveal() if settings.index_key else None,
            settings.key_file,
            require=True,  # never write a key file here
        )
    except KeysError as error:
        return error


def _keys_checks(settings: Settings, keys: KeySource | KeysError | None) -> list[Check]:
    """Where the keys come from, and whether that is fit for production."""
    if keys is None:
        production = (
            "For production, make a key file apart from the data: 'helpline keys new --file "
            "/etc/helpline/keys.json', and set HELPLINE_KEY_FILE to it (deploy/README.md)."
        )
        if settings.require_keys:
            return [
                (
                    False,
                    "keys: none configured (no HELPLINE_MASTER_KEYS and HELPLINE_INDEX_KEY, no "
                    f"key file at {settings.key_file}), and HELPLINE_REQUIRE_KEYS=1 makes the "
                    f"helpline refuse to start. {production}",
                )
            ]
        return [
            (
                None,
                "keys: none yet. The first 'helpline run' (or 'make run') writes a key file at "
                f"{settings.key_file}, which is fine for trying the helpline out. {production}",
            )
        ]
    if isinstance(keys, KeysError):
        return [(False, f"keys: {keys}")]
    results: list[Check] = [
        (True, f"keys: from the {keys.origin}, active master key {keys.keyring.active}")
    ]
    if len(keys.keyring.index_ids) > 1:
        results.append(
            (
                None,
                "keys: an old index key is still configured (an index rotation is under way): "
                "once 'helpline keys rotate --index' has finished, 'helpline keys retire "
                "--index' removes it when nothing needs it any more (docs/storage.md)",
            )
        )
    if keys.path is not None and _inside(keys.path, settings.data_dir):
        results.append(
            (
                None,
                f"keys: the key file {keys.path} sits in the data folder beside the database, "
                "as 'make run' writes it for trying the helpline out: fine on your own "
                "machine, but a backup or a thief of that folder gets the records and the keys "
                "together. For production, move it out ('helpline keys new --file "
                "/etc/helpline/keys.json' on a new installation, or move this file), set "
                "HELPLINE_KEY_FILE to it and HELPLINE_REQUIRE_KEYS=1 (deploy/README.md).",
            )
        )
    return results


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().parent == folder.resolve()


def _database_checks(settings: Settings, keys: KeySource | KeysError | None) -> list[Check]:
    """The database answers, its schema is current, the keys unwrap every data key; counts."""
    url = url_of(settings)
    masters = set(keys.keyring.masters) if isinstance(keys, KeySource) else None
    try:
        found = inspect_database(url, masters)
    except NoDatabase:
        return [
            (
                False,
                f"database: no database yet at {sqlite_path(url)}: run 'helpline db upgrade' "
                "(or start the helpline, which makes and migrates it); doctor never creates it",
            )
        ]
    except Exception as error:
        return [
            (
                False,
                f"database: cannot connect ({type(error).__name__}); check HELPLINE_DATABASE_URL",
            )
        ]
    results: list[Check] = [(True, f"database: reachable ({found.backend})")]
    if found.behind:
        return [
            *results,
            (False, "database: migrations are pending; run 'helpline db upgrade'"),
        ]
    results.append((True, "database: schema is current"))
    if masters is not None:
        missing = found.missing_keys
        results.append(
            (
                not missing,
                "keys: every data key can be unwrapped"
                if not missing
                else f"keys: data keys need master keys {sorted(missing)} which are "
                "not configured; add them back",
            )
        )
    return [*results, *counts(found)]


def counts(found: Inspection, now: datetime | None = None) -> list[Check]:
    """Cases kept, open and unclaimed (with the oldest's wait); the jobs' last completions."""
    now = now or utcnow()
    load = found.load or DeskLoad(0, 0, 0, None)
    line = f"cases: {load.kept} kept, {load.open} open, {load.unclaimed} unclaimed"
    if load.unclaimed:
        line += f" (the oldest waiting {age(load.oldest_age(now))})"
    return [(True, line), *_job_lines(found.jobs, now)]


def _job_lines(done: dict[str, datetime], now: datetime) -> list[Check]:
    """When the purge and the idle wipe last completed, as the bot noted (``job_runs``)."""
    results: list[Check] = []
    for job, name in {"purge": "purge", "idle_wipe": "idle wipe"}.items():
        at = done.get(job)
        if at is None:
            results.append(
                (
                    None,
                    f"jobs: no {name} has completed yet; the running bot does it ("
                    + (
                        "every 6 hours; 'helpline purge' by hand)"
                        if job == "purge"
                        else "every minute)"
                    ),
                )
            )
            continue
        when = f"jobs: last {name} {at:%Y-%m-%d %H:%M} UTC ({age((now - at).total_seconds())} ago)"
        if now - at > JOBS_LATE[job]:
            results.append(
                (None, f"{when}: if the bot is running, it is behind ('helpline health')")
            )
        else:
            results.append((True, when))
    return results


MINUTE, HOUR, TWO_DAYS = 60, 60, 48


def age(seconds: float) -> str:
    """A duration as people say it: ``45 s``, ``12 min``, ``5 h 20 min``, ``3 days``."""
    if seconds < MINUTE:
        return f"{seconds:.0f} s"
    minutes = int(seconds // MINUTE)
    if minutes < HOUR:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, HOUR)
    if hours < TWO_DAYS:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def _content_checks(settings: Settings) -> list[Check]:
    """The flows load without errors, every text is translated, the minimum wages are current."""
    today = japan_today()
    flows, problems = load_flowset(settings.flows_dir, today)
    _, complete = i18n_tools.check(flows, settings.flows_dir, settings.locales_dir)
    return [
        _minimum_wage_check(flows.data.minimum_wages, today),
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


def _minimum_wage_check(table: MinimumWageTable, today: date) -> Check:
    """A note once the next year's minimum wages may be in force and the table lacks them."""
    newest = table.newest_year()
    if not table.may_be_old(today) or newest is None:
        return (True, f"minimum wages: the table has fiscal year {newest}, current today")
    return (
        None,
        f"minimum wages: the table's newest rows are for fiscal year {newest}, and the next "
        f"year's may be in force since {next_revision(newest)}; trainees are told the figure may "
        "be old. Add the new rows to flows/data/minimum_wages.yaml from the MHLW list "
        "(地域別最低賃金の全国一覧) or the labour bureau pages",
    )


def _telegram_check(settings: Settings) -> Check:
    """Whether a bot token is set (informational: without one the terminal chat runs)."""
    return (
        True,
        "telegram: a bot token is set"
        if settings.telegram_token
        else "telegram: no HELPLINE_TELEGRAM_TOKEN, so 'helpline run' opens the terminal chat",
    )


def _desk_checks(settings: Settings) -> list[Check]:
    """The union desk: connected or not, and a roster that reads and matches the allowlist."""
    if settings.staff_chat_id is None:
        return [
            (
                True,
                "desk: not connected (no HELPLINE_STAFF_CHAT_ID), so trainees who ask for a "
                "person are given the help numbers",
            )
        ]
    results: list[Check] = [(True, f"desk: {len(settings.staff_user_ids)} volunteers may answer")]
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
