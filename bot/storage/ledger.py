"""The message ledger: every message id on both sides of a chat, so the chat can be wiped.

Telegram lets a bot delete messages in a private chat, its own and the trainee's, for 48 hours.
Incoming message ids are noted here as they are handled, outgoing ones when the outbox marks a
send done; ``/exit``, ``/delete`` and the idle wipe read them back, delete them on Telegram, and
then forget them (``Outbox.done``). Ids older than 48 hours are useless and purged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.storage.connection import reachable
from bot.storage.models import LedgerRow

DELETABLE_FOR = timedelta(hours=48)


class Ledger:
    """Message ids per chat pseudonym, in the database."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    def note(self, chat: str, message_ids: Iterable[int], outgoing: bool) -> None:
        """Remember message ids of a chat."""
        now = self.clock()
        with reachable(), Session(self.engine) as session, session.begin():
            session.add_all(
                LedgerRow(chat_key=chat, message_id=message_id, outgoing=outgoing, at=now)
                for message_id in message_ids
            )

    def deletable(self, chat: str) -> list[int]:
        """Return a chat's message ids still young enough to delete (older ones are dropped)."""
        cutoff = self.clock() - DELETABLE_FOR
        with reachable(), Session(self.engine) as session, session.begin():
            ids = session.scalars(
                select(LedgerRow.message_id).where(
                    LedgerRow.chat_key == chat, LedgerRow.at >= cutoff
                )
            ).all()
            session.execute(
                delete(LedgerRow).where(LedgerRow.chat_key == chat, LedgerRow.at < cutoff)
            )
        return sorted(set(ids))
