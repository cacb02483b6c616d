"""Issue 14: a new Bot API server's update ids start again at 1; the inbox forgets the old."""

from __future__ import annotations

from sqlalchemy import Engine

from bot.storage.inbox import Arrived, Inbox

from ..conftest import make_keyring


def test_a_new_servers_updates_are_not_dropped_as_seen(engine: Engine) -> None:
    inbox = Inbox(engine, make_keyring())
    assert inbox.newest() is None
    assert inbox.take_in([Arrived(n, "chat", b"{}") for n in (1, 2, 3)]) == [1, 2, 3]
    inbox.finish(1)
    inbox.finish(2)
    assert inbox.newest() == 3
    assert inbox.take_in([Arrived(1, "chat", b"{}")]) == []  # a redelivery: dropped
    assert inbox.forget_handled(1) == 2
    assert inbox.take_in([Arrived(1, "other", b"{}")]) == [1]  # the new server's first
    assert [item.update_id for item in inbox.waiting()] == [1, 3]  # 3 was waiting: it stays
