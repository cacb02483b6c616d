"""The message ledger: every message id on both sides of a chat, so the chat can be wiped.

Telegram lets a bot delete messages in a private chat, its own and the trainee's, for 48 hours.
Incoming message ids are noted here as they are handled, outgoing ones when the outbox marks a
send done (a send is marked in the outbox before it is tried: ``Outbox.sending``); ``/exit``,
``/delete`` and the idle wipe read them back, delete them on Telegram, and then forget them
(``Outbox.done``). Ids older than 48 hours are useless and purged.

The neutral line a wipe leaves ("Goodbye.") is noted as ``parting``. A message the bot sends
keeps the chat id with it, sealed (its row's own data key), so that a chat whose conversation
is gone (the trainee exited, then a volunteer's reply came) can still be swept: ``left_chats``
finds such chats once their last message is older than the idle time, and the sweep deletes
everything but the parting line. The chat id goes with the rows it was sealed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.storage.connection import reachable
from bot.storage.crypto import Keyring
from bot.storage.models import ConversationRow, LedgerRow, OutboxRow
from bot.storage.sealing import open_row

DELETABLE_FOR = timedelta(hours=48)


class Ledger:
    """Message ids per chat pseudonym, in the database."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime] = utcnow,
        keyring: Keyring | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.keyring = keyring
        """Opens the sealed chat ids (``left_chats``); without it, no chat is found."""

    def note(self, chat: str, message_ids: Iterable[int], outgoing: bool) -> None:
        """Remember message ids of a chat."""
        now = self.clock()
        with reachable(), Session(self.engine) as session, session.begin():
            session.add_all(
                LedgerRow(chat_key=chat, message_id=message_id, outgoing=outgoing, at=now)
                for message_id in message_ids
            )

    def deletable(self, chat: str, spare_parting: bool = False) -> list[int]:
        """Return a chat's message ids still young enough to delete (older ones are dropped).

        ``spare_parting``: leave out the neutral lines a wipe left (a sweep keeps them).
        """
        cutoff = self.clock() - DELETABLE_FOR
        with reachable(), Session(self.engine) as session, session.begin():
            query = select(LedgerRow.message_id).where(
                LedgerRow.chat_key == chat, LedgerRow.at >= cutoff
            )
            if spare_parting:
                query = query.where(LedgerRow.parting.is_(False))
            ids = session.scalars(query).all()
            session.execute(
                delete(LedgerRow).where(LedgerRow.chat_key == chat, LedgerRow.at < cutoff)
            )
        return sorted(set(ids))

    def left_chats(self, before: datetime) -> list[tuple[str, int]]:
        """Chats with no conversation whose messages (but a parting line) all predate ``before``.

        Return each chat's pseudonym and its chat id, for a sweep; a chat whose chat id is not
        known (only incoming ids, or no keyring) is not found, nor one with actions still
        queued (its sweep comes once they are done).
        """
        if self.keyring is None:
            return []
        with reachable(), Session(self.engine) as session:
            newest = (
                select(LedgerRow.chat_key)
                .where(
                    LedgerRow.parting.is_(False),
                    LedgerRow.chat_key.not_in(select(ConversationRow.chat_key)),
                    LedgerRow.chat_key.not_in(select(OutboxRow.chat_key)),
                )
                .group_by(LedgerRow.chat_key)
                .having(func.max(LedgerRow.at) < before)
                .subquery()
            )
            rows = session.execute(
                select(LedgerRow.chat_key, LedgerRow.id, LedgerRow.dek, LedgerRow.address)
                .join(newest, newest.c.chat_key == LedgerRow.chat_key)
                .where(LedgerRow.address.is_not(None))
                .order_by(LedgerRow.id.desc())
            ).all()
        found: dict[str, int] = {}
        for chat, row_id, dek, address in rows:
            if chat not in found and dek is not None and address is not None:
                raw = open_row(self.keyring, "message_ledger", row_id, dek, address)
                found[chat] = int(raw)
        return sorted(found.items())
