"""Keeping the store small and its keys fresh: retention purge and master key rotation.

* ``purge`` removes what has outlived its purpose: cases inactive for the retention period
  (their data keys shredded first), idle conversations, old resume failures, processed update
  ids, message ids too old to delete on Telegram, and audit rows older than the audit period
  (``HELPLINE_AUDIT_DAYS``). After a purge no row of a purged case remains in any table (goal
  D5), and SQLite's log is checkpointed and truncated, so that the removed data keys do not
  linger there either. Each purge notes when it ran (``counts.note_job``, for ``doctor``).
* ``rotate`` re-wraps every data key under the active master key, in small committed batches:
  killed at any point, it can simply be run again (goal D3). It reports which master keys are
  still in use, so that an old one can be removed from the configuration afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Delete, Engine, delete, func, select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.storage.connection import checkpoint
from bot.storage.counts import note_job
from bot.storage.crypto import CryptoError, Keyring, envelope_key_id
from bot.storage.models import (
    AuditRow,
    CaseKeyRow,
    CaseRow,
    ConversationKeyRow,
    ConversationRow,
    InboxRow,
    LedgerRow,
    OutboxRow,
    ResumeFailureRow,
    StaffRow,
    TallyRow,
)
from bot.storage.tallies import tally_case
from bot.storage.unit_cases import forget_gone_names, shred_cases

log = logging.getLogger(__name__)

BATCH = 500
CONVERSATION_IDLE = timedelta(hours=24)
"""A conversation nobody touched for this long is forgotten (its case, if any, stays)."""
LEDGER_KEEP = timedelta(hours=48)
"""Telegram lets a bot delete messages for 48 hours; older message ids are useless."""
INBOX_KEEP = timedelta(hours=48)
"""Telegram keeps updates for 24 hours; duplicates are dropped for twice that."""
FAILURES_KEEP = timedelta(days=1)
OUTBOX_KEEP = timedelta(hours=48)
"""A reply Telegram would not take for two days is pointless; the sender gives up long before."""


@dataclass(frozen=True, slots=True)
class Purged:
    """How many rows a purge removed, by kind."""

    cases: int
    conversations: int
    other: int
    threads: tuple[int, ...] = ()
    """The desk topics of the purged cases, to delete in the desk's group."""


def purge(
    engine: Engine,
    retention_days: int,
    clock: Callable[[], datetime] = utcnow,
    keyring: Keyring | None = None,
    audit_days: int = 365,
) -> Purged:
    """Remove everything past its time; return the counts.

    With the ``keyring``, a case not yet counted for the reports (never closed) is counted
    first, in the same transaction as its removal. Audit rows go after ``audit_days`` (they
    outlive the cases they named, without the name, so that who did what can be reviewed).
    """
    now = clock()
    cutoff = now - timedelta(days=retention_days)
    cases = 0
    threads: list[int] = []
    with Session(engine) as session:
        while True:
            with session.begin():  # one batch, one transaction: a kill loses one batch at most
                ids = session.scalars(
                    select(CaseRow.id).where(CaseRow.last_activity_at < cutoff).limit(BATCH)
                ).all()
                if keyring is not None:
                    _tally_each(session, keyring, ids, now)
                threads += shred_cases(session, ids)
            if not ids:
                break
            cases += len(ids)
        with session.begin():
            _forget_gone_names(session)
            idle = ConversationRow.updated_at < now - CONVERSATION_IDLE
            session.execute(
                delete(ConversationKeyRow).where(
                    ConversationKeyRow.conversation_id.in_(select(ConversationRow.id).where(idle))
                )
            )
            conversations = _deleted(session, delete(ConversationRow).where(idle))
            other = sum(
                _deleted(session, statement)
                for statement in (
                    delete(LedgerRow).where(LedgerRow.at < now - LEDGER_KEEP),
                    delete(InboxRow).where(InboxRow.received_at < now - INBOX_KEEP),
                    delete(OutboxRow).where(OutboxRow.created_at < now - OUTBOX_KEEP),
                    delete(ResumeFailureRow).where(ResumeFailureRow.at < now - FAILURES_KEEP),
                    delete(AuditRow).where(AuditRow.at < now - timedelta(days=audit_days)),
                )
            )
            if cases or conversations:
                session.add(
                    AuditRow(
                        at=now,
                        actor="system",
                        action="purged",
                        detail=f"cases={cases} conversations={conversations}",
                    )
                )
    checkpoint(engine)
    note_job(engine, "purge", now)
    return Purged(cases, conversations, other, tuple(threads))


def _forget_gone_names(session: Session) -> None:
    """Names of cases deleted while another unit named them (PostgreSQL): out of the audit."""
    named = select(AuditRow.case_public_id).where(AuditRow.case_public_id.is_not(None))
    forget_gone_names(session, {name for name in session.scalars(named.distinct()) if name})


def _tally_each(session: Session, keyring: Keyring, ids: Sequence[int], now: datetime) -> None:
    """Count each case not yet counted; one that cannot be opened is reported, not counted.

    It is purged all the same: retention is a promise, and a case whose key is gone can never
    be read again anyway. The round goes on for every other case.
    """
    untallied = select(CaseRow).where(CaseRow.id.in_(ids), CaseRow.tallied_at.is_(None))
    for row in session.scalars(untallied).all():
        try:
            with session.begin_nested():  # a failure leaves no half-added counts
                tally_case(session, keyring, row, now)
        except (CryptoError, ValueError, KeyError, TypeError) as error:
            log.warning("job.row_failed", extra={"job": "purge", "error": type(error).__name__})


def _deleted(session: Session, statement: Delete) -> int:
    result = cast("CursorResult[Any]", session.execute(statement))
    return int(result.rowcount or 0)


KEYED: tuple[tuple[Any, str, Any], ...] = (
    (CaseKeyRow, "cases", CaseKeyRow.case_id),
    (ConversationKeyRow, "conversations", ConversationKeyRow.conversation_id),
    (InboxRow, "inbox", InboxRow.update_id),
    (OutboxRow, "outbox", OutboxRow.id),
    (LedgerRow, "message_ledger", LedgerRow.id),
    (TallyRow, "tallies", TallyRow.id),
    (StaffRow, "staff", StaffRow.id),
)
"""Every table that holds wrapped data keys: the model, the table name bound into the wrapping,
and the row id it is bound to (the keys of cases and conversations sit in tables of their own;
the queues' rows, the ledger's sealed addresses and the sealed tallies carry theirs). Rotation
and the key checks go over all of them."""


def _rewrap(
    session: Session,
    keyring: Keyring,
    keyed: tuple[Any, str, Any],
    progress: Callable[[int], None],
) -> int:
    model, table, key = keyed
    done = 0
    last_id = 0
    while True:
        with session.begin():  # one batch, one transaction: killed, it is simply not done
            rows = session.scalars(
                select(model).where(key > last_id).order_by(key).limit(BATCH)
            ).all()
            for row in rows:
                if row.dek is not None and envelope_key_id(row.dek) != keyring.active:
                    ad = f"{table}|{getattr(row, key.key)}"
                    row.dek, _ = keyring.wrap(keyring.unwrap(row.dek, ad), ad)
                    done += 1
            if not rows:
                return done
            last_id = getattr(rows[-1], key.key)
        progress(len(rows))


def count_keys(engine: Engine) -> int:
    """Return how many rows carry a data key (cases, conversations, queues, ledger, tallies)."""
    with Session(engine) as session:
        return sum(
            int(session.scalar(select(func.count()).where(model.dek.is_not(None))) or 0)
            for model, _, _ in KEYED
        )


def rotate(
    engine: Engine,
    keyring: Keyring,
    progress: Callable[[int], None] = lambda _: None,
    clock: Callable[[], datetime] = utcnow,
) -> int:
    """Re-wrap every data key under the active master key; return how many were re-wrapped."""
    with Session(engine) as session:
        done = sum(_rewrap(session, keyring, keyed, progress) for keyed in KEYED)
        with session.begin():
            session.add(
                AuditRow(
                    at=clock(),
                    actor="system",
                    action="keys_rotated",
                    detail=f"active={keyring.active} rewrapped={done}",
                )
            )
    return done


def rows_wrapped_with(engine: Engine, key_id: str) -> int:
    """Return how many data keys the master key ``key_id`` wraps (0: it may be retired)."""
    count = 0
    with Session(engine) as session:
        for model, _, _ in KEYED:
            for wrapped in session.scalars(select(model.dek)):
                count += bool(wrapped) and wrapped[0] == 1 and envelope_key_id(wrapped) == key_id
    return count


def master_keys_in_use(engine: Engine) -> set[str]:
    """Return the ids of the master keys that still wrap some data key."""
    used: set[str] = set()
    with Session(engine) as session:
        for model, _, _ in KEYED:
            for wrapped in session.scalars(select(model.dek)):
                if wrapped and wrapped[0] == 1:
                    used.add(envelope_key_id(wrapped))
    return used
