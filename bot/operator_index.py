"""The operator's index-key commands: ``keys rotate --index`` and ``keys retire --index``.

The index key makes the chat and volunteer pseudonyms, the tallies' lookups and the resume
index (docs/storage.md). Rotating it takes two commands, each safe while the helpline runs and
each safe to run again:

1. ``keys rotate --index`` adds a new index key (the key file keeps the old one as
   ``retiring_index``; with keys from the environment it prints ``HELPLINE_INDEX_KEY=new,old``
   to set and restart with, then is run again), waits until every running process has learned
   it (one that does not know it could not find a moved row), and re-indexes every value it
   can work out again (``bot.storage.reindex``), in committed batches; killed, it is run again;
2. ``keys retire --index`` removes the retiring key, but refuses while a running process still
   makes values with it (it has not reloaded) or any row still needs it; it re-indexes first
   what late processes wrote.

Called by ``bot.operator_tools``; prints to the given stream and returns the exit status. Never
prints a key except a new one for the environment, and nothing about a trainee.
"""

from __future__ import annotations

import time
from typing import TextIO

from bot import failpoints
from bot.config import Settings
from bot.operator_keys import progress
from bot.storage.crypto import index_key_id, new_key
from bot.storage.database import Database, open_database
from bot.storage.keys import encode, read_key_file, write_key_file
from bot.storage.keyuse import in_use_by_a_process, index_marker
from bot.storage.maintenance import count_keys as count_rows
from bot.storage.reindex import reindex, still_needed


def keys_rotate_index(settings: Settings, stdout: TextIO) -> int:
    """Start (or go on with) an index-key rotation: a new index key, then the re-index."""
    failpoints.arm(settings.failpoint)
    database = open_database(settings)
    try:
        if len(database.keys.keyring.index_ids) == 1 and not _new_index_key(database, stdout):
            return 0
        if not _everyone_reloaded(database, stdout):
            return 1
        return _reindex(database, settings, stdout)
    finally:
        database.engine.dispose()


def _new_index_key(database: Database, stdout: TextIO) -> bool:
    """Add a new current index key; say whether the re-index can start now."""
    keyring, path, key = database.keys.keyring, database.keys.path, new_key()
    if path is None:
        old = ",".join(encode(old) for old in keyring.index_keys)
        print(
            "Set this in HELPLINE_INDEX_KEY (the new key first, the old one after), restart "
            "every helpline process, then run 'helpline keys rotate --index' again:\n"
            f"HELPLINE_INDEX_KEY={encode(key)},{old}",
            file=stdout,
        )
        return False
    stored = read_key_file(path)
    write_key_file(path, stored.masters, stored.active, key, stored.index_keys)
    keyring.learn(read_key_file(path, keyring.kdf))
    print(
        f"Added the index key {index_key_id(key)} to {path}; the old one stays as retiring "
        "until 'helpline keys retire --index'. Running helpline processes use the new one "
        "within a minute (at once with 'systemctl reload helpline').",
        file=stdout,
    )
    return True


RELOAD_WAIT = 150.0
"""Seconds to wait for every running process to learn the new index key (each re-reads the
key file every minute)."""


def _everyone_reloaded(database: Database, stdout: TextIO) -> bool:
    """Wait until no running process makes values with a retiring index key any more.

    A process that does not know the new key cannot find a row moved to it: the re-index waits
    for each one to have reloaded (its marker moved to the new key), and moves nothing before.
    """
    keyring, engine = database.keys.keyring, database.engine
    deadline = time.monotonic() + RELOAD_WAIT
    told = False
    while any(in_use_by_a_process(engine, index_marker(old)) for old in keyring.index_ids[1:]):
        if time.monotonic() > deadline:
            print(
                "A running helpline has not learned the new index key yet: reload it "
                "('systemctl reload helpline', or restart it with the new setting), then run "
                "'helpline keys rotate --index' again. Nothing was re-indexed.",
                file=stdout,
            )
            return False
        if not told:
            print("Waiting for every running helpline to learn the new index key…", file=stdout)
            told = True
        time.sleep(0.5)
    return True


def _reindex(database: Database, settings: Settings, stdout: TextIO) -> int:
    keyring, engine = database.keys.keyring, database.engine
    print(f"Re-indexing under the index key {keyring.index_id}:", file=stdout)
    done = reindex(engine, keyring, settings.staff_user_ids, progress(count_rows(engine), stdout))
    print(
        f"\n{done.moved} values re-indexed; {done.dropped} rows of chats kept nowhere dropped.",
        file=stdout,
    )
    needed = still_needed(engine, keyring, settings.staff_user_ids)
    if any(needed.values()):
        print(_waiting(needed), file=stdout)
    print(
        "Once every helpline process has reloaded (within a minute, or 'systemctl reload "
        "helpline'), remove the old index key with 'helpline keys retire --index'.",
        file=stdout,
    )
    return 0


def _waiting(needed: dict[str, int]) -> str:
    """Say which values still need a retiring index key, and why they wait."""
    counts = ", ".join(f"{kind}: {count}" for kind, count in needed.items() if count)
    return (
        f"Still under the old index key ({counts}): a chat whose id is kept nowhere moves "
        "when it writes again, a resume index made before seeds were kept moves when its "
        "case is resumed; both go with the case's purge at the latest."
    )


def keys_retire_index(settings: Settings, stdout: TextIO) -> int:
    """Remove the retiring index keys once no process uses them and no row needs them."""
    database = open_database(settings)
    try:
        return _retire(database, settings, stdout)
    finally:
        database.engine.dispose()


def _retire(database: Database, settings: Settings, stdout: TextIO) -> int:
    keyring, engine = database.keys.keyring, database.engine
    retiring = keyring.index_ids[1:]
    if not retiring:
        print("No index key is retiring; nothing was changed.", file=stdout)
        return 1
    for old in retiring:
        if in_use_by_a_process(engine, index_marker(old)):
            print(
                f"A running helpline still makes pseudonyms with the index key {old}: let it "
                "reload ('systemctl reload helpline', or wait a minute), then try again.",
                file=stdout,
            )
            return 1
    reindex(engine, keyring, settings.staff_user_ids)  # what a late process wrote
    needed = still_needed(engine, keyring, settings.staff_user_ids)
    if any(needed.values()):
        print(_waiting(needed) + " Nothing was changed; try again later.", file=stdout)
        return 1
    if database.keys.path is None:
        print(
            "No row and no running process needs the old index key any more. Set this, and "
            f"restart:\nHELPLINE_INDEX_KEY={encode(keyring.index_keys[0])}",
            file=stdout,
        )
        return 0
    path = database.keys.path
    stored = read_key_file(path)
    write_key_file(path, stored.masters, stored.active, keyring.index_keys[0])
    print(f"Retired the index keys {', '.join(retiring)}: they are gone from {path}.", file=stdout)
    return 0
