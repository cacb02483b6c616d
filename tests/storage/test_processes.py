"""Several processes on one PostgreSQL: updates recorded once, every process woken.

SQLite serves one process, so these tests skip it.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.actions import Send
from bot.storage.inbox import Arrived, Inbox
from bot.storage.locks import listen
from bot.storage.models import InboxRow
from bot.storage.store import SqlRecords

from ..conftest import make_keyring
from .helpers import NOW


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
                unit.send_later("chat", [Send(1, "x")])
            if rang.wait(0.2):
                break
        assert rang.is_set()
    finally:
        stop.set()
        listener.join(timeout=5)
    assert not listener.is_alive()
