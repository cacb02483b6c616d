"""The carving test's helpers: a scenario on a real SQLite file, and a carver for its folder.

The scenario drives three trainees through the real service on a SQLite file in WAL mode, each
typing a canary; trainee 0 then deletes with /delete, trainee 1's case is purged, trainee 2's
stays. It can run in a child process that kills itself with SIGKILL at the end (no clean close,
so no checkpoint on the way out). The carver reads every byte of the folder and tries, with the
live keys, every envelope it finds there: wrapped data keys, then every sealed value under every
key it could unwrap.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import engine as flow_engine
from bot.assemble import build_helpline
from bot.events import DeleteAsked, Incoming, Opened
from bot.records import Mail
from bot.storage.connection import default_url, make_engine, upgrade
from bot.storage.crypto import CryptoError, Keyring, _unpad
from bot.storage.inbox import Arrived, Inbox
from bot.storage.maintenance import purge
from bot.storage.models import CaseRow, ConversationRow
from bot.values import Text

from ..conftest import AGREE_AT_THE_DESK, FLOWS, LOCALES, TEST_KDF, TODAY
from .helpers import NOW

TELEGRAM_IDS = (7_301_234_567, 7_402_345_678, 5_503_456_789)
CANARIES = (
    "SHREDvi Nguyễn Thị Hồng bị phạt 15 yên mỗi phút",
    "SHREDzh 王小明 每分钟罚款十五日元",
    "SHREDja 田中花子 トイレ一分十五円の罰金",
)
TABLES = ("cases", "conversations", "inbox", "outbox")
MAX_ID = 400
COLUMNS = {
    "cases": ("answers", "prefs", "address"),
    "conversations": ("state", "address"),
    "inbox": ("payload",),
    "outbox": ("payload",),
}


def keyring_of(master: bytes, index: bytes) -> Keyring:
    return Keyring({"k1": master}, "k1", index, TEST_KDF)


def scenario(folder: Path, keyring: Keyring) -> dict[str, list[int]]:
    """Three trainees, a /delete and a purge; return the row ids deleted and kept."""
    engine = make_engine(default_url(folder))
    upgrade(engine)
    clock = [NOW]
    from bot.storage.store import SqlRecords  # noqa: PLC0415 (one import path for the child)

    records = SqlRecords(engine, keyring, lambda: clock[0])
    helpline = build_helpline(FLOWS, LOCALES, records, today=lambda: TODAY, desk_connected=True)
    inbox = Inbox(engine, keyring, lambda: clock[0])
    chats = [keyring.pseudonym("chat", telegram_id) for telegram_id in TELEGRAM_IDS]
    update_ids = iter(range(1, MAX_ID))

    def say(index: int, event: Incoming, text: str = "") -> None:
        update = next(update_ids)  # the update in the inbox, as the adapter keeps it
        kept = {
            "update_id": update,
            "message": {"text": text, "chat": {"id": TELEGRAM_IDS[index]}},
        }
        inbox.take_in([Arrived(update, chats[index], json.dumps(kept).encode())])
        helpline.handle(chats[index], event, str(TELEGRAM_IDS[index]))
        inbox.finish(update)

    def open_case(index: int, lang: str) -> None:
        say(index, Opened(lang))
        say(index, flow_engine.ButtonPressed(f"lang:{lang}"))
        for typed in ("1", "1", "2", "600", "176", "Aichi", CANARIES[index], "3", "0", "1", "0"):
            say(index, flow_engine.TextEntered(typed), typed)
        say(index, flow_engine.CommandGiven(flow_engine.Command.PERSON))
        for data in AGREE_AT_THE_DESK:  # a case needs a desk
            say(index, flow_engine.ButtonPressed(data))
        say(index, flow_engine.TextEntered("482915"), "482915")
        say(index, flow_engine.TextEntered("482915"), "482915")
        with records.unit() as unit:
            conversation = unit.conversation(chats[index])
            assert conversation is not None and conversation.case is not None
            unit.add_case_answers(conversation.case, {"desk.note": Text(CANARIES[index])})
            unit.set_reply_mode(conversation.case, "hours", (20, 22))
            unit.set_case_address(conversation.case, str(TELEGRAM_IDS[index]))
            unit.add_mail(conversation.case, Mail(CANARIES[index]))

    open_case(0, "vi")
    open_case(1, "zh_Hans")
    clock[0] = NOW + timedelta(days=100)
    open_case(2, "ja")
    with Session(engine) as session:
        cases = [row.id for row in session.scalars(select(CaseRow).order_by(CaseRow.id))]
        talks = list(session.scalars(select(ConversationRow.id).order_by(ConversationRow.id)))
    assert len(cases) == len(talks) == 3
    say(0, DeleteAsked("vi"), "/delete")
    clock[0] += timedelta(hours=1)
    assert purge(engine, 90, lambda: clock[0], keyring).cases == 1
    say(2, flow_engine.TextEntered("menu"), "menu")  # life goes on: new frames in the log
    return {"deleted_cases": cases[:2], "deleted_talks": talks[:2], "kept_case": cases[2:]}


def folder_bytes(folder: Path) -> bytes:
    """Every byte of every file in the folder (the database, its -wal and -shm, anything)."""
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


def forms(text: str) -> list[bytes]:
    """Every form a text could take on the disk: UTF-8, UTF-16, base64, hex, JSON escapes."""
    raw = text.encode()
    found = [raw, text.encode("utf-16-le"), text.encode("utf-16-be"), raw.hex().encode()]
    found += [raw.hex().upper().encode(), text.encode("unicode_escape")]
    for shift in range(3):  # base64 at every alignment, without the edges that depend on it
        encoded = base64.b64encode(b"\0" * shift + raw)[4:-4]
        found.append(encoded)
    return found


@dataclass
class Carved:
    """What the live keys open in a folder: data keys by (table, row id), and plaintexts."""

    keys: dict[tuple[str, int], bytes] = field(default_factory=dict)
    plaintexts: list[bytes] = field(default_factory=list)


def _envelopes(data: bytes, key_id: str, longest: int) -> dict[bytes, bytes]:
    """Every place an envelope of this key id starts: its bytes from there (by nonce)."""
    header = bytes([1, len(key_id)]) + key_id.encode()
    found: dict[bytes, bytes] = {}
    start = data.find(header)
    while start != -1:
        body = data[start + len(header) : start + len(header) + 12 + longest]
        found.setdefault(body[:12], body)
        start = data.find(header, start + 1)
    return found


def _open(aead: AESGCM, body: bytes, lengths: range, ad: bytes) -> bytes | None:
    for length in lengths:
        if 12 + length > len(body):
            return None
        try:
            return _unpad(aead.decrypt(body[:12], body[12 : 12 + length], ad))
        except (InvalidTag, CryptoError):
            continue
    return None


def carve(data: bytes, keyring: Keyring, rows: Iterable[tuple[str, int]] | None = None) -> Carved:
    """Try every wrapped key the folder holds with the live master keys, then every sealed
    value under every key that opened (each bound to its row, as the store binds them).

    ``rows`` narrows the search to these (table, row id) pairs (a big folder's deleted rows);
    by default every row id below ``MAX_ID`` of every table is tried."""
    carved = Carved()
    wanted = list(rows) if rows is not None else [(t, i) for t in TABLES for i in range(MAX_ID)]
    for master_id, master in keyring.masters.items():
        aead = AESGCM(master)
        for body in _envelopes(data, master_id, 272).values():
            for table, row_id in wanted:
                ad = f"dek|{table}|{row_id}|{master_id}".encode()
                dek = _open(aead, body, range(272, 273), ad)
                if dek is not None:
                    carved.keys[(table, row_id)] = dek
    sealed = _envelopes(data, "dek", 16 + 256 * 8).values()
    lengths = range(16 + 256, 16 + 256 * 9, 256)
    for (table, row_id), dek in carved.keys.items():
        aead = AESGCM(dek)
        ads = [f"{table}|{row_id}|{column}|dek" for column in COLUMNS[table]]
        if table == "cases":
            ads += [f"mailbox|{mail}|payload|dek" for mail in range(1, 40)]
        for body in sealed:
            for ad in ads:
                plaintext = _open(aead, body, lengths, ad.encode())
                if plaintext is not None:
                    carved.plaintexts.append(plaintext)
    return carved


def main() -> None:
    """Run the scenario in this process, write what it deleted, then die without closing."""
    folder, master, index = Path(sys.argv[1]), bytes.fromhex(sys.argv[2]), sys.argv[3]
    ids = scenario(folder, keyring_of(master, bytes.fromhex(index)))
    (folder.parent / "ids.json").write_text(json.dumps(ids))
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    main()
