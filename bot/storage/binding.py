"""Lookup columns bound to their rows: a row found by a swapped readable column opens nothing.

Cases are found by readable columns (``resume_index``, ``holder``), conversations by theirs
(``chat_key``, and ``case_id`` links one to its case). Sealed columns are bound to their table,
row and column, not to these: someone with write access could swap two cases' resume indexes
and let A's code and PIN open B. So each row also seals, with its own data key, the values it
is found by (``bound``), and every lookup checks that the row it found repeats them. A row whose
seal is missing or says otherwise is not found: the lookup answers as for a row that does not
exist, and the log says ``storage.lookup_mismatch`` with the table only (a seal that does not
open at all raises ``CryptoError``, as every sealed value moved or tampered with does).

The seal also says which index key made each lookup value (``hx`` for the holder, ``rx`` for
the resume index, ``cx`` for a chat key) and keeps the resume index's seed: a re-index
(``bot.storage.reindex``) moves a case to a new index key without its code and PIN, and
``helpline keys retire --index`` knows which rows still need an old key.

Rows from before the seal existed are sealed once, as they stand, right after the migration that
added the column (``bind_existing``, called by ``open_database``); after that, a row without a
seal is refused like a swapped one. May read and write the ``bound`` columns only.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session

from bot.storage.models import CaseRow, ConversationRow
from bot.storage.sealing import RowKeys, from_json, to_json

log = logging.getLogger(__name__)

UNBOUND_MARKER = "lookups_unbound"
"""An empty table migration 0008 leaves when rows existed before it: they wait for their seal.

The seal needs the keys, which a migration has not (``helpline db upgrade`` runs without them),
so the first start with the keys seals them and drops the marker: the pass happens once,
whichever command crossed 0008."""


def needs_binding(engine: Engine) -> bool:
    """Whether rows from before migration 0008 still wait for their one seal."""
    return inspect(engine).has_table(UNBOUND_MARKER)


def done_binding(session: Session) -> None:
    """The one pass is over: drop the marker (with the seals, in the same transaction)."""
    session.execute(text(f"DROP TABLE {UNBOUND_MARKER}"))


def _case_lookups(row: CaseRow) -> dict[str, Any]:
    return {"resume_index": row.resume_index, "holder": row.holder}


def _conversation_lookups(row: ConversationRow) -> dict[str, Any]:
    return {"chat": row.chat_key, "case": row.case_id}


class Binding(RowKeys):
    """Seal and check the lookup columns of case and conversation rows."""

    def _bind_case(self, row: CaseRow, seed: bytes | None = None) -> None:
        """Seal the columns a case is found by, as they are now, made with the current index key.

        A value that did not change keeps its seed and the id of the index key that made it;
        a new resume index comes with its ``seed``.
        """
        before = self.case_seal(row) or {}
        lookups: dict[str, Any] = {**before, **_case_lookups(row)}
        current = self.keyring.index_id
        if row.holder != before.get("holder") or "hx" not in before:
            lookups["hx"] = current if row.holder is not None else None
        if seed is not None:
            lookups |= {"seed": seed.hex(), "rx": current}
        elif row.resume_index != before.get("resume_index"):
            lookups |= {"seed": None, "rx": None}
        self.seal_case(row, lookups)

    def seal_case(self, row: CaseRow, lookups: dict[str, Any]) -> None:
        """Write a case's seal as given (the lookups, seed and key ids)."""
        dek = self._dek("cases", row.id, row.dek)
        row.bound = self._seal(dek, "cases", row.id, "bound", to_json(lookups))

    def case_seal(self, row: CaseRow) -> dict[str, Any] | None:
        """What a case's seal holds, or None if it has none (or not a mapping)."""
        sealed = self._sealed_lookups("cases", row.id, row.dek, row.bound)
        return sealed if isinstance(sealed, dict) else None

    def _bind_conversation(self, row: ConversationRow) -> None:
        """Seal the columns a conversation is found by, as they are now."""
        dek = self._dek("conversations", row.id, row.dek)
        lookups = {**_conversation_lookups(row), "cx": self.keyring.index_id}
        row.bound = self._seal(dek, "conversations", row.id, "bound", to_json(lookups))

    def _sealed_lookups(self, table: str, row_id: int, wrapped: bytes, blob: bytes | None) -> Any:
        """The sealed lookups of a row, or None if it has none.

        A seal that does not open raises ``CryptoError``, like any sealed value moved.
        """
        if blob is None:
            return None
        dek = self._dek(table, row_id, wrapped)
        return from_json(self._open(dek, table, row_id, "bound", blob))

    def _case_bound(self, row: CaseRow) -> bool:
        """Whether a case row's seal repeats the columns it was found by."""
        sealed = self._sealed_lookups("cases", row.id, row.dek, row.bound)
        lookups = _case_lookups(row)
        if isinstance(sealed, dict) and {name: sealed.get(name) for name in lookups} == lookups:
            return True
        log.warning("storage.lookup_mismatch", extra={"table": "cases"})
        return False

    def _conversation_bound(self, row: ConversationRow) -> bool:
        """Whether a conversation row's seal repeats its chat and (if linked) its case.

        A link the seal knows but the row no longer has (unlinked, or its case deleted) is
        fine: only a link the seal does not vouch for is refused.
        """
        sealed = self._sealed_lookups("conversations", row.id, row.dek, row.bound)
        if (
            isinstance(sealed, dict)
            and sealed.get("chat") == row.chat_key
            and (row.case_id is None or sealed.get("case") == row.case_id)
        ):
            return True
        log.warning("storage.lookup_mismatch", extra={"table": "conversations"})
        return False

    def bind_existing(self, session: Session) -> int:
        """Seal the lookups of every row that has no seal yet; return how many (once, at 0008)."""
        count = 0
        for case in session.scalars(select(CaseRow).where(CaseRow.bound.is_(None))):
            if case.key is not None:
                self._bind_case(case)
                count += 1
        query = select(ConversationRow).where(ConversationRow.bound.is_(None))
        for conversation in session.scalars(query):
            if conversation.key is not None:
                self._bind_conversation(conversation)
                count += 1
        return count
