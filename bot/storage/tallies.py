"""Writing the advocacy counts: a case is counted once, into month-by-property tallies, sealed.

A count is nobody: ``bot.reports.tally`` decides which (dimension, value) pairs a case counts
under. Each ``tallies`` row is found by the keyed pseudonym of its month and pair (``lookup``)
and seals those words and the count with its own data key, bound to ``tallies|id|sealed``: the
raw table says neither which prefecture or finding a row counts nor how many. Adding one reads,
opens, adds and seals again under the unit's write lock (SQLite's ``BEGIN IMMEDIATE``; on
PostgreSQL ``SELECT … FOR UPDATE``), so two processes counting at once lose nothing. A row whose
seal names other words than its lookup was moved: it raises ``CryptoError`` and is not counted
into. Reading them back (opening them) is ``bot.storage.counts``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.conversation import answers_from_json
from bot.reports.tally import Profile, month, properties
from bot.storage.crypto import CryptoError, Keyring, new_key, open_sealed, seal
from bot.storage.models import CaseRow, TallyRow
from bot.storage.sealing import DEK_ID, from_json, to_json
from bot.values import Value

log = logging.getLogger(__name__)

Labels = tuple[str, str, str]
"""A tally's month, dimension and value."""


def open_tally(keyring: Keyring, row: TallyRow) -> tuple[Labels, int]:
    """The labels and count a row seals."""
    dek = keyring.unwrap(row.dek, f"tallies|{row.id}")
    in_month, dimension, value, count = from_json(
        open_sealed(dek, row.sealed, f"tallies|{row.id}|sealed")
    )
    return (str(in_month), str(dimension), str(value)), int(count)


def reseal(keyring: Keyring, row: TallyRow, labels: Labels, count: int) -> None:
    """Seal a tally's words and count again (a count added, or two rows merged)."""
    dek = keyring.unwrap(row.dek, f"tallies|{row.id}")
    row.sealed = seal(dek, DEK_ID, to_json([*labels, count]), f"tallies|{row.id}|sealed")


def _pick(rows: Sequence[TallyRow], lookup: str) -> TallyRow | None:
    """The row under the current key's lookup, else one under a retiring key's (to move)."""
    return next((row for row in rows if row.lookup == lookup), rows[0] if rows else None)


def _add(session: Session, keyring: Keyring, labels: Labels, by: int) -> None:
    """Add ``by`` to one tally, creating it if it is new (see the module's docstring)."""
    lookup = keyring.pseudonym("tally", "|".join(labels))
    lookups = [keyring.pseudonym("tally", "|".join(labels), kid) for kid in keyring.index_ids]
    query = (
        select(TallyRow)
        .where(TallyRow.lookup.in_(lookups))
        .order_by(TallyRow.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    row = _pick(session.scalars(query).all(), lookup)
    if row is None:
        try:
            with session.begin_nested():
                row = TallyRow(lookup=lookup, dek=b"", sealed=b"")
                session.add(row)
                session.flush()
                row.dek, _ = keyring.wrap(new_key(), f"tallies|{row.id}")
                reseal(keyring, row, labels, by)
            return
        except IntegrityError:  # another process created it first: count into theirs
            found = _pick(session.scalars(query).all(), lookup)
            if found is None:
                raise
            row = found
    sealed_labels, count = open_tally(keyring, row)
    if sealed_labels != labels:
        log.warning("storage.lookup_mismatch", extra={"table": "tallies"})
        raise CryptoError("a tally's seal does not match its lookup")
    row.lookup = lookup  # during an index-key rotation: under the current key from now on
    reseal(keyring, row, labels, count + by)


def add_tallies(
    session: Session, keyring: Keyring, in_month: str, pairs: Sequence[tuple[str, str]]
) -> None:
    """Add one to each (dimension, value) count of a month."""
    for dimension, value in pairs:
        _add(session, keyring, (in_month, dimension, value), 1)


def seal_clear_tallies(session: Session, keyring: Keyring) -> int:
    """Seal the counts kept in clear by migration 0009, then drop them; return how many rows.

    Runs whenever ``tallies_clear`` is there (``open_database``), so a database migrated by
    ``helpline db upgrade`` without the keys is sealed at the next start that has them.
    """
    if not inspect(session.connection()).has_table("tallies_clear"):
        return 0
    rows = session.execute(text("SELECT month, dimension, value, count FROM tallies_clear")).all()
    for in_month, dimension, value, count in rows:
        _add(session, keyring, (in_month, dimension, value), int(count))
    session.execute(text("DROP TABLE tallies_clear"))
    return len(rows)


def tally_case(session: Session, keyring: Keyring, row: CaseRow, now: datetime) -> None:
    """Count a case into the tallies once (at closing, or before a purge removes it)."""
    if row.tallied_at is not None:
        return
    answers: dict[str, Value] = {}
    if row.answers is not None:
        dek = keyring.unwrap(row.dek, f"cases|{row.id}")
        sealed = open_sealed(dek, row.answers, f"cases|{row.id}|answers")
        answers = answers_from_json(from_json(sealed))
    profile = Profile(
        opened_at=row.created_at,
        lang=row.lang,
        topic=row.topic,
        urgent=row.urgent,
        answers=answers,
        reached_desk=row.thread_id is not None,
        first_reply_at=row.first_reply_at,
        closed=row.status == "closed",
    )
    add_tallies(session, keyring, month(profile.opened_at), properties(profile))
    row.tallied_at = now
