"""What every part of the unit of work shares: its session, keys, clock and pending audit rows.

The unit (``bot.storage.store.SqlUnit``) is put together from parts, one per concern
(``unit_conversations``, ``unit_cases``, ``unit_desk``); each part is a ``UnitBase``. Beside the
session it holds the lookups of a case row and the sealing of a case's columns, which all
parts use.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversation import answers_from_json
from bot.storage.binding import Binding
from bot.storage.crypto import Keyring
from bot.storage.models import AuditRow, CaseRow
from bot.storage.sealing import from_json
from bot.values import Value


class UnitBase(Binding):
    """One unit of work's session, keyring and clock, and its case-row helpers."""

    def __init__(self, session: Session, keyring: Keyring, clock: Callable[[], datetime]) -> None:
        self.session = session
        self.keyring = keyring
        self.clock = clock
        self.pending_audit: list[AuditRow] = []
        self.shredded = False
        self.deleted: list[str] = []
        """The public ids of the cases this unit deleted (their names leave the audit after
        the commit too: a unit that named one meanwhile may have committed in between)."""
        """Whether this unit deleted a case or a conversation (then SQLite's log is
        checkpointed after the commit)."""

    def _case_row(self, case: str) -> CaseRow | None:
        return self.session.scalars(select(CaseRow).where(CaseRow.public_id == case)).one_or_none()

    def _case_id(self, case: str) -> int | None:
        row = self._case_row(case)
        return row.id if row else None

    def _sealed(self, row: CaseRow, column: str, data: bytes | None) -> bytes | None:
        if data is None:
            return None
        dek = self._dek("cases", row.id, row.dek)
        return self._seal(dek, "cases", row.id, column, data)

    def _opened(self, row: CaseRow, column: str) -> bytes | None:
        blob = getattr(row, column)
        if blob is None:
            return None
        dek = self._dek("cases", row.id, row.dek)
        return self._open(dek, "cases", row.id, column, blob)

    def _answers(self, row: CaseRow) -> dict[str, Value]:
        """The answers kept with a case row (none if it keeps none)."""
        if row.answers is None:
            return {}
        dek = self._dek("cases", row.id, row.dek)
        return answers_from_json(
            from_json(self._open(dek, "cases", row.id, "answers", row.answers))
        )
