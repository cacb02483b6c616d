"""The outbox: what the adapter must still do on Telegram, written with the state that caused it.

Replies, deletions and wipes are queued by the service's unit of work (``Unit.send_later``), so
they exist exactly when the new state does. The sender takes the oldest action of each chat
(chats go in parallel, each chat in order), carries it out, and then marks it done together
with the message ids it sent (into the ledger) or deleted (out of it). A crash between sending
and marking done sends that one message again on restart: delivery is at least once.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from bot.actions import Action
from bot.clock import utcnow
from bot.storage.action_codec import decode
from bot.storage.connection import reachable
from bot.storage.crypto import Keyring
from bot.storage.models import LedgerRow, OutboxRow
from bot.storage.sealing import open_row


@dataclass(frozen=True, slots=True)
class Queued:
    """One queued action: its row id, its queue, what to do, and how often it failed.

    ``action`` is None for a row this version cannot read (the sender drops it).
    """

    id: int
    chat_key: str
    action: Action | None
    attempts: int


class Outbox:
    """The outbox table, and the ledger entries that change with it."""

    def __init__(
        self, engine: Engine, keyring: Keyring, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.engine = engine
        self.keyring = keyring
        self.clock = clock

    def due(self, limit: int = 100, busy: Collection[str] = ()) -> list[Queued]:
        """Return the first action of each chat, if it is due and the chat is not busy."""
        with reachable(), Session(self.engine) as session:
            heads = select(func.min(OutboxRow.id)).group_by(OutboxRow.chat_key).scalar_subquery()
            query = select(OutboxRow).where(
                OutboxRow.id.in_(heads), OutboxRow.due_at <= self.clock()
            )
            if busy:
                query = query.where(OutboxRow.chat_key.not_in(busy))
            return [
                Queued(
                    row.id,
                    row.chat_key,
                    decode(open_row(self.keyring, "outbox", row.id, row.dek, row.payload)),
                    row.attempts,
                )
                for row in session.scalars(query.order_by(OutboxRow.id).limit(limit))
            ]

    def done(
        self,
        action: Queued,
        sent: Sequence[int] = (),
        deleted: Sequence[int] = (),
    ) -> None:
        """Remove a carried-out action; note the message ids sent, forget those deleted."""
        now = self.clock()
        with reachable(), Session(self.engine) as session, session.begin():
            session.execute(delete(OutboxRow).where(OutboxRow.id == action.id))
            session.add_all(
                LedgerRow(chat_key=action.chat_key, message_id=mid, outgoing=True, at=now)
                for mid in sent
            )
            if deleted:
                session.execute(
                    delete(LedgerRow).where(
                        LedgerRow.chat_key == action.chat_key, LedgerRow.message_id.in_(deleted)
                    )
                )

    def later(self, action: Queued, wait: timedelta) -> None:
        """Try an action again after ``wait``."""
        with reachable(), Session(self.engine) as session, session.begin():
            session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == action.id)
                .values(due_at=self.clock() + wait, attempts=OutboxRow.attempts + 1)
            )

    def drop_chat(self, chat_key: str) -> int:
        """Forget everything queued for a chat (the trainee blocked the bot); return how much."""
        with reachable(), Session(self.engine) as session, session.begin():
            result = session.execute(delete(OutboxRow).where(OutboxRow.chat_key == chat_key))
            return int(getattr(result, "rowcount", 0) or 0)

    def size(self) -> int:
        """How many actions wait."""
        with reachable(), Session(self.engine) as session:
            return int(session.scalar(select(func.count()).select_from(OutboxRow)) or 0)
