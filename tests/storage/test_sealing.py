"""Sealing, on a real SQLite file and a real PostgreSQL server: nothing readable reaches the disk.

Acceptance checks of the storage issue: canaries and Telegram ids never reach the disk in any
form, a ciphertext moved to another row or column never opens, and no column is named for a
plain identifier.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from bot import engine as flow_engine
from bot.assemble import build_helpline
from bot.conversation import Conversation, Mode
from bot.engine import State
from bot.events import Incoming, Opened, ResumeAsked
from bot.records import Mail
from bot.storage.crypto import CryptoError, Keyring
from bot.storage.ledger import Ledger
from bot.storage.maintenance import purge, rotate
from bot.storage.models import (
    Base,
    CaseKeyRow,
    CaseRow,
    ConversationKeyRow,
    ConversationRow,
    MailRow,
)
from bot.storage.store import SqlRecords, SqlUnit
from bot.values import Text, Yen

from ..conftest import AGREE_AT_THE_DESK, FLOWS, LOCALES, TODAY, make_keyring
from ..databases import PostgresServer
from .helpers import NOW, url_of

CODE = re.compile(r"0[789]0-\d{4}-\d{5}")
TELEGRAM_IDS = (7_301_234_567, 7_402_345_678, 5_503_456_789)
CANARIES = (
    "CANARYvi Nguyễn Thị Hồng bị phạt 15 yên mỗi phút",
    "CANARYzh 王小明 每分钟罚款十五日元",
    "CANARYja 田中花子 トイレ一分十五円の罰金",
)


# What is on the disk.


def backend(engine: Engine) -> str:
    return engine.url.get_backend_name()


def disk_bytes(engine: Engine, postgres: PostgresServer | None) -> bytes:
    """Everything the database holds: the SQLite file with its WAL, or a pg_dump."""
    if backend(engine) == "sqlite":
        path = Path(engine.url.database or "")
        return b"".join(
            candidate.read_bytes()
            for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm"))
            if candidate.exists()
        )
    assert postgres is not None
    return postgres.dump(url_of(engine))


def forbidden(canaries: tuple[str, ...], ids: tuple[int, ...], codes: list[str]) -> list[bytes]:
    """Every form a secret could take on the disk."""
    forms: list[bytes] = []
    for canary in canaries:
        forms += [
            canary.encode(),
            canary.encode("unicode_escape"),  # JSON with ensure_ascii would write \\uXXXX
            canary.split()[1].encode(),  # the name alone
        ]
    for telegram_id in ids:
        forms += [
            str(telegram_id).encode(),
            hashlib.sha256(str(telegram_id).encode()).hexdigest().encode(),
            telegram_id.to_bytes(8, "big"),
            telegram_id.to_bytes(8, "little"),
        ]
    for code in codes:
        forms += [code.encode(), code.replace("-", "").encode()]
    return forms


def test_canaries_and_telegram_ids_never_reach_the_disk(
    engine: Engine, postgres: PostgresServer | None
) -> None:
    keyring = make_keyring("k1")
    clock = [NOW]
    records = SqlRecords(engine, keyring, lambda: clock[0])
    helpline = build_helpline(FLOWS, LOCALES, records, today=lambda: TODAY, desk_connected=True)
    ledger = Ledger(engine)
    chats = [keyring.pseudonym("chat", telegram_id) for telegram_id in TELEGRAM_IDS]
    codes: list[str] = []

    def say(index: int, event: Incoming) -> list[str]:
        turn = helpline.handle(chats[index], event, str(TELEGRAM_IDS[index]))
        ledger.note(chats[index], [len(codes) * 100 + index], outgoing=False)
        return [getattr(item, "text", "") for item in turn.out]

    # Each trainee: language, canary typed everywhere, a wage check, a case with a PIN.
    for index, lang in enumerate(("vi", "zh_Hans", "ja")):
        say(index, Opened(lang))
        say(index, flow_engine.ButtonPressed(f"lang:{lang}"))
        say(index, flow_engine.TextEntered(CANARIES[index]))
        for typed in ("1", "1", "2", "600", "176", "Aichi", CANARIES[index], "3", "0", "1", "0"):
            say(index, flow_engine.TextEntered(typed))
        say(index, flow_engine.CommandGiven(flow_engine.Command.PERSON))
        say(index, flow_engine.TextEntered(CANARIES[index]))  # not an answer to consent
        for data in AGREE_AT_THE_DESK:
            say(index, flow_engine.ButtonPressed(data))
        say(index, flow_engine.TextEntered("482915"))
        replies = say(index, flow_engine.TextEntered("482915"))
        codes += [code for text in replies for code in CODE.findall(text)]
    assert len(codes) == 3

    # A canary in every sealed field, written through the store itself.
    with records.unit() as unit:
        for index, chat in enumerate(chats):
            conversation = unit.conversation(chat)
            assert conversation is not None and conversation.case is not None
            answers = {"wages.note": Text(CANARIES[index]), "wages.monthly_pay": Yen(63000)}
            state = State("wages", "monthly_pay", answers, ())
            unit.save_conversation(
                chat,
                Conversation(conversation.lang, state, Mode.PIN_AGAIN, {"pin": CANARIES[index]}),
                str(TELEGRAM_IDS[index]),
            )
            unit.open_case(conversation.lang, answers, "v1")
            # The desk's side: the trainee's note, safe hours, where replies go, a waiting reply.
            unit.add_case_answers(conversation.case, {"desk.note": Text(CANARIES[index])})
            unit.set_desk(conversation.case, "wages", urgent=index == 0)
            unit.set_reply_mode(conversation.case, "hours", (20, 22))
            unit.set_case_address(conversation.case, str(TELEGRAM_IDS[index]))
            unit.add_mail(conversation.case, Mail(CANARIES[index], desk_message_id=7))
            unit.add_mail(conversation.case, Mail(None, desk_message_id=8))

    # Resumes that fail and succeed, a deletion, a purge, a key rotation.
    say(2, ResumeAsked())
    say(2, flow_engine.TextEntered(codes[0]))
    say(2, flow_engine.TextEntered("111111"))
    say(2, ResumeAsked())
    say(2, flow_engine.TextEntered(codes[1]))
    say(2, flow_engine.TextEntered("482915"))
    say(0, flow_engine.CommandGiven(flow_engine.Command.EXIT))
    clock[0] = NOW + timedelta(days=2)
    purge(engine, 90, clock=lambda: clock[0])
    rotate(engine, Keyring({"k2": bytes(32), **keyring.masters}, "k2", bytes(32)))

    dump = disk_bytes(engine, postgres)
    with Session(engine) as session:
        public_ids = session.scalars(select(CaseRow.public_id)).all()
    assert public_ids and all(p.encode() in dump for p in public_ids)  # the scan sees the data
    found = [form for form in forbidden(CANARIES, TELEGRAM_IDS, codes) if form in dump]
    assert found == []


# Swapped ciphertexts.


def sealed_locations(session: Session) -> list[tuple[str, int, str, bytes]]:
    """Every sealed value and wrapped key: (table, row id, column, bytes)."""
    found: list[tuple[str, int, str, bytes]] = []
    for case in session.scalars(select(CaseRow)):
        found.append(("case_keys", case.id, "dek", case.dek))
        for column in ("answers", "prefs", "address"):
            value = getattr(case, column)
            if value is not None:
                found.append(("cases", case.id, column, value))
    for mail in session.scalars(select(MailRow)):
        found.append(("mailbox", mail.id, "payload", mail.payload))
    for row in session.scalars(select(ConversationRow)):
        found.append(("conversation_keys", row.id, "dek", row.dek))
        for column in ("state", "address"):
            value = getattr(row, column)
            if value is not None:
                found.append(("conversations", row.id, column, value))
    return found


def reader(
    session: Session, unit: SqlUnit, table: str, row_id: int, column: str
) -> Callable[[], object]:
    """Return what reads a location the way the helpline does."""
    if table == "mailbox":
        case_row = session.get(MailRow, row_id).case_id  # type: ignore[union-attr]
        case_id = session.get(CaseRow, case_row).public_id  # type: ignore[union-attr]
        return lambda: unit.take_mail(case_id)
    if table in ("cases", "case_keys"):
        public_id = session.get(CaseRow, row_id).public_id  # type: ignore[union-attr]
        return lambda: (
            unit.kept_answers(public_id) if column == "answers" else unit.desk_case(public_id)
        )
    chat = session.get(ConversationRow, row_id).chat_key  # type: ignore[union-attr]
    if column == "address":
        return lambda: unit.address(chat)
    return lambda: unit.conversation(chat)


def test_a_ciphertext_moved_to_another_row_or_column_never_opens(engine: Engine) -> None:
    keyring = make_keyring()
    records = SqlRecords(engine, keyring)
    with records.unit() as unit:
        for number in range(12):
            answers = {"wages.note": Text(CANARIES[number % 3]), "wages.pay": Yen(number)}
            case = unit.open_case("vi", answers, "v1")
            unit.set_reply_mode(case, "hours", (20, number % 24))
            unit.set_case_address(case, str(TELEGRAM_IDS[number % 3] + number))
            unit.add_mail(case, Mail(CANARIES[number % 3]))
            unit.save_conversation(
                f"chat-{number}",
                Conversation("vi", State("wages", "topics", answers, ()), case=case),
                str(TELEGRAM_IDS[number % 3] + number),
            )
    models: dict[str, tuple[Any, Any]] = {
        "cases": (CaseRow, CaseRow.id),
        "case_keys": (CaseKeyRow, CaseKeyRow.case_id),
        "conversations": (ConversationRow, ConversationRow.id),
        "conversation_keys": (ConversationKeyRow, ConversationKeyRow.conversation_id),
        "mailbox": (MailRow, MailRow.id),
    }
    rng = random.Random(20261127)
    failures = 0
    with Session(engine) as session:
        locations = sealed_locations(session)
        session.rollback()
        for _ in range(1000):
            (_, _, _, blob), (table, row_id, column, _) = rng.sample(locations, 2)
            unit = SqlUnit(session, keyring, lambda: NOW)
            model, key = models[table]
            session.execute(update(model).where(key == row_id).values({column: blob}))
            read = reader(session, unit, table, row_id, column)
            try:
                read()
            except CryptoError:
                failures += 1
            session.rollback()
    assert failures == 1000
    with records.unit() as unit:  # and nothing was harmed
        assert unit.conversation("chat-3") is not None and unit.address("chat-3") is not None


# The schema.


def test_the_database_holds_no_plain_identifier_columns() -> None:
    names = {column.name for table in Base.metadata.sorted_tables for column in table.columns}
    assert not names & {"telegram_id", "user_id", "chat_id", "username", "name", "phone", "text"}
