"""The wipe ledger on SQLite and PostgreSQL: sends marked before they are tried, left chats swept.

Issue 13, item 3: a message sent just before a crash was never in the ledger, and a chat with
messages but no conversation (the trainee exited, then a reply came) was never wiped.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.actions import Send
from bot.storage.ledger import Ledger
from bot.storage.models import ConversationRow
from bot.storage.outbox import GAP_LIMIT, Outbox
from bot.storage.store import SqlRecords

from ..conftest import make_keyring
from .helpers import NOW

CHAT, ADDRESS = "chat-left", 424242


def queue(engine: Engine, records: SqlRecords, text: str) -> None:
    with records.unit() as unit:
        unit.send_later(CHAT, [Send(ADDRESS, text)])


def test_a_send_lost_in_a_crash_is_in_the_ledger_once_sent_again(engine: Engine) -> None:
    keyring = make_keyring()
    records = SqlRecords(engine, keyring, lambda: NOW)
    outbox, ledger = Outbox(engine, keyring, lambda: NOW), Ledger(engine, lambda: NOW, keyring)
    ledger.note(CHAT, [7], outgoing=False)  # the trainee's message, id 7
    queue(engine, records, "Hello")
    (first,) = outbox.due()
    assert first.floor is None
    outbox.sending(first)  # marked; then sent as id 8, and the process died before noting it
    (again,) = outbox.due()
    assert again.floor == 7  # it may have gone out: the re-send knows
    outbox.done(again, [9], address=ADDRESS)  # sent again as id 9
    assert ledger.deletable(CHAT) == [7, 8, 9]  # the lost copy (8) is found by the wipe


def test_the_gap_below_a_re_send_is_bounded(engine: Engine) -> None:
    keyring = make_keyring()
    records = SqlRecords(engine, keyring, lambda: NOW)
    outbox, ledger = Outbox(engine, keyring, lambda: NOW), Ledger(engine, lambda: NOW, keyring)
    queue(engine, records, "Hello")
    (first,) = outbox.due()
    outbox.sending(first)
    (again,) = outbox.due()
    outbox.done(again, [5000], address=ADDRESS)  # a busy bot: ids are the account's
    ids = ledger.deletable(CHAT)
    assert len(ids) == GAP_LIMIT + 1 and ids[0] == 5000 - GAP_LIMIT and ids[-1] == 5000


def test_a_chat_left_with_messages_is_found_once_they_are_old(engine: Engine) -> None:
    keyring = make_keyring()
    clock = [NOW]
    records = SqlRecords(engine, keyring, lambda: clock[0])
    outbox = Outbox(engine, keyring, lambda: clock[0])
    ledger = Ledger(engine, lambda: clock[0], keyring)
    queue(engine, records, "Goodbye.")
    (parting,) = outbox.due()
    outbox.done(parting, [3], address=ADDRESS, parting=True)
    assert ledger.left_chats(NOW + timedelta(hours=1)) == []  # only the parting line: nothing
    queue(engine, records, "New message:\nA reply")
    (reply,) = outbox.due()
    outbox.done(reply, [4], address=ADDRESS)
    assert ledger.left_chats(NOW) == []  # not old enough yet
    assert ledger.left_chats(NOW + timedelta(minutes=1)) == [(CHAT, ADDRESS)]
    assert ledger.deletable(CHAT, spare_parting=True) == [4]
    assert ledger.deletable(CHAT) == [3, 4]
    assert Ledger(engine, lambda: clock[0]).left_chats(NOW + timedelta(minutes=1)) == []
    with Session(engine) as session, session.begin():  # the trainee is back: theirs to wipe
        session.add(
            ConversationRow(chat_key=CHAT, lang="vi", dek=b"", created_at=NOW, updated_at=NOW)
        )
    assert ledger.left_chats(NOW + timedelta(minutes=1)) == []
