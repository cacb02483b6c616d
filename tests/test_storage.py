"""The encrypted store on a real SQLite file and a real PostgreSQL server.

The acceptance checks of the storage issue live here: canaries never reach the disk, swapped
ciphertexts never open, a killed key rotation loses nothing, a purge leaves no row of a purged
case, and audit rows survive a rollback.
"""

from __future__ import annotations

import hashlib
import random
import re
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, LargeBinary, String, func, inspect, select, update
from sqlalchemy.orm import Session

from bot import engine as flow_engine
from bot.assemble import build_helpline
from bot.conversation import Conversation, Mode
from bot.dialogs import YES
from bot.engine import State
from bot.events import Incoming, Opened, ResumeAsked
from bot.records import Mail
from bot.storage import connection
from bot.storage.crypto import CryptoError, Keyring, envelope_key_id
from bot.storage.inbox import Arrived, Inbox
from bot.storage.keys import encode
from bot.storage.ledger import Ledger
from bot.storage.locks import listen
from bot.storage.maintenance import master_keys_in_use, purge, rotate
from bot.storage.models import (
    AuditRow,
    Base,
    CaseRow,
    ConsentRow,
    ConversationRow,
    InboxRow,
    LedgerRow,
    MailRow,
    ResumeFailureRow,
)
from bot.storage.outbox import Outbox
from bot.storage.store import SqlRecords, SqlUnit
from bot.values import Text, Yen

from .conftest import FLOWS, LOCALES, ROOT, TODAY, make_keyring, require
from .databases import PostgresServer

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
CODE = re.compile(r"0[789]0-\d{4}-\d{4}")
TELEGRAM_IDS = (7_301_234_567, 7_402_345_678, 5_503_456_789)
CANARIES = (
    "CANARYvi Nguyễn Thị Hồng bị phạt 15 yên mỗi phút",
    "CANARYzh 王小明 每分钟罚款十五日元",
    "CANARYja 田中花子 トイレ一分十五円の罰金",
)


def backend(engine: Engine) -> str:
    return engine.url.get_backend_name()


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


# What is on the disk.


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
    helpline = build_helpline(FLOWS, LOCALES, records, today=lambda: TODAY)
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
        for typed in ("1", "1", "2", "600", "Aichi", CANARIES[index], "3", "0", "1", "0"):
            say(index, flow_engine.TextEntered(typed))
        say(index, flow_engine.CommandGiven(flow_engine.Command.PERSON))
        say(index, flow_engine.TextEntered(CANARIES[index]))  # not an answer to consent
        say(index, flow_engine.ButtonPressed(YES))
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
        found.append(("cases", case.id, "dek", case.dek))
        for column in ("answers", "prefs", "address"):
            value = getattr(case, column)
            if value is not None:
                found.append(("cases", case.id, column, value))
    for mail in session.scalars(select(MailRow)):
        found.append(("mailbox", mail.id, "payload", mail.payload))
    for row in session.scalars(select(ConversationRow)):
        found.append(("conversations", row.id, "dek", row.dek))
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
    if table == "cases":
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
    models = {"cases": CaseRow, "conversations": ConversationRow, "mailbox": MailRow}
    rng = random.Random(20261127)
    failures = 0
    with Session(engine) as session:
        locations = sealed_locations(session)
        session.rollback()
        for _ in range(1000):
            (_, _, _, blob), (table, row_id, column, _) = rng.sample(locations, 2)
            unit = SqlUnit(session, keyring, lambda: NOW)
            session.execute(
                update(models[table]).where(models[table].id == row_id).values({column: blob})
            )
            read = reader(session, unit, table, row_id, column)
            try:
                read()
            except CryptoError:
                failures += 1
            session.rollback()
    assert failures == 1000
    with records.unit() as unit:  # and nothing was harmed
        assert unit.conversation("chat-3") is not None and unit.address("chat-3") is not None


# Key rotation, killed and resumed.


def key_env(keyring: Keyring) -> dict[str, str]:
    masters = ",".join(f"{kid}:{encode(key)}" for kid, key in keyring.masters.items())
    index = encode(keyring._pseudonym_key)  # any 32 bytes serve: rotation never uses it
    return {"HELPLINE_MASTER_KEYS": masters, "HELPLINE_INDEX_KEY": index}


def every_key_unwraps(engine: Engine, keyring: Keyring) -> None:
    with Session(engine) as session:
        for model, table in ((CaseRow, "cases"), (ConversationRow, "conversations")):
            for row_id, wrapped in session.execute(select(model.id, model.dek)):
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
    while runs < 20:
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
    assert killed >= 15 and halfway >= 10  # most kills landed in the middle of a rotation
    finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=False)
    assert finished.returncode == 0, finished.stderr
    assert master_keys_in_use(engine) == {"k2"}
    only_new = Keyring({"k2": new.masters["k2"]}, "k2", bytes(32), old.kdf)
    every_row_opens(engine, only_new, expected)


# Purge.


def rows_naming(session: Session, case_id: int, public_id: str) -> list[str]:
    """Every row in any table that belongs to or names a case."""
    found = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)).mappings():
            for column in table.columns:
                value = row[column.name]
                refers = any(fk.column.table.name == "cases" for fk in column.foreign_keys)
                if (refers and value == case_id) or (
                    table.name == "cases" and column.name == "id" and value == case_id
                ):
                    found.append(f"{table.name}.{column.name}")
                if (
                    isinstance(column.type, String)
                    and isinstance(value, str)
                    and public_id in value
                ):
                    found.append(f"{table.name}.{column.name}")
                if isinstance(column.type, LargeBinary) and value and public_id.encode() in value:
                    found.append(f"{table.name}.{column.name}")
    return found


def test_a_purge_leaves_no_row_of_a_purged_case(engine: Engine) -> None:
    clock = [NOW]
    records = SqlRecords(engine, make_keyring(), lambda: clock[0])
    with records.unit() as unit:
        old = unit.open_case("vi", {"wages.pay": Yen(1)}, "v1")
        unit.set_pin(old, "482915")
        unit.save_conversation("chat-old", Conversation("vi", case=old), "111")
        unit.audit("trainee", "case_opened", old)
        unit.audit("staff-1", "case_read", old)
        unit.record_failed_resume("chat-old")
    Ledger(engine, lambda: clock[0]).note("chat-old", [1, 2, 3], outgoing=True)
    clock[0] = NOW + timedelta(days=60)
    with records.unit() as unit:
        recent = unit.open_case("zh_Hans", {"wages.pay": Yen(2)}, "v1")
        unit.save_conversation("chat-new", Conversation("zh_Hans", case=recent), "222")
        unit.audit("trainee", "case_opened", recent)
    with Session(engine) as session:
        old_id = session.scalar(select(CaseRow.id).where(CaseRow.public_id == old))
        recent_id = session.scalar(select(CaseRow.id).where(CaseRow.public_id == recent))
    assert old_id is not None and recent_id is not None

    clock[0] = NOW + timedelta(days=91)
    done = purge(engine, 90, clock=lambda: clock[0])

    assert done.cases == 1
    with Session(engine) as session:
        assert rows_naming(session, old_id, old) == []
        assert "cases.id" in rows_naming(session, recent_id, recent)  # the other case stays
        assert session.scalar(select(ConsentRow.id).where(ConsentRow.case_id == recent_id))
        for model in (LedgerRow, ResumeFailureRow, InboxRow):
            assert session.scalars(select(model)).all() == []
        actions = session.scalars(select(AuditRow.action)).all()
        assert {"case_opened", "case_read", "purged"} <= set(actions)  # what, not whose
    with records.unit() as unit:
        status = unit.case_status(recent)
        assert status is not None and status.status == "open"


def test_activity_keeps_a_case_from_the_purge(engine: Engine) -> None:
    clock = [NOW]
    records = SqlRecords(engine, make_keyring(), lambda: clock[0])
    helpline = build_helpline(FLOWS, LOCALES, records, today=lambda: TODAY)
    helpline.handle("chat", Opened("en"))
    helpline.handle("chat", flow_engine.ButtonPressed("lang:en"))
    helpline.handle("chat", flow_engine.CommandGiven(flow_engine.Command.PERSON))
    helpline.handle("chat", flow_engine.ButtonPressed(YES))
    helpline.handle("chat", flow_engine.ButtonPressed("dialog:skip"))
    clock[0] = NOW + timedelta(days=80)
    helpline.handle("chat", flow_engine.TextEntered("hello"))  # the trainee is still here
    clock[0] = NOW + timedelta(days=100)
    assert purge(engine, 90, clock=lambda: clock[0]).cases == 0


# Audit and transactions.


def test_audit_rows_are_kept_when_the_unit_rolls_back(engine: Engine) -> None:
    records = SqlRecords(engine, make_keyring(), lambda: NOW)
    with pytest.raises(RuntimeError), records.unit() as unit:
        unit.save_conversation("chat", Conversation("vi"), None)
        unit.record_failed_resume("chat")
        unit.audit("trainee", "resume_failed")
        raise RuntimeError("the database went away in the middle")
    with Session(engine) as session:
        assert session.scalars(select(AuditRow.action)).all() == ["resume_failed"]
        assert session.scalars(select(ConversationRow)).all() == []


def test_no_case_without_a_consent_row(engine: Engine) -> None:
    records = SqlRecords(engine, make_keyring(), lambda: NOW)
    with records.unit() as unit:
        unit.open_case("vi", {}, "a1b2c3")
    with Session(engine) as session:
        consent = session.scalars(select(ConsentRow)).one()
        assert consent.text_version == "a1b2c3"
        assert consent.given_at.replace(tzinfo=UTC) == NOW


# Schema and migrations.


def test_the_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as link:
        diff = compare_metadata(MigrationContext.configure(link), Base.metadata)
    assert diff == []
    assert not connection.pending_migrations(engine)


@pytest.fixture(name="empty_url", params=["sqlite", "postgresql"])
def _empty_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres: PostgresServer | None
) -> Iterator[str]:
    """An empty database, never migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    with require(postgres).database(migrated=False) as url:
        yield url


def test_the_migrations_go_down_and_up_again(empty_url: str) -> None:
    engine = connection.make_engine(empty_url)
    assert connection.pending_migrations(engine)
    connection.upgrade(engine)
    assert not connection.pending_migrations(engine)
    command.downgrade(connection.alembic_config(engine), "base")
    assert inspect(engine).get_table_names() == ["alembic_version"]
    connection.upgrade(engine)
    assert set(inspect(engine).get_table_names()) == {
        "alembic_version",
        *(table.name for table in Base.metadata.sorted_tables),
    }
    engine.dispose()


def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = connection.make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as link:
        pragma = lambda name: link.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == connection.BUSY_TIMEOUT_MS
        assert pragma("secure_delete") == 1


def test_postgres_urls_are_taken_as_written() -> None:
    assert connection.normalise_url("postgresql://u@h/d").startswith("postgresql+psycopg://")
    assert connection.normalise_url("postgres://u@h/d").startswith("postgresql+psycopg://")
    assert connection.normalise_url("sqlite:///x") == "sqlite:///x"


def test_an_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    engine = connection.make_engine(f"postgresql://nobody@/none?host={tmp_path}&port=1")
    with pytest.raises(connection.DatabaseError, match="HELPLINE_DATABASE_URL") as caught:
        connection.upgrade(engine)
    assert str(tmp_path) not in str(caught.value)


def test_envelopes_name_their_master_key(engine: Engine) -> None:
    records = SqlRecords(engine, make_keyring("k7"), lambda: NOW)
    with records.unit() as unit:
        unit.open_case("vi", {}, "v1")
    with Session(engine) as session:
        wrapped = session.scalars(select(CaseRow.dek)).one()
    assert envelope_key_id(wrapped) == "k7"


def test_the_database_holds_no_plain_identifier_columns() -> None:
    names = {column.name for table in Base.metadata.sorted_tables for column in table.columns}
    assert not names & {"telegram_id", "user_id", "chat_id", "username", "name", "phone", "text"}


def test_the_sqlite_file_and_its_wal_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    engine = connection.make_engine(f"sqlite:///{tmp_path / 'data' / 'helpline.sqlite3'}")
    connection.upgrade(engine)
    with SqlRecords(engine, make_keyring()).unit() as unit:
        unit.save_conversation("chat", Conversation("vi"), None)
    for name in ("data", "data/helpline.sqlite3", "data/helpline.sqlite3-wal"):
        mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
        assert mode & 0o077 == 0, (name, oct(mode))
    engine.dispose()


def test_times_in_any_zone_compare_as_the_same_moment(engine: Engine) -> None:
    japan = timezone(timedelta(hours=9))
    evening = datetime(2026, 11, 27, 21, 0, tzinfo=japan)  # 12:00 UTC
    with SqlRecords(engine, make_keyring(), lambda: evening).unit() as unit:
        unit.save_conversation("chat", Conversation("vi"), None)
    with SqlRecords(engine, make_keyring(), lambda: NOW).unit() as unit:
        assert unit.idle_chats(datetime(2026, 11, 27, 12, 1, tzinfo=UTC)) == ["chat"]
        assert unit.idle_chats(datetime(2026, 11, 27, 11, 59, tzinfo=UTC)) == []
        assert unit.idle_chats(datetime(2026, 11, 27, 20, 59, tzinfo=japan)) == []
    with Session(engine) as session:
        (stored,) = session.scalars(select(ConversationRow.updated_at))
        assert stored == evening and stored.tzinfo == UTC


def test_two_processes_given_the_same_updates_record_each_once(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serves one process")
    keyring = make_keyring()
    inboxes = [Inbox(engine, keyring), Inbox(engine, keyring)]
    failures: list[BaseException] = []
    for round_ in range(20):
        batch = [Arrived(round_ * 100 + n, "chat", b"{}") for n in range(30)]
        start = threading.Barrier(2)

        def take(
            inbox: Inbox, arrivals: list[Arrived] = batch, gate: threading.Barrier = start
        ) -> None:
            gate.wait()
            try:
                inbox.take_in(arrivals)
            except BaseException as error:
                failures.append(error)

        threads = [threading.Thread(target=take, args=(inbox,)) for inbox in inboxes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(InboxRow)) == 20 * 30


def test_queuing_an_action_rings_the_doorbell_of_every_process(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serves one process, which wakes its own sender")
    rang = threading.Event()
    stop = threading.Event()
    listener = threading.Thread(target=listen, args=(engine, rang.set, stop), daemon=True)
    listener.start()
    try:
        records = SqlRecords(engine, make_keyring(), lambda: NOW)
        for _ in range(50):  # until the listener is listening
            with records.unit() as unit:
                unit.send_later("chat", [{"do": "send", "chat": 1, "text": "x"}])
            if rang.wait(0.2):
                break
        assert rang.is_set()
    finally:
        stop.set()
        listener.join(timeout=5)
    assert not listener.is_alive()


def test_rotation_and_the_key_check_cover_waiting_updates_and_replies(engine: Engine) -> None:
    old = make_keyring("k1")
    Inbox(engine, old).take_in([Arrived(5, "chat", b'{"update_id": 5}')])
    with SqlRecords(engine, old, lambda: NOW).unit() as unit:
        unit.send_later("chat", [{"do": "send", "chat": 1, "text": "x"}])
    assert master_keys_in_use(engine) == {"k1"}  # only a waiting update and a reply use it
    new = Keyring({"k2": bytes(32), **old.masters}, "k2", bytes(32))
    assert rotate(engine, new) == 2
    assert master_keys_in_use(engine) == {"k2"}
    only_new = Keyring({"k2": bytes(32)}, "k2", bytes(32))
    assert Inbox(engine, only_new).waiting()[0].payload == b'{"update_id": 5}'
    assert Outbox(engine, only_new).due()[0].data["text"] == "x"
