"""The outbox: what the adapter must still do on Telegram, written with the state that caused it.

Replies, deletions and wipes are queued by the service's unit of work (``Unit.send_later``), so
they exist exactly when the new state does. The sender takes the oldest action of each chat
(chats go in parallel, each chat in order), carries it out, and then marks it done together
with the message ids it sent (into the ledger) or deleted (out of it). A crash between sending
and marking done sends that one message again on restart: delivery is at least once.

So that the copy sent before such a crash is wiped too, a send is marked before it is first
tried (``sending``: the chat's highest message id known then, ``floor``). A send that finds its
mark set may have gone out already: ``done`` then notes every id between the mark and the new
message as well (at most ``GAP_LIMIT``; message ids only grow, so the lost copy is among them,
and ids of other chats are skipped by Telegram when deleting).
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
from bot.storage.sealing import open_row, seal_row

GAP_LIMIT = 1000
"""The most ids noted below a re-sent message (ten ``deleteMessages`` calls)."""


@dataclass(frozen=True, slots=True)
class Queued:
    """One queued action: its row id, its queue, what to do, and how often it failed.

    ``action`` is None for a row this version cannot read (the sender drops it).
    """

    id: int
    chat_key: str
    action: Action | None
    attempts: int
    floor: int | None = None
    """Set once a send was tried: it may have gone out (see the module's docstring)."""


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
                    row.floor,
                )
                for row in session.scalars(query.order_by(OutboxRow.id).limit(limit))
            ]

    def sending(self, action: Queued) -> int:
        """Mark a send before it is first tried, with the chat's highest message id known.

        Return that id (the send's ``floor``).
        """
        with reachable(), Session(self.engine) as session, session.begin():
            known = session.scalar(
                select(func.max(LedgerRow.message_id)).where(LedgerRow.chat_key == action.chat_key)
            )
            session.execute(
                update(OutboxRow).where(OutboxRow.id == action.id).values(floor=known or 0)
            )
        return known or 0

    def done(
        self,
        action: Queued,
        sent: Sequence[int] = (),
        deleted: Sequence[int] = (),
        *,
        address: int | None = None,
        parting: bool = False,
    ) -> None:
        """Remove a carried-out action; note the message ids sent, forget those deleted.

        ``address`` (the chat id) is kept sealed with each sent id, so that the chat can be
        swept once its conversation is gone; not with a ``parting`` line, which stays.
        """
        now = self.clock()
        with reachable(), Session(self.engine) as session, session.begin():
            session.execute(delete(OutboxRow).where(OutboxRow.id == action.id))
            for mid in sent:
                row = LedgerRow(
                    chat_key=action.chat_key,
                    message_id=mid,
                    outgoing=True,
                    at=now,
                    parting=parting,
                )
                session.add(row)
                if address is not None and not parting:
                    session.flush()
                    row.dek, row.address = seal_row(
                        self.keyring, "message_ledger", row.id, str(address).encode()
                    )
            if sent and action.floor is not None:
                session.add_all(self._gap(session, action, min(sent), now))
            if deleted:
                session.execute(
                    delete(LedgerRow).where(
                        LedgerRow.chat_key == action.chat_key, LedgerRow.message_id.in_(deleted)
                    )
                )

    @staticmethod
    def _gap(session: Session, action: Queued, first: int, now: datetime) -> list[LedgerRow]:
        """The ids a lost earlier copy of a re-sent message may have: below ``first``."""
        low = max((action.floor or 0) + 1, first - GAP_LIMIT)
        known = set(
            session.scalars(
                select(LedgerRow.message_id).where(
                    LedgerRow.chat_key == action.chat_key,
                    LedgerRow.message_id >= low,
                    LedgerRow.message_id < first,
                )
            )
        )
        return [
            LedgerRow(chat_key=action.chat_key, message_id=mid, outgoing=True, at=now)
            for mid in range(low, first)
            if mid not in known
        ]

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
