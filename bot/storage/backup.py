"""Backups of the database, made while the helpline runs: never of the keys.

* SQLite: SQLite's online backup API (``sqlite3.Connection.backup``) copies every page in one
  step, a consistent snapshot even while the bot writes (WAL readers do not block writers);
  the copy is switched to a self-contained single file (``journal_mode=DELETE``), checked with
  ``PRAGMA quick_check``, and only then renamed into place.
* PostgreSQL: ``pg_dump --format=custom`` (one consistent snapshot), the password handed over
  in the environment, never on the command line (the URL's ``host`` query gives a socket).

Each file is written 0600 into a folder made 0700, named ``helpline-<UTC time>.<ext>``;
``prune`` keeps the newest N and deletes the older ones (a backup is a copy of every case:
deleted cases live on in old backups until those go). The keys are never read or written here:
a backup holds only sealed data, and the key file must be kept elsewhere (``bot.operator_backup``
refuses a backup folder that holds it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.clock import utcnow
from bot.storage.connection import normalise_url, private_folder, sqlite_path

PREFIX = "helpline-"
SUFFIXES = (".sqlite3", ".dump")


class BackupError(Exception):
    """The backup could not be made; the message says why (never a password)."""


@dataclass(frozen=True, slots=True)
class Made:
    """One backup written: where, and how big."""

    path: Path
    size: int


def backup(url: str, folder: Path, now: datetime | None = None) -> Made:
    """Back up the database at ``url`` into ``folder``; return the new file."""
    private_folder(folder)
    stamp = f"{(now or utcnow()):%Y%m%dT%H%M%SZ}"
    source = sqlite_path(url)
    suffix = ".sqlite3" if source is not None else ".dump"
    target = folder / f"{PREFIX}{stamp}{suffix}"
    again = 1
    while target.exists():  # two in one second: the later one sorts after (``_`` > ``.``)
        again += 1
        target = folder / f"{PREFIX}{stamp}_{again}{suffix}"
    partial = folder / f".{target.name}.partial"
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        if source is not None:
            _sqlite(source, partial)
        else:
            _pg_dump(url, partial)
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        partial.chmod(0o600)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return Made(target, target.stat().st_size)


def _sqlite(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"no database file at {source}")
    with (
        contextlib.closing(
            sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        ) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)  # every page in one step: one consistent snapshot
        dst.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
        (verdict,) = dst.execute("PRAGMA quick_check").fetchone()
    if verdict != "ok":
        raise BackupError(f"the copy failed SQLite's check: {verdict}")


def _pg_dump(url: str, target: Path) -> None:
    program = shutil.which("pg_dump")
    if program is None:
        raise BackupError("pg_dump is not installed (Debian: apt-get install postgresql-client)")
    parsed = make_url(normalise_url(url))
    # With a password, pg_dump gets it in a clean environment of its own (never in argv,
    # which other users may see); without one, it inherits ours (PGPASSFILE, peer auth).
    environment = None if parsed.password is None else {"PGPASSWORD": str(parsed.password)}
    plain = parsed.set(drivername="postgresql", password=None)
    dsn = plain.render_as_string(hide_password=False)
    done = subprocess.run(  # noqa: S603 - fixed program, arguments we built
        [program, "--format=custom", "--no-owner", f"--file={target}", f"--dbname={dsn}"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["no message"])[0]
        raise BackupError(f"pg_dump failed (exit {done.returncode}): {first}")


def backups(folder: Path) -> list[Path]:
    """The backups in ``folder``, oldest first."""
    if not folder.is_dir():
        return []
    found = [
        path
        for path in folder.iterdir()
        if path.name.startswith(PREFIX) and path.suffix in SUFFIXES and path.is_file()
    ]
    return sorted(found, key=lambda path: path.name)


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups in ``folder``; return what was deleted."""
    old = backups(folder)[: max(0, len(backups(folder)) - keep)]
    for path in old:
        path.unlink()
    return old
