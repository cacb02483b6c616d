"""Master keys on SQLite and PostgreSQL: envelopes name theirs, and a rotation moves every one.

Acceptance check of the storage issue: a key rotation killed at random points loses nothing.
"""

from __future__ import annotations

import io
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.actions import Send
from bot.cli import main
from bot.conversation import Conversation
from bot.engine import State
from bot.storage.crypto import Keyring, envelope_key_id
from bot.storage.inbox import Arrived, Inbox
from bot.storage.keys import encode
from bot.storage.keyuse import KeyUse, in_use_by_a_process
from bot.storage.ledger import Ledger
from bot.storage.maintenance import master_keys_in_use, rotate, rows_wrapped_with
from bot.storage.models import CaseKeyRow, CaseRow, ConversationKeyRow, LedgerRow
from bot.storage.outbox import Outbox
from bot.storage.sealing import seal_row
from bot.storage.store import SqlRecords
from bot.values import Yen

from ..conftest import ROOT, make_keyring
from .helpers import NOW, url_of

# Envelopes.


def test_envelopes_name_their_master_key(engine: Engine) -> None:
    records = SqlRecords(engine, make_keyring("k7"), lambda: NOW)
    with records.unit() as unit:
        unit.open_case("vi", {}, "v1")
    with Session(engine) as session:
        wrapped = session.scalars(select(CaseKeyRow.dek)).one()
    assert envelope_key_id(wrapped) == "k7"


# Key rotation, killed and resumed.


def key_env(keyring: Keyring) -> dict[str, str]:
    masters = ",".join(f"{kid}:{encode(key)}" for kid, key in keyring.masters.items())
    index = encode(keyring.index_keys[0])
    return {"HELPLINE_MASTER_KEYS": masters, "HELPLINE_INDEX_KEY": index}


def every_key_unwraps(engine: Engine, keyring: Keyring) -> None:
    with Session(engine) as session:
        for model, table in ((CaseKeyRow, "cases"), (ConversationKeyRow, "conversations")):
            for row_id, wrapped in session.execute(
                select(*model.__table__.primary_key, model.dek)
            ):
                keyring.unwrap(wrapped, f"{table}|{row_id}")


def every_row_opens(engine: Engine, keyring: Keyring, expected: dict[str, object]) -> None:
    with Session(engine) as session:
        public_ids = session.scalars(select(CaseRow.public_id)).all()
    with SqlRecords(engine, keyring).unit() as unit:
        for chat, conversation in expected.items():
            assert unit.conversation(chat) == conversation
        for public_id in public_ids:
            assert unit.kept_answers(public_id)


def test_a_key_rotation_killed_at_random_points_loses_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    old = make_keyring("k1")
    records = SqlRecords(engine, old)
    expected: dict[str, object] = {}
    with records.unit() as unit:
        for number in range(1000):
            answers = {"wages.pay": Yen(number)}
            case = unit.open_case("ja", answers, "v1")
            conversation = Conversation("ja", State("wages", "topics", answers, ()), case=case)
            unit.save_conversation(f"chat-{number}", conversation, str(number))
            expected[f"chat-{number}"] = conversation
    new = Keyring({"k2": make_keyring().masters["k1"], **old.masters}, "k2", bytes(32), old.kdf)
    env = {
        "HELPLINE_DATABASE_URL": url_of(engine),
        "HELPLINE_DATA_DIR": str(tmp_path),
        "HELPLINE_LOG_LEVEL": "ERROR",
        **key_env(new),
    }
    command = [sys.executable, "-m", "bot", "keys", "rotate"]
    rng = random.Random(4)
    runs = killed = halfway = 0
    # Until 10 kills have landed in the middle of a rotation (a kill may come after the end on a
    # fast or a loaded machine: counting runs instead made this flaky), at most 60 runs.
    while halfway < 10 and runs < 60:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        assert process.stdout is not None
        wanted = rng.randint(1, 4)  # progress ticks (batches of 500 done) to wait for
        seen = 0
        while seen < wanted:
            char = process.stdout.read(1)
            if not char:
                break
            seen += char == b"\r"
        time.sleep(rng.uniform(0, 0.03))
        process.send_signal(signal.SIGKILL)
        killed += process.wait() == -signal.SIGKILL
        process.stdout.close()
        runs += 1
        every_key_unwraps(engine, new)
        in_use = master_keys_in_use(engine)
        halfway += in_use == {"k1", "k2"}
        if in_use == {"k2"}:  # it finished before the kill: turn back, so the next run works
            rotate(engine, Keyring(new.masters, "k1", bytes(32), old.kdf))
    assert halfway >= 10 and killed >= runs * 3 // 4  # kills landed in the middle of a rotation
    finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=False)
    assert finished.returncode == 0, finished.stderr
    assert master_keys_in_use(engine) == {"k2"}
    only_new = Keyring({"k2": new.masters["k2"]}, "k2", bytes(32), old.kdf)
    every_row_opens(engine, only_new, expected)


# What else a rotation covers.


def test_rotation_and_the_key_check_cover_waiting_updates_replies_and_sent_ids(
    engine: Engine,
) -> None:
    old = make_keyring("k1")
    Inbox(engine, old).take_in([Arrived(5, "chat", b'{"update_id": 5}')])
    with SqlRecords(engine, old, lambda: NOW).unit() as unit:
        unit.send_later("chat", [Send(1, "x")])
    with Session(engine) as session, session.begin():  # a sent message's sealed chat id
        row = LedgerRow(chat_key="gone", message_id=9, outgoing=True, at=NOW - timedelta(hours=1))
        session.add(row)
        session.flush()
        row.dek, row.address = seal_row(old, "message_ledger", row.id, b"4242")
    assert master_keys_in_use(engine) == {"k1"}  # only queues and the ledger use it
    new = Keyring({"k2": bytes(32), **old.masters}, "k2", bytes(32))
    assert rotate(engine, new) == 3
    assert master_keys_in_use(engine) == {"k2"}
    assert rows_wrapped_with(engine, "k1") == 0
    only_new = Keyring({"k2": bytes(32)}, "k2", bytes(32))
    assert Inbox(engine, only_new).waiting()[0].payload == b'{"update_id": 5}'
    assert Outbox(engine, only_new).due()[0].action == Send(1, "x")
    assert Ledger(engine, lambda: NOW, only_new).left_chats(NOW) == [("gone", 4242)]


# Retiring an old master key: only once no process wraps with it and no row needs it.


def test_a_running_process_marks_the_master_key_it_wraps_with(engine: Engine) -> None:
    mine, other = KeyUse(engine), KeyUse(engine)
    assert not in_use_by_a_process(engine, "k1")
    assert mine.hold("k1") and other.hold("k1")  # shared: many processes may wrap with it
    assert in_use_by_a_process(engine, "k1") and not in_use_by_a_process(engine, "k2")
    assert mine.hold("k2")  # this one reloaded
    assert in_use_by_a_process(engine, "k1")  # the other has not
    other.close()  # stopped (or reloaded)
    assert not in_use_by_a_process(engine, "k1") and in_use_by_a_process(engine, "k2")
    mine.close()
    assert not in_use_by_a_process(engine, "k2")


def test_retire_refuses_while_a_row_or_a_process_needs_the_key(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = make_keyring("k1")
    with SqlRecords(engine, old, lambda: NOW).unit() as unit:
        unit.open_case("vi", {}, "v1")
    new = Keyring({"k2": make_keyring().masters["k1"], **old.masters}, "k2", bytes(32), old.kdf)
    monkeypatch.setenv("HELPLINE_DATABASE_URL", url_of(engine))
    for name, value in key_env(new).items():
        monkeypatch.setenv(name, value)

    assert rows_wrapped_with(engine, "k1") == 1
    code, out = run_cli("keys", "retire", "k1")
    assert code == 1 and "1 data keys still use k1: run 'helpline keys rotate'" in out
    assert run_cli("keys", "rotate")[0] == 0
    running = KeyUse(engine)
    running.hold("k1")  # a process that has not reloaded yet
    code, out = run_cli("keys", "retire", "k1")
    assert code == 1 and "still wraps new data keys with k1" in out
    running.hold("k2")
    code, out = run_cli("keys", "retire", "k1")
    assert (
        code == 0
        and out.splitlines()[-1] == f"HELPLINE_MASTER_KEYS=k2:{encode(new.masters['k2'])}"
    )
    running.close()
    assert run_cli("keys", "retire", "k2")[0] == 1  # the active one: never
    assert run_cli("keys", "retire", "k9")[0] == 1  # not configured


def run_cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), stdin=io.StringIO(""), stdout=out), out.getvalue()
