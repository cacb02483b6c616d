"""The index key rotated (re-index), on SQLite and PostgreSQL: every case is still found.

Issue 13 item 4: the index key (chat pseudonyms, holders, resume indexes, tallies' lookups,
volunteers' pseudonyms) could not be rotated at all. ``helpline keys rotate --index`` makes a new
one and re-indexes; killed mid-way it is run again; ``keys retire --index`` removes the old one
only once no process and no row needs it; and nothing made with the old key stays behind.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, String, select
from sqlalchemy.orm import Session

from bot.actions import Send
from bot.conversation import Conversation
from bot.engine import State
from bot.records import StaffMember
from bot.storage.crypto import Keyring
from bot.storage.keys import encode, read_key_file, write_key_file
from bot.storage.keyuse import KeyUse, index_marker
from bot.storage.models import Base, CaseRow, LedgerRow, OutboxRow, TallyRow
from bot.storage.reindex import follow_chat, still_needed
from bot.storage.sealing import seal_row
from bot.storage.store import SqlRecords
from bot.values import Yen

from ..conftest import ROOT, TEST_KDF, make_keyring
from .helpers import NOW, url_of
from .test_rotation import run_cli

PIN = "482915"
STAFF = 777


@dataclass
class Trainee:
    """One chat with a case: its chat id, case and code."""

    chat_id: int
    case: str
    code: str


def key_file(tmp_path: Path, keyring: Keyring) -> Path:
    path = tmp_path / "keys" / "keys.json"
    write_key_file(path, keyring.masters, keyring.active, keyring.index_keys[0])
    return path


def populate(engine: Engine, keyring: Keyring, count: int, first: int = 1000) -> list[Trainee]:
    """Chats with a conversation, a case held and a PIN; queued replies, failures, a claim."""
    records = SqlRecords(engine, keyring, lambda: NOW)
    trainees = []
    volunteer = "staff:" + keyring.pseudonym("staff", STAFF)[:16]
    with records.unit() as unit:
        for chat_id in range(first, first + count):
            chat = keyring.pseudonym("chat", chat_id)
            case = unit.open_case("vi", {"wages.pay": Yen(chat_id)}, "v1")
            code = unit.set_pin(case, PIN)
            state = State("wages", "topics", {"wages.pay": Yen(chat_id)}, ())
            unit.save_conversation(chat, Conversation("vi", state, case=case), str(chat_id))
            unit.hold_case(case, chat)
            unit.record_failed_resume(chat)
            unit.send_later(chat, [Send(chat_id, "x")])
            if chat_id % 7 == 0:
                unit.claim(case, volunteer)
                unit.audit(volunteer, "claimed", case)
                unit.close_case(case)  # counted into the tallies
            trainees.append(Trainee(chat_id, case, code))
        staff_key = keyring.pseudonym("staff", STAFF)  # an enrolled volunteer (staff step-up)
        unit.save_staff_member(StaffMember(staff_key, NOW, "ready", address=str(STAFF)))
    with Session(engine) as session, session.begin():
        for trainee in trainees[:5]:  # sent messages, with their chat id sealed
            chat = keyring.pseudonym("chat", trainee.chat_id)
            row = LedgerRow(chat_key=chat, message_id=9, outgoing=True, at=NOW)
            session.add(row)
            session.flush()
            row.dek, row.address = seal_row(
                keyring, "message_ledger", row.id, str(trainee.chat_id).encode()
            )
        session.add(LedgerRow(chat_key="f" * 64, message_id=3, outgoing=False, at=NOW))
    return trainees


def lookup_values(engine: Engine) -> set[str]:
    """Every pseudonym-like value in the database: long strings in any text column.

    But the audit's: audit rows are append-only, and a volunteer's pseudonym in one stays
    until the audit purge (unlinkable once the old key is retired).
    """
    found: set[str] = set()
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name == "audit":
                continue
            columns = [c for c in table.columns if isinstance(c.type, String)]
            if not columns:
                continue
            for row in connection.execute(select(*columns)):
                found |= {value for value in row if isinstance(value, str) and len(value) >= 20}
    return found


def found_by_chat_and_code(engine: Engine, keyring: Keyring, trainees: list[Trainee]) -> None:
    """Every case is held by its chat's (current) pseudonym, and its code and PIN open it."""
    records = SqlRecords(engine, keyring)
    keys = {t.chat_id: records.resume_key(t.code, PIN) for t in trainees}
    with records.unit() as unit:
        for trainee in trainees:
            chat = keyring.pseudonym("chat", trainee.chat_id)
            assert unit.held_cases(chat) == [trainee.case]
            conversation = unit.conversation(chat)
            assert conversation is not None and conversation.case == trainee.case
            assert unit.case_by_resume_key(keys[trainee.chat_id]) == trainee.case


def cli_env(monkeypatch: pytest.MonkeyPatch, engine: Engine, path: Path) -> None:
    monkeypatch.setenv("HELPLINE_DATABASE_URL", url_of(engine))
    monkeypatch.setenv("HELPLINE_KEY_FILE", str(path))
    monkeypatch.setenv("HELPLINE_STAFF_USER_IDS", str(STAFF))


def test_rotate_then_every_case_is_found_and_no_old_value_remains(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = make_keyring()
    path = key_file(tmp_path, old)
    trainees = populate(engine, old, 40)
    before = lookup_values(engine)
    assert len(before) > 40 * 2  # chat keys (and holders), resume indexes, tallies, staff
    cli_env(monkeypatch, engine, path)

    code, out = run_cli("keys", "rotate", "--index")
    assert code == 0 and "helpline keys retire --index" in out, out
    both = read_key_file(path, TEST_KDF)
    assert both.index_ids[1:] == old.index_ids  # the old key retires, still configured
    again = run_cli("keys", "rotate", "--index")[1]
    assert "\n0 values re-indexed; 0 rows" in again  # run again: nothing left to do

    assert lookup_values(engine) & before == set()  # no value made with the old key remains
    code, out = run_cli("keys", "retire", "--index")
    assert code == 0 and "Retired the index keys" in out, out
    only_new = read_key_file(path, TEST_KDF)
    assert only_new.index_ids == both.index_ids[:1]
    assert "retiring_index" not in json.loads(path.read_text())
    found_by_chat_and_code(engine, only_new, trainees)
    with Session(engine) as session:  # the tallies: found under the new key, not split
        lookups = session.scalars(select(TallyRow.lookup)).all()
        claims = set(
            session.scalars(select(CaseRow.claimed_by).where(CaseRow.claimed_by.is_not(None)))
        )
    assert lookups and len(lookups) == len(set(lookups))
    assert claims == {"staff:" + only_new.pseudonym("staff", STAFF)[:16]}
    with SqlRecords(engine, only_new).unit() as unit:  # the volunteer needs no new enrolment
        member = unit.staff_member(only_new.pseudonym("staff", STAFF))
        assert member is not None and member.address == str(STAFF)
    assert run_cli("keys", "retire", "--index")[0] == 1  # nothing retiring any more


def test_a_rotation_killed_mid_way_is_resumed_and_every_case_stays_findable(
    engine: Engine, tmp_path: Path
) -> None:
    old = make_keyring()
    path = key_file(tmp_path, old)
    trainees = populate(engine, old, 620)  # two batches of chats, two of cases
    before = lookup_values(engine)
    env = {
        "HELPLINE_DATABASE_URL": url_of(engine),
        "HELPLINE_KEY_FILE": str(path),
        "HELPLINE_DATA_DIR": str(tmp_path),
        "HELPLINE_LOG_LEVEL": "ERROR",
    }
    command = [sys.executable, "-m", "bot", "keys", "rotate", "--index"]
    rng = random.Random(13)
    for point in (1, 2, 3, 1):  # killed after that many committed batches
        run = subprocess.run(
            command,
            cwd=ROOT,
            env={**env, "HELPLINE_FAILPOINT": f"reindex.batch:{point}"},
            capture_output=True,
            check=False,
        )
        assert run.returncode == -9, run.stderr  # SIGKILL, mid-way
        both = read_key_file(path, TEST_KDF)
        assert len(both.index_ids) == 2  # one new key, made once: the kill resumes it
        findable_mid_way(engine, both, old, rng.sample(trainees, 60))
    finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=False)
    assert finished.returncode == 0, finished.stderr
    assert lookup_values(engine) & before == set()
    both = read_key_file(path, TEST_KDF)
    assert not any(still_needed(engine, both).values())
    found_by_chat_and_code(
        engine, Keyring(both.masters, both.active, both.index_keys[0], TEST_KDF), trainees
    )


def findable_mid_way(engine: Engine, both: Keyring, old: Keyring, trainees: list[Trainee]) -> None:
    """Mid-way, each chat's rows are under one key or the other, whole; code and PIN work."""
    records = SqlRecords(engine, both)
    with records.unit() as unit:
        for trainee in trainees:
            new_chat = both.pseudonym("chat", trainee.chat_id)
            old_chat = old.pseudonym("chat", trainee.chat_id)
            held = unit.held_cases(new_chat) or unit.held_cases(old_chat)
            assert held == [trainee.case]
            conversation = unit.conversation(new_chat) or unit.conversation(old_chat)
            assert conversation is not None and conversation.case == trainee.case
    for trainee in trainees[:10]:  # a trainee resuming now: found (and moved)
        key = records.resume_key(trainee.code, PIN)
        with records.unit() as unit:
            assert unit.case_by_resume_key(key) == trainee.case


def test_retire_waits_for_a_running_process_a_silent_chat_and_an_old_resume_index(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = make_keyring()
    path = key_file(tmp_path, old)
    silent, legacy, *_ = populate(engine, old, 3)
    records = SqlRecords(engine, old, lambda: NOW)
    with records.unit() as unit:  # the silent chat left: its id is kept nowhere now
        unit.end_conversation(old.pseudonym("chat", silent.chat_id))
    with Session(engine) as session, session.begin():
        session.execute(LedgerRow.__table__.delete())
        session.execute(OutboxRow.__table__.delete())
    v1 = old._argon(old._index[0].legacy_salt, legacy.code, PIN).hex()  # before seeds: v1
    with records.unit() as unit:
        row = unit._case_row(legacy.case)
        assert row is not None
        row.resume_index = v1
        unit.seal_case(row, {"resume_index": v1, "holder": row.holder, "hx": old.index_id})
    cli_env(monkeypatch, engine, path)
    assert run_cli("keys", "rotate", "--index")[0] == 0
    both = read_key_file(path, TEST_KDF)

    running = KeyUse(engine)
    running.hold(index_marker(old.index_id))  # a process that has not reloaded
    code, out = run_cli("keys", "retire", "--index")
    assert code == 1 and "still makes pseudonyms with the index key" in out
    running.hold(index_marker(both.index_id))
    code, out = run_cli("keys", "retire", "--index")
    assert code == 1 and "holders: 1" in out and "resume_indexes: 1" in out, out

    follow_chat(engine, both, [silent.chat_id])  # the silent chat writes again
    key = SqlRecords(engine, both).resume_key(legacy.code, PIN)
    with SqlRecords(engine, both).unit() as unit:  # the old index's case is resumed
        assert unit.case_by_resume_key(key) == legacy.case
    code, out = run_cli("keys", "retire", "--index")
    assert code == 0, out
    running.close()
    only_new = read_key_file(path, TEST_KDF)
    with SqlRecords(engine, only_new).unit() as unit:
        assert unit.held_cases(only_new.pseudonym("chat", silent.chat_id)) == [silent.case]
    key = SqlRecords(engine, only_new).resume_key(legacy.code, PIN)
    with SqlRecords(engine, only_new).unit() as unit:
        assert unit.case_by_resume_key(key) == legacy.case


def test_keys_from_the_environment_print_the_setting_and_need_a_restart(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = make_keyring()
    monkeypatch.setenv("HELPLINE_DATABASE_URL", url_of(engine))
    masters = ",".join(f"{kid}:{encode(key)}" for kid, key in old.masters.items())
    monkeypatch.setenv("HELPLINE_MASTER_KEYS", masters)
    monkeypatch.setenv("HELPLINE_INDEX_KEY", encode(old.index_keys[0]))
    code, out = run_cli("keys", "rotate", "--index")
    line = out.splitlines()[-1]
    assert code == 0 and line.startswith("HELPLINE_INDEX_KEY=")
    assert line.endswith("," + encode(old.index_keys[0]))  # the new key first, the old after
    assert line != f"HELPLINE_INDEX_KEY={encode(old.index_keys[0])}"
