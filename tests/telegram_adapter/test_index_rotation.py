"""The index key rotated while the helpline runs, mid-drive, on SQLite and PostgreSQL.

Issue 13 item 4: "the index key can be rotated (re-index)". Trainees of the drive
(``test_drive``) continue, resume on a second phone and delete while ``helpline keys rotate
--index`` runs beside the bot; the bot learns the new key on SIGHUP; at the end ``keys retire
--index`` waits for the chats whose id is kept nowhere (exited, case kept), which move as soon
as they write again; then the old key goes, and every kept case opens with its code and PIN
under the new key alone.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import signal
from pathlib import Path

import pytest

from bot.config import Secret
from bot.storage.database import open_database
from bot.storage.keys import read_key_file
from bot.storage.keyuse import index_marker
from bot.storage.store import SqlRecords
from bot.telegram_adapter import runtime

from ..conftest import TEST_KDF
from ..desk.test_desk import idle_wipe_later
from ..harness import Running, running
from .test_drive import (
    LANGS,
    PIN,
    SEED,
    Drive,
    Store,
    _store,  # noqa: F401 - the fixture: a SQLite file, or PostgreSQL
    deleted_cases_are_gone,
    desk_world,
    drive_settings,
    no_canary_in_logs,
    nothing_left_in_exited_chats,
    parting_lines,
)
from .test_key_rotation import operator

TRAINEES = 30


async def reloaded(bot: Running, index_id: str) -> None:
    """SIGHUP, as ``systemctl reload helpline``; wait until the bot marks the new index key."""
    os.kill(os.getpid(), signal.SIGHUP)
    for _ in range(500):
        use = bot.parts.index_use
        if use is not None and use.key_id == index_marker(index_id):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the running helpline did not learn the new index key")


def operator_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: Store
) -> dict[str, object]:
    """The drive's settings; the operator's commands see the same database and volunteers."""
    monkeypatch.setattr(runtime, "open_database", lambda s: open_database(s, TEST_KDF))
    monkeypatch.setenv("HELPLINE_DATA_DIR", str(tmp_path))
    url = store.changes.get("database_url")
    if isinstance(url, Secret):
        monkeypatch.setenv("HELPLINE_DATABASE_URL", url.reveal())
    settings = drive_settings(tmp_path, store)
    staff = settings["staff_user_ids"]
    assert isinstance(staff, frozenset)
    monkeypatch.setenv("HELPLINE_STAFF_USER_IDS", ",".join(map(str, sorted(staff))))
    return settings


@pytest.mark.asyncio
async def test_an_index_rotation_while_trainees_continue_resume_and_delete(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    store: Store,
) -> None:
    caplog.set_level(logging.INFO)
    settings = operator_settings(tmp_path, monkeypatch, store)
    seed = f"seed {SEED} ({TRAINEES} trainees; HELPLINE_DRIVE_SEED={SEED} replays it)"
    key_file = tmp_path / "keys.json"
    world = desk_world()
    async with running(tmp_path, world, **settings) as bot:
        old_id = bot.parts.database.keys.keyring.index_id

        async def rotate_in_round(rounds: int) -> None:
            if rounds != 2:  # cases are open and chats are busy by now
                return
            before = key_file.read_bytes()
            rotation = asyncio.create_task(operator("keys", "rotate", "--index"))
            while key_file.read_bytes() == before:  # the new key is written; the re-index
                await asyncio.sleep(0.02)  # waits for the bot to learn it, which serves on
            await reloaded(bot, read_key_file(key_file).index_id)
            code, out = await rotation
            assert code == 0, out  # it waited for the reload, if it came after its look

        drive = Drive(bot, random.Random(SEED), TRAINEES, rotate_in_round)
        await drive.run()
        keyring = bot.parts.database.keys.keyring
        assert keyring.index_ids[1:] == (old_id,)  # the bot makes values with the new key
        await idle_wipe_later(bot)
        trainees, parting = drive.trainees, parting_lines(bot)
        deleted_cases_are_gone(bot.parts.database.engine, trainees, seed)
        nothing_left_in_exited_chats(world, trainees, seed, parting)

        code, out = await operator("keys", "retire", "--index")
        if code:  # exited chats whose case is kept: their ids are kept nowhere
            assert "holders:" in out and "still makes" not in out, out
            for who in trainees:
                if not who.deletes:  # they come back: each chat moves as it writes
                    for phone in (who.phone, who.second):
                        world.user_sends(phone, "/start", language_code=LANGS[who.lang])
            await bot.settle(timeout=120)
            code, out = await operator("keys", "retire", "--index")
        assert code == 0, out
    only_new = read_key_file(key_file, TEST_KDF)
    assert only_new.index_ids == keyring.index_ids[:1]
    engine = bot.parts.database.engine
    records = SqlRecords(engine, only_new)
    try:
        for who in trainees:
            if who.deletes or who.code is None:
                continue
            key = await asyncio.to_thread(records.resume_key, who.code, PIN)
            with records.unit() as unit:
                assert unit.case_by_resume_key(key) == who.public_id, f"{seed}: {who.path}"
    finally:
        engine.dispose()  # the bot has stopped: its pool's connections are closed here
    no_canary_in_logs(caplog, trainees, seed)
    events = [record.getMessage() for record in caplog.records]
    assert "update.given_up" not in events and "update.failed" not in events
