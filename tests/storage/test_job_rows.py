"""The clock's jobs meet a row they cannot open: that row is reported and skipped, not the round.

A row sealed under a master key the keyring does not have (its key was removed too early) sat
among readable ones: the idle wipe, the desk's due mail and reminders, and the purge must still
do every other row, and log ``job.row_failed`` with the job's name and no id. On SQLite and
PostgreSQL.
"""

from __future__ import annotations

import logging
from datetime import time, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.actions import Action, CopyOut, Post
from bot.assemble import build_helpline
from bot.conversation import Conversation
from bot.desk.roster import Roster, Volunteer
from bot.records import Mail, RecordsUnavailable
from bot.service import rounds
from bot.service.desk import DeskRules, DeskSettings
from bot.storage.action_codec import decode
from bot.storage.connection import DatabaseError
from bot.storage.counts import read_tallies
from bot.storage.maintenance import purge
from bot.storage.models import CaseRow, OutboxRow
from bot.storage.sealing import open_row
from bot.storage.store import SqlRecords
from bot.values import Yen

from ..conftest import FLOWS, LOCALES, TODAY, make_keyring
from .helpers import NOW

GOOD = make_keyring("k1")
GONE = make_keyring("gone")
"""Rows sealed under this keyring's master key cannot be opened with ``GOOD``."""


def failures(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    """The ``job.row_failed`` events logged: (job, error kind)."""
    return [
        (record.job, record.error)  # type: ignore[attr-defined]
        for record in caplog.records
        if record.getMessage() == "job.row_failed"
    ]


def no_ids_logged(caplog: pytest.LogCaptureFixture, *ids: str) -> None:
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    for each in ids:
        assert each not in logged


def test_the_idle_wipe_skips_a_chat_it_cannot_open_and_wipes_the_others(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for keyring, chat in ((GOOD, "chat-1"), (GONE, "chat-2"), (GOOD, "chat-3")):
        with SqlRecords(engine, keyring, lambda: NOW).unit() as unit:
            unit.save_conversation(chat, Conversation("vi"), "4242")
    records = SqlRecords(engine, GOOD, lambda: NOW)
    helpline = build_helpline(FLOWS, LOCALES, records, today=lambda: TODAY)
    wiped: list[tuple[str, str | None]] = []

    done = helpline.wipe_idle(NOW + timedelta(hours=1), lambda _, c, a, __: wiped.append((c, a)))

    assert done == 2 and sorted(wiped) == [("chat-1", "4242"), ("chat-3", "4242")]
    assert failures(caplog) == [("idle_wipe", "CryptoError")]
    no_ids_logged(caplog, "chat-2", "4242")
    with records.unit() as unit:  # still there: tried again next round, and reported again
        assert unit.idle_chats(NOW + timedelta(hours=1)) == ["chat-2"]


def desk_case(records: SqlRecords, thread: int, address: str) -> str:
    """A case in the desk with a reply waiting for safe hours that have come."""
    with records.unit() as unit:
        case = unit.open_case("vi", {}, "v1")
        unit.set_desk(case, "wages", urgent=False)
        unit.set_thread(case, thread)
        unit.set_reply_mode(case, "hours", (0, 24))
        unit.set_case_address(case, address)
        unit.add_mail(case, Mail(desk_message_id=thread + 1))
    return case


def test_the_desk_rounds_skip_a_case_they_cannot_open_and_do_the_others(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    clock = [NOW]
    records = SqlRecords(engine, GOOD, lambda: clock[0])
    desk_case(records, 10, "1001")
    desk_case(SqlRecords(engine, GONE, lambda: clock[0]), 20, "2002")
    desk_case(records, 30, "3003")
    helpline = build_helpline(FLOWS, LOCALES, records, today=lambda: TODAY, desk_connected=True)
    helpline.clock = lambda: clock[0]
    sato = Volunteer(9001, "Sato", frozenset({"vi"}), frozenset(range(7)), time(0), time(23, 59))
    settings = DeskSettings(-100555, frozenset({9001}), Roster((sato,)), timedelta(hours=4))
    rules = DeskRules(helpline, records, settings)

    assert rules.due_mail() == 2
    clock[0] = NOW + timedelta(hours=5)
    assert rules.remind() == 2

    assert failures(caplog) == [("desk_mail", "CryptoError"), ("desk_reminders", "CryptoError")]
    no_ids_logged(caplog, "2002")
    sent = queued(engine)
    assert {a.chat for a in sent if isinstance(a, CopyOut)} == {1001, 3003}
    assert {a.thread for a in sent if isinstance(a, Post)} == {10, 30}  # reminders


def queued(engine: Engine) -> list[Action | None]:
    """Every action in the outbox, opened."""
    with Session(engine) as session:
        rows = session.scalars(select(OutboxRow)).all()
    return [decode(open_row(GOOD, "outbox", row.id, row.dek, row.payload)) for row in rows]


def test_the_purge_removes_a_case_it_cannot_count_and_counts_the_others(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    for keyring in (GOOD, GONE, GOOD):
        with SqlRecords(engine, keyring, lambda: NOW).unit() as unit:
            unit.open_case("vi", {"wages.pay": Yen(600)}, "v1")

    done = purge(engine, 90, clock=lambda: NOW + timedelta(days=91), keyring=GOOD)

    assert done.cases == 3  # retention holds for the unreadable one too
    assert failures(caplog) == [("purge", "CryptoError")]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(CaseRow)) == 0
    counts = read_tallies(engine, GOOD, "2000-01", "2999-12")
    languages = [count for (dimension, _, _), count in counts.items() if dimension == "language"]
    assert sum(languages) == 2  # the two readable cases were counted


def test_an_unreachable_store_ends_the_round() -> None:
    def step(row: int) -> int:
        if row == 2:
            raise DatabaseError("gone")
        return 1

    with pytest.raises(RecordsUnavailable):
        rounds.each("idle_wipe", [1, 2, 3], step)
    assert rounds.each("idle_wipe", [1, 3], step) == 2
