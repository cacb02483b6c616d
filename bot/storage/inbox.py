"""The inbox of Telegram update ids already taken in, so a redelivered update is dropped.

Telegram delivers an update again when the bot did not confirm it (a crash, a restart, a
timeout). Each update id is written here once, in its own short transaction, before the update
is handled; a second arrival finds it and is dropped. Ids older than 48 hours are purged
(``bot.storage.maintenance``). Issue 5 builds the full durable inbox on this table.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.models import InboxRow
from bot.storage.store import utcnow


class Inbox:
    """Update ids seen, in the database."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    def first_time(self, update_id: int) -> bool:
        """Note an update id; return False if it was taken in before."""
        try:
            with Session(self.engine) as session, session.begin():
                session.add(InboxRow(update_id=update_id, received_at=self.clock()))
        except IntegrityError:
            return False
        return True
