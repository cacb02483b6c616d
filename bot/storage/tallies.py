"""Writing the advocacy counts: a case is counted once, into month-by-property tallies.

A count is nobody: the ``tallies`` rows hold fixed words and numbers only (``bot.reports.tally``
decides which properties a case has). Reading them back is ``bot.storage.counts``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.conversation import answers_from_json
from bot.reports.tally import Profile, month, properties
from bot.storage.crypto import Keyring, open_sealed
from bot.storage.models import CaseRow, TallyRow
from bot.storage.sealing import from_json
from bot.values import Value


def add_tallies(session: Session, in_month: str, pairs: Sequence[tuple[str, str]]) -> None:
    """Add one to each (dimension, value) count of a month.

    An atomic ``count + 1`` (two processes may count at once); a new row is inserted in a
    savepoint, and if another process inserted it first, its row is counted instead.
    """
    for dimension, value in pairs:
        where = (
            TallyRow.month == in_month,
            TallyRow.dimension == dimension,
            TallyRow.value == value,
        )
        bump = update(TallyRow).where(*where).values(count=TallyRow.count + 1)
        if cast("CursorResult[Any]", session.execute(bump)).rowcount:
            continue
        try:
            with session.begin_nested():
                session.add(TallyRow(month=in_month, dimension=dimension, value=value, count=1))
        except IntegrityError:
            session.execute(bump)


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
    add_tallies(session, month(profile.opened_at), properties(profile))
    row.tallied_at = now
