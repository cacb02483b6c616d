"""The operator's key commands: ``keys new``, ``keys rotate`` and ``keys retire``.

Rotating a master key takes three steps, each safe while the helpline runs (docs/storage.md):

1. ``keys new`` adds a new master key as the active one (to the key file, or prints the new
   ``HELPLINE_MASTER_KEYS``); running processes learn it within a minute, on SIGHUP, or when
   they meet a data key wrapped with it;
2. ``keys rotate`` re-wraps every data key with the active master key (killed, it is run
   again); the old key stays configured;
3. ``keys retire OLD`` removes the old master key, but refuses while a running process still
   wraps with it or any row still needs it.

Called by ``bot.operator_tools``; prints to the given stream and returns the exit status. Never
prints a key except a new one it is asked to make, and nothing about a trainee.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.storage.crypto import new_key
from bot.storage.database import Database, open_database
from bot.storage.keys import encode, new_key_id, read_key_file, write_key_file
from bot.storage.keyuse import in_use_by_a_process
from bot.storage.maintenance import count_keys, rotate, rows_wrapped_with


def progress(total: int, stdout: TextIO) -> Callable[[int], None]:
    """Return a callback that draws a progress bar as batches finish."""
    done = [0]

    def step(count: int) -> None:
        done[0] += count
        width = 30
        filled = width * done[0] // max(total, 1)
        stdout.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done[0]}/{total}")
        stdout.flush()

    return step


def key_file_new(path: Path, stdout: TextIO) -> int:
    """Write a key file for a new installation; never over an existing one."""
    if path.exists():
        print(
            f"{path} exists already; nothing was written (add a key with 'keys new').", file=stdout
        )
        return 1
    key_id = new_key_id()
    write_key_file(path, {key_id: new_key()}, key_id, new_key())
    print(
        f"Wrote a new key file to {path} (readable by its owner only). Set "
        f"HELPLINE_KEY_FILE to where the helpline will find it, and keep it out of the "
        "database's backups: losing it loses every record.",
        file=stdout,
    )
    return 0


def keys_new(settings: Settings, stdout: TextIO) -> int:
    """Add a new active master key (the first step of a rotation)."""
    key_id = new_key_id()
    key = new_key()
    if settings.master_keys is not None:
        print(
            "Set this first in HELPLINE_MASTER_KEYS (the active key comes first), restart "
            "every helpline process, then run 'helpline keys rotate':",
            file=stdout,
        )
        print(
            f"HELPLINE_MASTER_KEYS={key_id}:{encode(key)},{settings.master_keys.reveal()}",
            file=stdout,
        )
        return 0
    if not settings.key_file.exists():
        print(f"No key file at {settings.key_file}. For a new installation, set:", file=stdout)
        print(f"HELPLINE_MASTER_KEYS={key_id}:{encode(key)}", file=stdout)
        print(f"HELPLINE_INDEX_KEY={encode(new_key())}", file=stdout)
        return 0
    keyring = read_key_file(settings.key_file)
    masters = {key_id: key, **keyring.masters}
    current, *retiring = keyring.index_keys
    write_key_file(settings.key_file, masters, key_id, current, retiring)
    print(
        f"Added the master key {key_id} to {settings.key_file} as the active key. Running "
        "helpline processes use it within a minute (at once with 'systemctl reload "
        "helpline'). Now run 'helpline keys rotate' to re-wrap every data key with it.",
        file=stdout,
    )
    return 0


def keys_rotate(settings: Settings, stdout: TextIO) -> int:
    """Re-wrap every data key with the active master key; keep the old keys configured."""
    database = open_database(settings)
    if database.notice:
        print(database.notice, file=stdout)
    keyring = database.keys.keyring
    total = count_keys(database.engine)
    print(f"Re-wrapping {total} data keys under the master key {keyring.active}:", file=stdout)
    rewrapped = rotate(database.engine, keyring, progress(total, stdout))
    database.engine.dispose()
    print(f"\n{rewrapped} data keys re-wrapped.", file=stdout)
    for old in sorted(set(keyring.masters) - {keyring.active}):
        print(
            f"Once every helpline process has reloaded (within a minute, or 'systemctl reload "
            f"helpline'), remove {old} with 'helpline keys retire {old}'.",
            file=stdout,
        )
    return 0


def keys_retire(settings: Settings, key_id: str, stdout: TextIO) -> int:
    """Remove an old master key, once no process wraps with it and no row needs it."""
    database = open_database(settings)
    try:
        return _retire(database, key_id, stdout)
    finally:
        database.engine.dispose()


def _retire(database: Database, key_id: str, stdout: TextIO) -> int:
    keyring, engine = database.keys.keyring, database.engine
    refusal = None
    if key_id not in keyring.masters:
        refusal = f"No master key {key_id} is configured; nothing was changed."
    elif key_id == keyring.active:
        refusal = (
            f"{key_id} is the active master key: add a new one first ('helpline keys new'), "
            "then 'helpline keys rotate'."
        )
    elif in_use_by_a_process(engine, key_id):  # first: such a process may still add rows
        refusal = (
            f"A running helpline still wraps new data keys with {key_id}: let it reload "
            "('systemctl reload helpline', or wait a minute), then try again."
        )
    elif (rows := rows_wrapped_with(engine, key_id)) > 0:
        refusal = f"{rows} data keys still use {key_id}: run 'helpline keys rotate' first."
    if refusal is not None:
        print(refusal, file=stdout)
        return 1
    if database.keys.path is not None:
        path = database.keys.path
        masters = {kid: key for kid, key in keyring.masters.items() if kid != key_id}
        current, *retiring = read_key_file(path).index_keys
        write_key_file(path, masters, keyring.active, current, retiring)
        print(f"Retired the master key {key_id}: it is gone from {path}.", file=stdout)
        return 0
    kept = ",".join(
        f"{kid}:{encode(key)}" for kid, key in keyring.masters.items() if kid != key_id
    )
    print(
        f"No row and no running process needs {key_id} any more. Set this, and restart:\n"
        f"HELPLINE_MASTER_KEYS={kept}",
        file=stdout,
    )
    return 0
