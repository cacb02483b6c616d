"""The unit of work's cases: opening with consent, the code and PIN, answers, deletion.

A case is opened only with a consent row. Its answers are sealed with the case's own data key;
a code and PIN find it through one Argon2id resume index; failed resumes are counted for the
throttle. ``shred_cases`` destroys cases (keys first), for ``delete_case`` and the purge.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.casecode import new_code
from bot.conversation import answers_to_json
from bot.records import CaseStatus
from bot.storage.models import (
    AuditRow,
    CaseKeyRow,
    CaseRow,
    ConsentRow,
    ConversationKeyRow,
    ConversationRow,
    MailRow,
    ResumeFailureRow,
)
from bot.storage.resumekey import resume_key
from bot.storage.sealing import to_json
from bot.storage.unit_base import UnitBase
from bot.values import Value

PUBLIC_ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud by staff
MAX_CODE_TRIES = 5


def _public_id() -> str:
    return "C-" + "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(6))


class CasePart(UnitBase):
    """Open, find, annotate and delete cases (see ``bot.records.Unit``)."""

    def open_case(self, lang: str, answers: Mapping[str, Value], consent_version: str) -> str:
        """Create a case with its consent row and sealed answers; return its public id."""
        now = self.clock()
        row = CaseRow(
            public_id=_public_id(),
            status="open",
            lang=lang,
            created_at=now,
            last_activity_at=now,
        )
        self.session.add(row)
        self.session.flush()
        dek, row.dek = self._new_dek("cases", row.id)
        row.answers = self._seal(
            dek, "cases", row.id, "answers", to_json(answers_to_json(answers))
        )
        self._bind_case(row)
        self.session.add(ConsentRow(case_id=row.id, text_version=consent_version, given_at=now))
        return row.public_id

    def kept_answers(self, case: str) -> dict[str, Value]:
        """Return a case's kept answers (for the union desk's case card)."""
        row = self._case_row(case)
        if row is None:
            return {}
        return self._answers(row)

    def set_pin(self, case: str, pin: str) -> str:
        """Give a case a new code for this PIN; return the code."""
        row = self._case_row(case)
        if row is None:
            raise LookupError("no such case")
        for _ in range(MAX_CODE_TRIES):
            code = new_code(secrets.randbelow)
            try:
                with self.session.begin_nested():
                    seed = self.keyring.resume_seed(code, pin)
                    row.resume_index = self.keyring.resume_from_seed(seed)
                    self._bind_case(row, seed)
                    self.session.flush()
            except IntegrityError:  # this code and PIN already open another case
                continue
            return code
        raise RuntimeError("could not find a free case code")

    def find_case(self, code: str, pin: str) -> str | None:
        """Return the case a code and PIN open, or None (one KDF call either way).

        The KDF runs inside this unit; the service uses ``SqlRecords.resume_key`` outside any
        transaction and ``case_by_resume_key`` inside instead.
        """
        return self.case_by_resume_key(resume_key(self.keyring, code, pin, legacy=True))

    def case_by_resume_key(self, key: str) -> str | None:
        """Return the case a resume key (``SqlRecords.resume_key``) opens, or None.

        The key holds the code and PIN's seed and every index their case may be stored under
        (the current index key's first). The case must repeat the index in its seal
        (``bot.storage.binding``): a resume index swapped into another row opens nothing. A
        case found under a retiring index key, or under a ``v1`` index, is moved to the current
        key's index now (with its seed: a later re-index needs no code and PIN).
        """
        seed_hex, *candidates = key.split(";")
        rows = self.session.scalars(select(CaseRow).where(CaseRow.resume_index.in_(candidates)))
        row = min(rows, key=lambda found: candidates.index(found.resume_index or ""), default=None)
        if row is None or not self._case_bound(row):
            return None
        if row.resume_index != candidates[0]:
            row.resume_index = candidates[0]
            self._bind_case(row, bytes.fromhex(seed_hex))
        return row.public_id

    def hold_case(self, case: str, chat: str) -> str | None:
        """Make ``chat`` the one chat that holds a case; return the chat that held it before.

        Any other chat's conversation is unlinked from the case (it can no longer write to the
        desk for it, nor delete it without the code and PIN).
        """
        row = self._case_row(case)
        if row is None:
            return None
        before = row.holder if self._case_bound(row) else None
        row.holder = chat
        self._bind_case(row)
        others = select(ConversationRow).where(
            ConversationRow.case_id == row.id, ConversationRow.chat_key != chat
        )
        for other in self.session.scalars(others):
            other.case_id = None
            self._bind_conversation(other)
        return before if before != chat else None

    def holder(self, case: str) -> str | None:
        """The chat that holds a case, if any (and if the case's seal says so)."""
        row = self._case_row(case)
        if row is None or row.holder is None or not self._case_bound(row):
            return None
        return row.holder

    def held_cases(self, chat: str) -> list[str]:
        """The cases a chat holds, or is linked to by its conversation, oldest first.

        Only links the rows' seals repeat count: a holder or a case id swapped by hand does not.
        """
        found = {
            row.id: row
            for row in self.session.scalars(select(CaseRow).where(CaseRow.holder == chat))
            if self._case_bound(row)
        }
        conversation = self.session.scalars(
            select(ConversationRow).where(ConversationRow.chat_key == chat)
        ).one_or_none()
        if (
            conversation is not None
            and conversation.case_id is not None
            and self._conversation_bound(conversation)
        ):
            linked = self.session.get(CaseRow, conversation.case_id)
            if linked is not None:
                found[linked.id] = linked
        return [found[row_id].public_id for row_id in sorted(found)]

    def failed_resumes(self, chat: str | None, since: datetime) -> int:
        """Count failed resumes since a time, for one chat or for everyone."""
        query = (
            select(func.count()).select_from(ResumeFailureRow).where(ResumeFailureRow.at >= since)
        )
        if chat is not None:
            query = query.where(ResumeFailureRow.chat_key == chat)
        return int(self.session.scalar(query) or 0)

    def record_failed_resume(self, chat: str) -> None:
        """Note a failed resume by a chat."""
        self.session.add(ResumeFailureRow(chat_key=chat, at=self.clock()))

    def case_status(self, case: str) -> CaseStatus | None:
        """Return a case's status."""
        row = self._case_row(case)
        if row is None:
            return None
        return CaseStatus(row.public_id, row.status, row.lang, row.created_at, row.reply_mode)

    def add_case_answers(self, case: str, answers: Mapping[str, Value]) -> None:
        """Keep more answers with a case, sealed with the others."""
        row = self._case_row(case)
        if row is None:
            return
        kept = self.kept_answers(case) | dict(answers)
        row.answers = self._sealed(row, "answers", to_json(answers_to_json(kept)))

    def set_desk(self, case: str, topic: str | None, urgent: bool) -> None:
        """Note what a case is about and whether it is urgent."""
        row = self._case_row(case)
        if row is not None:
            row.topic, row.urgent = topic, urgent or row.urgent

    def touch_case(self, case: str) -> None:
        """Note activity on a case (its retention clock starts again)."""
        self.session.execute(
            update(CaseRow).where(CaseRow.public_id == case).values(last_activity_at=self.clock())
        )

    def delete_case(self, case: str) -> None:
        """Destroy a case: its data key and sealed data first, then every row."""
        row = self._case_row(case)
        if row is None:
            return
        shred_cases(self.session, [row.id])
        self.shredded = True
        self.deleted.append(case)
        for pending in self.pending_audit:
            if pending.case_public_id == case:
                pending.case_public_id = None


def shred_cases(session: Session, case_ids: Sequence[int]) -> list[int]:
    """Destroy cases and everything that belongs to them; return their desk topics.

    The data keys go first: their rows in ``case_keys`` and ``conversation_keys``, a table
    apart from what they seal (crypto-shredding: a copy of the sealed columns, in a backup or in
    a database's log, can no longer be opened with the master key). Then the sealed columns are
    emptied and the cases, their consents, mail and the conversations linked to them are
    deleted, and audit rows that named them keep what happened and when, but no longer which
    case. The caller checkpoints SQLite's log after the commit (``connection.checkpoint``) and
    deletes the returned topics in the desk's group, so the case card goes too.
    """
    if not case_ids:
        return []
    found = session.execute(
        select(CaseRow.public_id, CaseRow.thread_id).where(CaseRow.id.in_(case_ids))
    ).all()
    public_ids = [public_id for public_id, _ in found]
    linked = select(ConversationRow.id).where(ConversationRow.case_id.in_(case_ids))
    session.execute(
        delete(ConversationKeyRow).where(ConversationKeyRow.conversation_id.in_(linked))
    )
    session.execute(delete(CaseKeyRow).where(CaseKeyRow.case_id.in_(case_ids)))
    session.execute(
        update(CaseRow)
        .where(CaseRow.id.in_(case_ids))
        .values(answers=None, resume_index=None, prefs=None, address=None, holder=None)
    )
    session.flush()
    session.execute(delete(ConversationRow).where(ConversationRow.case_id.in_(case_ids)))
    session.execute(delete(ConsentRow).where(ConsentRow.case_id.in_(case_ids)))
    session.execute(delete(MailRow).where(MailRow.case_id.in_(case_ids)))
    session.execute(delete(CaseRow).where(CaseRow.id.in_(case_ids)))
    forget_names(session, public_ids)
    return [thread for _, thread in found if thread is not None]


def forget_names(session: Session, public_ids: Sequence[str]) -> None:
    """Take these cases' names out of the audit (the one change audit rows allow)."""
    if public_ids:
        named = AuditRow.case_public_id.in_(public_ids)
        session.execute(update(AuditRow).where(named).values(case_public_id=None))


def forget_gone_names(session: Session, names: Collection[str]) -> None:
    """Take out of the audit the names of cases that no longer exist.

    On PostgreSQL units run at once: a volunteer's unit may name a case in an audit row while a
    trainee's unit deletes it, and write the row after the deletion took the names out. The
    units that write named audit rows call this after they are written, and the purge for any
    left (``tests/telegram_adapter/test_drive.py`` found them on PostgreSQL).
    """
    if names:
        kept = set(session.scalars(select(CaseRow.public_id).where(CaseRow.public_id.in_(names))))
        forget_names(session, sorted(set(names) - kept))
