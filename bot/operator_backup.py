"""``helpline backup --to FOLDER [--keep N]``: back up the database, keep the newest N.

Makes the backup through ``bot.storage.backup`` (SQLite's online backup, or ``pg_dump``),
refuses a folder that holds the key file or lies inside the folder that does (the keys must
never travel with the data), deletes all but the newest N backups, and says what it did and
what the operator still must do (keep the key file elsewhere). Never reads a key; never prints
anything about a trainee.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.operator_doctor import url_of
from bot.storage.backup import BackupError, backup, prune

KEEP = 30
"""Backups kept by default: a month of nightly ones (deploy/README.md: 30 days at most)."""


def _beside_the_keys(folder: Path, key_file: Path) -> bool:
    """Whether a backup in ``folder`` would sit with the key file (same folder, or around it)."""
    folder, keys = folder.resolve(), key_file.resolve().parent
    return folder == keys or folder in keys.parents or keys in folder.parents


def backup_command(settings: Settings, folder: Path, keep: int, stdout: TextIO) -> int:
    """Back up the database into ``folder`` and prune it to ``keep`` backups."""
    if keep < 1:
        print("--keep must be 1 or more: the newest backup is always kept.", file=stdout)
        return 2
    if _beside_the_keys(folder, settings.key_file):
        print(
            f"Refused: {folder} would hold the backup together with the key file "
            f"{settings.key_file} (or share its folder). Anyone holding both reads every case: "
            "back up into a folder of its own, and keep the key file elsewhere "
            "(deploy/README.md, 'Backups').",
            file=stdout,
        )
        return 2
    try:
        made = backup(url_of(settings), folder)
    except BackupError as error:
        print(f"Backup failed: {error}. Nothing was deleted.", file=stdout)
        return 1
    gone = prune(folder, keep)
    print(
        f"Wrote {made.path} ({made.size:,} bytes, readable by its owner only); "
        f"deleted {len(gone)} older backups, keeping the newest {keep}.",
        file=stdout,
    )
    print(
        "The backup holds sealed data only: it opens with the key file, which is not in it. "
        "Keep a copy of the key file elsewhere, never beside these backups.",
        file=stdout,
    )
    return 0
