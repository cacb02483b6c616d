"""The encrypted database store: ``SqlRecords`` and its unit of work, ``SqlUnit``.

Implements ``bot.records.Records`` on SQLAlchemy. Every unit of work is one transaction. What a
row holds about a trainee is sealed with that row's own data key (``bot.storage.sealing``),
bound to its table, row and column; chats are found by keyed pseudonym only. Audit rows written
during a unit are committed with it, or, if the unit fails, in a transaction of their own after
the rollback, so a failed resume is never lost.

``SqlUnit`` is put together from parts, one module each: conversations
(``unit_conversations``), cases (``unit_cases``), the desk's side of a case (``unit_desk``) and
the staff step-up (``unit_staff``), on a shared ``unit_base``. What stays here is the adapter's
queues (claiming and finishing an update, sending later), the audit and the flow counts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.orm import Session

from bot.actions import Action
from bot.clock import utcnow
from bot.reports.tally import month
from bot.storage.action_codec import encode
from bot.storage.connection import checkpoint, reachable
from bot.storage.crypto import Keyring
from bot.storage.locks import DOORBELL, lock_id
from bot.storage.models import AuditRow, InboxRow, OutboxRow
from bot.storage.resumekey import has_legacy_indexes, resume_key
from bot.storage.sealing import seal_row
from bot.storage.tallies import add_tallies
from bot.storage.unit_cases import CasePart, forget_gone_names
from bot.storage.unit_conversations import ConversationPart
from bot.storage.unit_desk import DeskPart
from bot.storage.unit_staff import StaffPart


class SqlUnit(ConversationPart, CasePart, DeskPart, StaffPart):
    """One unit of work on the database (see ``bot.records.Unit``)."""

    def count_completed(self, flow: str, lang: str) -> None:
        """Count a topic flow gone through to its end (no case needed: a count is nobody)."""
        add_tallies(
            self.session,
            self.keyring,
            month(self.clock()),
            [("completed", flow), ("completed_language", lang)],
        )

    def count_routed(self, topic: str) -> None:
        """Count a suggestion made from typed text and tapped: its topic, never the text."""
        add_tallies(self.session, self.keyring, month(self.clock()), [("routed", topic)])

    # The adapter's queues.

    def pseudonym(self, kind: str, value: int) -> str:
        """The keyed pseudonym of a Telegram id."""
        return self.keyring.pseudonym(kind, value)

    def send_later(self, chat: str, actions: Sequence[Action]) -> None:
        """Queue actions for the adapter, each sealed in its own outbox row."""
        now = self.clock()
        for action in actions:
            row = OutboxRow(
                chat_key=chat, dek=b"", payload=b"", created_at=now, due_at=now, attempts=0
            )
            self.session.add(row)
            self.session.flush()
            row.dek, row.payload = seal_row(self.keyring, "outbox", row.id, encode(action))
        if actions and self.session.get_bind().dialect.name == "postgresql":
            # Wake the sender, which may be another process's (delivered at commit).
            self.session.execute(text(f"NOTIFY {DOORBELL}"))

    def finish_update(self, update_id: int) -> None:
        """Mark an update handled and drop its sealed copy."""
        self.session.execute(
            update(InboxRow)
            .where(InboxRow.update_id == update_id)
            .values(done_at=self.clock(), payload=None, dek=None)
        )

    def claim_update(self, update_id: int, chat: str) -> bool:
        """Hold the chat until this unit ends, then say whether the update is its oldest waiting.

        The hold is a PostgreSQL advisory lock (other processes may share that database). If
        another process holds the chat, say no at once rather than wait (a waiting thread is
        a thread the process lacks): the update is tried again on the next round.
        """
        if self.session.get_bind().dialect.name == "postgresql":
            number = lock_id("chat", chat)
            query = text("SELECT pg_try_advisory_xact_lock(:n)")
            if not self.session.execute(query, {"n": number}).scalar():
                return False
        oldest = self.session.scalar(
            select(func.min(InboxRow.update_id)).where(
                InboxRow.chat_key == chat, InboxRow.done_at.is_(None)
            )
        )
        return bool(oldest == update_id)  # not waiting any more, or not the first: not now

    def audit(self, actor: str, action: str, case: str | None = None, detail: str = "") -> None:
        """Write an audit row with the unit, or after it if the unit fails."""
        self.pending_audit.append(
            AuditRow(
                at=self.clock(), actor=actor, action=action, case_public_id=case, detail=detail
            )
        )


LEGACY_RECHECK = 600.0
"""Seconds between two looks for ``v1`` resume indexes, while there are some."""


class SqlRecords:
    """The ``Records`` of the helpline: a unit of work is a database transaction."""

    def __init__(
        self, engine: Engine, keyring: Keyring, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.engine = engine
        self.keyring = keyring
        self.clock = clock
        self._legacy: tuple[bool, float] | None = None

    def resume_key(self, code: str, pin: str) -> str:
        """The resume indexes of a code and PIN (Argon2id), outside any transaction.

        Also the ``v1`` indexes while cases made before seeds were kept remain: one more
        Argon2id per index key until then. A short read says whether any does, at the first
        check and every ten minutes while some do (none is ever made again).
        """
        now = time.monotonic()
        if self._legacy is None or (self._legacy[0] and now - self._legacy[1] > LEGACY_RECHECK):
            with reachable():
                self._legacy = (has_legacy_indexes(self.engine), now)
        return resume_key(self.keyring, code, pin, self._legacy[0])

    def staff_pin_key(self, staff: str, pin: str) -> str:
        """The key of a volunteer's staff PIN (Argon2id), outside any transaction."""
        return self.keyring.resume_index(f"staff:{staff}", pin)

    @contextmanager
    def unit(self) -> Iterator[SqlUnit]:
        """Run a unit of work: commit on success, roll back on error (audit rows survive).

        A unit that deleted a case or a conversation is followed by a checkpoint of SQLite's
        log, so that the deleted keys do not linger there. A lost database connection surfaces
        as ``DatabaseError``, for adapters to retry later.
        """
        with reachable():
            session = Session(self.engine, expire_on_commit=False)
            unit = SqlUnit(session, self.keyring, self.clock)
            names: set[str | None] = set()
            try:
                yield unit
                names = {row.case_public_id for row in unit.pending_audit} | set(unit.deleted)
                session.add_all(unit.pending_audit)
                session.commit()
            except BaseException:
                session.rollback()
                if unit.pending_audit:
                    names = {row.case_public_id for row in unit.pending_audit} - {None}
                    with Session(self.engine) as audit_session, audit_session.begin():
                        audit_session.add_all(unit.pending_audit)
                        audit_session.flush()
                        forget_gone_names(audit_session, [n for n in names if n])
                raise
            finally:
                session.close()
            if names and self.engine.dialect.name != "sqlite":  # SQLite: one unit at a time
                # a case this unit deleted, or another unit deleted meanwhile: not named
                with Session(self.engine) as audit_session, audit_session.begin():
                    forget_gone_names(audit_session, [n for n in names if n])
        if unit.shredded:
            checkpoint(self.engine)
