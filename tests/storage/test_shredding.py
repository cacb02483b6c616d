"""Deleted means unreadable: carving the data folder with the live keys finds nothing.

On SQLite (a real file in WAL mode) a /delete and a purge are followed by carving every byte of
the data folder (the database, its -wal and -shm, free pages) with the live keys: no data key
of a deleted case or conversation unwraps, nothing sealed under any key that does unwrap holds
a deleted canary, no canary is there in any plain form, and the kept case still opens. Also
after the process is killed (no clean close, so no checkpoint on the way out). On both
databases: after a deletion the key rows are gone, and the case's ciphertext opens with nothing
the database holds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.conversation import Conversation
from bot.engine import State
from bot.storage.crypto import CryptoError, new_key
from bot.storage.maintenance import KEYED
from bot.storage.models import CaseKeyRow, CaseRow, ConversationKeyRow
from bot.storage.store import SqlRecords
from bot.values import Text

from ..conftest import ROOT, make_keyring
from .helpers import NOW
from .shredding import CANARIES, TELEGRAM_IDS, carve, folder_bytes, forms, keyring_of, scenario


def assert_nothing_of_the_deleted(folder: Path, master: bytes, index: bytes, ids: dict) -> None:  # type: ignore[type-arg]
    data = folder_bytes(folder)
    carved = carve(data, keyring_of(master, index))
    for case in ids["deleted_cases"]:
        assert ("cases", case) not in carved.keys
    for talk in ids["deleted_talks"]:
        assert ("conversations", talk) not in carved.keys
    opened = b"\n".join(carved.plaintexts)
    for deleted in (0, 1):
        for form in forms(CANARIES[deleted]) + forms(str(TELEGRAM_IDS[deleted])):
            assert form not in data and form not in opened
    # The carver works: the kept case's key and its sealed answers are found and open.
    assert ("cases", ids["kept_case"][0]) in carved.keys
    assert CANARIES[2].encode() in opened


def test_a_deleted_and_a_purged_case_cannot_be_carved_from_the_folder(tmp_path: Path) -> None:
    master, index = new_key(), new_key()
    folder = tmp_path / "data"
    ids = scenario(folder, keyring_of(master, index))
    assert Path(f"{folder}/helpline.sqlite3-wal").exists()  # scanned while the bot still runs
    assert_nothing_of_the_deleted(folder, master, index, ids)


def test_nothing_can_be_carved_after_the_process_is_killed(tmp_path: Path) -> None:
    master, index = new_key(), new_key()
    folder = tmp_path / "data"
    child = subprocess.run(
        [sys.executable, "-m", "tests.storage.shredding", str(folder), master.hex(), index.hex()],
        cwd=ROOT,
        capture_output=True,
        check=False,
        timeout=300,
    )
    assert child.returncode == -9, child.stderr.decode()[-2000:]
    ids = json.loads((tmp_path / "ids.json").read_text())
    assert_nothing_of_the_deleted(folder, master, index, ids)


def test_deletion_takes_the_key_rows_and_the_ciphertext_opens_with_nothing(
    engine: Engine,
) -> None:
    keyring = make_keyring()
    records = SqlRecords(engine, keyring, lambda: NOW)
    with records.unit() as unit:
        gone = unit.open_case("vi", {"wages.note": Text(CANARIES[0])}, "v1")
        kept = unit.open_case("ja", {"wages.note": Text(CANARIES[2])}, "v1")
    with records.unit() as unit:
        unit.save_conversation(
            "c", Conversation("vi", State("wages", "x", {}, ()), case=gone), "1"
        )
    with Session(engine) as session:
        row = session.scalars(select(CaseRow).where(CaseRow.public_id == gone)).one()
        case_id, answers = row.id, row.answers
        assert session.scalars(select(ConversationKeyRow)).all() != []
    with records.unit() as unit:
        unit.delete_case(gone)
    with Session(engine) as session:
        assert session.get(CaseKeyRow, case_id) is None
        assert session.scalars(select(ConversationKeyRow)).all() == []
        wrapped_keys = [
            wrapped for model, _, _ in KEYED for wrapped in session.scalars(select(model.dek))
        ]
    assert answers is not None and wrapped_keys  # the kept case's key is still there
    for wrapped in wrapped_keys:
        if wrapped is None:
            continue
        with pytest.raises(CryptoError):
            keyring.unwrap(wrapped, f"cases|{case_id}")
    with records.unit() as unit:
        assert unit.kept_answers(kept) == {"wages.note": Text(CANARIES[2])}
