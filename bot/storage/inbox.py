"""The inbox: every Telegram update, kept sealed from its arrival until it has been handled.

An update is written here before Telegram is told it arrived (the next ``getUpdates`` call, or
the webhook's answer), so a crash never loses it. It is marked done in the same transaction as
its effects (``Unit.finish_update``), so it never takes effect twice; its id stays for 48 hours
to drop redeliveries. Updates the helpline ignores, or drops in a flood, keep only their id.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.storage.connection import reachable
from bot.storage.crypto import Keyring
from bot.storage.models import InboxRow
from bot.storage.reindex import follow_chat
from bot.storage.sealing import open_row, seal_row


@dataclass(frozen=True, slots=True)
class Arrived:
    """An update as it arrives: its id, its chat's pseudonym and its JSON (None: id only)."""

    update_id: int
    chat_key: str | None
    payload: bytes | None


@dataclass(frozen=True, slots=True)
class Waiting:
    """An update taken in and not yet handled."""

    update_id: int
    chat_key: str | None
    payload: bytes
    attempts: int


class Inbox:
    """The inbox table."""

    def __init__(
        self, engine: Engine, keyring: Keyring, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.engine = engine
        self.keyring = keyring
        self.clock = clock

    def take_in(self, arrivals: Sequence[Arrived]) -> list[int]:
        """Record the updates not seen before, in one transaction; return their ids.

        Two processes given the same update at once (Telegram redelivering it to another
        worker) may both try to record it: the second one's transaction fails on the update
        id, and is run again, now seeing the update as known.
        """
        try:
            return self._take_in(arrivals)
        except IntegrityError:
            return self._take_in(arrivals)

    def _take_in(self, arrivals: Sequence[Arrived]) -> list[int]:
        ids = [arrival.update_id for arrival in arrivals]
        now = self.clock()
        new: list[int] = []
        with reachable(), Session(self.engine) as session, session.begin():
            known = set(
                session.scalars(select(InboxRow.update_id).where(InboxRow.update_id.in_(ids)))
            )
            for arrival in arrivals:
                if arrival.update_id in known:
                    continue
                known.add(arrival.update_id)
                row = InboxRow(
                    update_id=arrival.update_id,
                    received_at=now,
                    chat_key=arrival.chat_key,
                    attempts=0,
                    done_at=None if arrival.payload is not None else now,
                )
                if arrival.payload is not None:
                    row.dek, row.payload = seal_row(
                        self.keyring, "inbox", arrival.update_id, arrival.payload
                    )
                session.add(row)
                new.append(arrival.update_id)
        return new

    def follow(self, chat_ids: Collection[int]) -> None:
        """During an index-key rotation, move these chats' rows to the new key first."""
        with reachable():
            follow_chat(self.engine, self.keyring, chat_ids)

    def waiting(self, limit: int = 200) -> list[Waiting]:
        """Return the oldest updates not yet handled."""
        with reachable(), Session(self.engine) as session:
            rows = session.scalars(
                select(InboxRow)
                .where(InboxRow.done_at.is_(None))
                .order_by(InboxRow.update_id)
                .limit(limit)
            ).all()
            return [
                Waiting(
                    row.update_id,
                    row.chat_key,
                    open_row(self.keyring, "inbox", row.update_id, row.dek, row.payload),
                    row.attempts,
                )
                for row in rows
                if row.dek is not None and row.payload is not None
            ]

    def size(self) -> int:
        """How many updates wait to be handled."""
        with reachable(), Session(self.engine) as session:
            query = select(func.count()).select_from(InboxRow).where(InboxRow.done_at.is_(None))
            return int(session.scalar(query) or 0)

    def finish(self, update_id: int) -> None:
        """Mark an update handled when it had no effect to commit with it."""
        with reachable(), Session(self.engine) as session, session.begin():
            session.execute(
                update(InboxRow)
                .where(InboxRow.update_id == update_id)
                .values(done_at=self.clock(), payload=None, dek=None)
            )

    def failed(self, update_id: int) -> int:
        """Count a failed attempt to handle an update; return how many there were."""
        with reachable(), Session(self.engine) as session, session.begin():
            row = session.get(InboxRow, update_id)
            if row is None:
                return 0
            row.attempts += 1
            return row.attempts

    def newest(self) -> int | None:
        """The highest update id kept (handled or not); None if none is."""
        with reachable(), Session(self.engine) as session:
            return session.scalar(select(func.max(InboxRow.update_id)))

    def forget_handled(self, from_id: int) -> int:
        """Forget the handled updates from ``from_id`` on; return how many.

        For a new Bot API server, whose update ids start again at 1: the ids kept to drop
        redeliveries of the old server's updates would otherwise drop the new server's.
        Updates still waiting stay.
        """
        with reachable(), Session(self.engine) as session, session.begin():
            done = session.execute(
                delete(InboxRow).where(
                    InboxRow.update_id >= from_id, InboxRow.done_at.is_not(None)
                )
            )
            return int(getattr(done, "rowcount", 0) or 0)
