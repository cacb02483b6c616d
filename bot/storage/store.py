"""The encrypted database store: conversations, cases, consent, resume, audit.

Implements ``bot.records.Records`` on SQLAlchemy. Every unit of work is one transaction. What a
row holds about a trainee is sealed with that row's own data key (``bot.storage.crypto``),
bound to its table, row and column; chats are found by keyed pseudonym only. Audit rows written
during a unit are committed with it, or, if the unit fails, in a transaction of their own after
the rollback, so a failed resume is never lost.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.casecode import make_code
from bot.clock import utcnow
from bot.conversation import Conversation, answers_from_json, answers_to_json, dumps, loads
from bot.records import CaseStatus, DeskCase, Mail
from bot.reports.tally import Profile, month, properties
from bot.storage.connection import reachable
from bot.storage.crypto import Keyring, new_key, open_sealed, seal
from bot.storage.locks import DOORBELL, lock_id
from bot.storage.models import (
    AuditRow,
    CaseRow,
    ConsentRow,
    ConversationRow,
    InboxRow,
    MailRow,
    OutboxRow,
    ResumeFailureRow,
    TallyRow,
)
from bot.values import Value

DEK_ID = "dek"
"""The key id written into envelopes sealed with a row's data key."""

PUBLIC_ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud by staff
MAX_CODE_TRIES = 5


def _public_id() -> str:
    return "C-" + "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(6))


class SqlUnit:
    """One unit of work on the database (see ``bot.records.Unit``)."""

    def __init__(self, session: Session, keyring: Keyring, clock: Callable[[], datetime]) -> None:
        self.session = session
        self.keyring = keyring
        self.clock = clock
        self.pending_audit: list[AuditRow] = []

    # Keys and sealing.

    def _dek(self, table: str, row_id: int, wrapped: bytes) -> bytes:
        return self.keyring.unwrap(wrapped, f"{table}|{row_id}")

    def _new_dek(self, table: str, row_id: int) -> tuple[bytes, bytes]:
        dek = new_key()
        wrapped, _ = self.keyring.wrap(dek, f"{table}|{row_id}")
        return dek, wrapped

    @staticmethod
    def _seal(dek: bytes, table: str, row_id: int, column: str, data: bytes) -> bytes:
        return seal(dek, DEK_ID, data, f"{table}|{row_id}|{column}")

    @staticmethod
    def _open(dek: bytes, table: str, row_id: int, column: str, blob: bytes) -> bytes:
        return open_sealed(dek, blob, f"{table}|{row_id}|{column}")

    # Conversations.

    def _conversation_row(self, chat: str) -> ConversationRow | None:
        return self.session.scalars(
            select(ConversationRow).where(ConversationRow.chat_key == chat)
        ).one_or_none()

    def conversation(self, chat: str) -> Conversation | None:
        """Return the conversation of a chat, if any."""
        row = self._conversation_row(chat)
        if row is None:
            return None
        raw = None
        if row.state is not None:
            dek = self._dek("conversations", row.id, row.dek)
            raw = self._open(dek, "conversations", row.id, "state", row.state)
        case = None
        if row.case_id is not None:
            case = self.session.get(CaseRow, row.case_id)
        return loads(raw, row.lang, case.public_id if case else None)

    def save_conversation(
        self, chat: str, conversation: Conversation, address: str | None
    ) -> None:
        """Keep a conversation, sealed with its own data key."""
        now = self.clock()
        row = self._conversation_row(chat)
        if row is None:
            row = ConversationRow(
                chat_key=chat, lang=conversation.lang, dek=b"", created_at=now, updated_at=now
            )
            self.session.add(row)
            self.session.flush()
            dek, row.dek = self._new_dek("conversations", row.id)
        else:
            dek = self._dek("conversations", row.id, row.dek)
        row.lang = conversation.lang
        row.state = self._seal(dek, "conversations", row.id, "state", dumps(conversation))
        if address is not None:
            row.address = self._seal(dek, "conversations", row.id, "address", address.encode())
        row.case_id = self._case_id(conversation.case) if conversation.case else None
        row.updated_at = now

    def address(self, chat: str) -> str | None:
        """Return the chat id a conversation answers to (for sending later)."""
        row = self._conversation_row(chat)
        if row is None or row.address is None:
            return None
        dek = self._dek("conversations", row.id, row.dek)
        return self._open(dek, "conversations", row.id, "address", row.address).decode()

    def end_conversation(self, chat: str) -> None:
        """Forget a chat's conversation, its answers and its address."""
        self.session.execute(delete(ConversationRow).where(ConversationRow.chat_key == chat))

    # Cases.

    def _case_row(self, case: str) -> CaseRow | None:
        return self.session.scalars(select(CaseRow).where(CaseRow.public_id == case)).one_or_none()

    def _case_id(self, case: str) -> int | None:
        row = self._case_row(case)
        return row.id if row else None

    def open_case(self, lang: str, answers: Mapping[str, Value], consent_version: str) -> str:
        """Create a case with its consent row and sealed answers; return its public id."""
        now = self.clock()
        row = CaseRow(
            public_id=_public_id(),
            status="open",
            lang=lang,
            dek=b"",
            created_at=now,
            last_activity_at=now,
        )
        self.session.add(row)
        self.session.flush()
        dek, row.dek = self._new_dek("cases", row.id)
        row.answers = self._seal(dek, "cases", row.id, "answers", _json(answers_to_json(answers)))
        self.session.add(ConsentRow(case_id=row.id, text_version=consent_version, given_at=now))
        return row.public_id

    def kept_answers(self, case: str) -> dict[str, Value]:
        """Return a case's kept answers (for the union desk's case card)."""
        row = self._case_row(case)
        if row is None or row.answers is None:
            return {}
        dek = self._dek("cases", row.id, row.dek)
        return answers_from_json(_unjson(self._open(dek, "cases", row.id, "answers", row.answers)))

    def set_pin(self, case: str, pin: str) -> str:
        """Give a case a new code for this PIN; return the code."""
        row = self._case_row(case)
        if row is None:
            raise LookupError("no such case")
        for _ in range(MAX_CODE_TRIES):
            code = make_code(secrets.randbelow(3), f"{secrets.randbelow(10**7):07d}")
            try:
                with self.session.begin_nested():
                    row.resume_index = self.keyring.resume_index(code, pin)
                    self.session.flush()
            except IntegrityError:  # this code and PIN already open another case
                continue
            return code
        raise RuntimeError("could not find a free case code")

    def find_case(self, code: str, pin: str) -> str | None:
        """Return the case a code and PIN open, or None (one KDF call either way)."""
        index = self.keyring.resume_index(code, pin)
        return self.session.scalars(
            select(CaseRow.public_id).where(CaseRow.resume_index == index)
        ).one_or_none()

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

    def add_case_answers(self, case: str, answers: Mapping[str, Value]) -> None:
        """Keep more answers with a case, sealed with the others."""
        row = self._case_row(case)
        if row is None:
            return
        kept = self.kept_answers(case) | dict(answers)
        row.answers = self._sealed(row, "answers", _json(answers_to_json(kept)))

    def set_desk(self, case: str, topic: str | None, urgent: bool) -> None:
        """Note what a case is about and whether it is urgent."""
        row = self._case_row(case)
        if row is not None:
            row.topic, row.urgent = topic, urgent or row.urgent

    def set_reply_mode(self, case: str, mode: str, hours: tuple[int, int] | None) -> None:
        """Note how replies may reach the trainee (safe hours kept sealed)."""
        row = self._case_row(case)
        if row is not None:
            row.reply_mode = mode
            prefs = {"hours": list(hours)} if hours else None
            row.prefs = self._sealed(row, "prefs", _json(prefs) if prefs else None)

    def set_case_address(self, case: str, address: str | None) -> None:
        """Note where replies go, sealed."""
        row = self._case_row(case)
        if row is not None:
            row.address = self._sealed(row, "address", address.encode() if address else None)

    def case_thread(self, case: str) -> int | None:
        """The case's desk topic."""
        row = self._case_row(case)
        return row.thread_id if row else None

    def take_mail(self, case: str) -> list[Mail]:
        """Hand over (and forget) the replies waiting for a case."""
        row = self._case_row(case)
        if row is None:
            return []
        rows = self.session.scalars(
            select(MailRow).where(MailRow.case_id == row.id).order_by(MailRow.id)
        ).all()
        dek = self._dek("cases", row.id, row.dek)
        mail = []
        for item in rows:
            data = json.loads(self._open(dek, "mailbox", item.id, "payload", item.payload))
            mail.append(Mail(data.get("text"), data.get("copy")))
        self.session.execute(delete(MailRow).where(MailRow.case_id == row.id))
        return mail

    # The desk's side (used by bot.desk, not by the service).

    def desk_case(self, case: str) -> DeskCase | None:
        """Everything the desk may know about a case."""
        row = self._case_row(case)
        if row is None:
            return None
        prefs = self._opened(row, "prefs")
        hours = json.loads(prefs).get("hours") if prefs else None
        address = self._opened(row, "address")
        return DeskCase(
            public_id=row.public_id,
            status=row.status,
            lang=row.lang,
            topic=row.topic,
            urgent=row.urgent,
            reply_mode=row.reply_mode,
            hours=(int(hours[0]), int(hours[1])) if hours else None,
            address=address.decode() if address else None,
            thread_id=row.thread_id,
            claimed_by=row.claimed_by,
            opened_at=row.created_at,
            answers=self.kept_answers(case),
        )

    def case_by_thread(self, thread_id: int) -> str | None:
        """The case a desk topic belongs to."""
        return self.session.scalars(
            select(CaseRow.public_id).where(CaseRow.thread_id == thread_id)
        ).one_or_none()

    def set_thread(self, case: str, thread_id: int) -> None:
        """Note the desk topic of a case (and when it was announced)."""
        self.session.execute(
            update(CaseRow)
            .where(CaseRow.public_id == case)
            .values(thread_id=thread_id, announced_at=self.clock())
        )

    def announced(self, case: str) -> None:
        """Note that a case was announced (again) to the desk."""
        self.session.execute(
            update(CaseRow).where(CaseRow.public_id == case).values(announced_at=self.clock())
        )

    def claim(self, case: str, staff: str | None) -> None:
        """Note who took a case (None: nobody)."""
        self.session.execute(
            update(CaseRow).where(CaseRow.public_id == case).values(claimed_by=staff)
        )

    def close_case(self, case: str) -> None:
        """Close a case: the retention period starts now, and it is counted for the reports."""
        row = self._case_row(case)
        if row is None:
            return
        now = self.clock()
        row.status, row.closed_at, row.last_activity_at = "closed", now, now
        tally_case(self.session, self.keyring, row, now)

    def first_reply(self, case: str) -> None:
        """Note that a volunteer answered (the first time only), for the reports."""
        self.session.execute(
            update(CaseRow)
            .where(CaseRow.public_id == case, CaseRow.first_reply_at.is_(None))
            .values(first_reply_at=self.clock())
        )

    def count_completed(self, flow: str, lang: str) -> None:
        """Count a topic flow gone through to its end (no case needed: a count is nobody)."""
        add_tallies(
            self.session,
            month(self.clock()),
            [("completed", flow), ("completed_language", lang)],
        )

    def add_mail(self, case: str, mail: Mail) -> None:
        """Keep a reply for the trainee to read later, sealed with the case's key."""
        row = self._case_row(case)
        if row is None:
            return
        item = MailRow(case_id=row.id, payload=b"", created_at=self.clock())
        self.session.add(item)
        self.session.flush()
        data = {"text": mail.text, "copy": mail.desk_message_id}
        dek = self._dek("cases", row.id, row.dek)
        item.payload = self._seal(dek, "mailbox", item.id, "payload", _json(data))

    def unclaimed(self, before: datetime) -> list[str]:
        """Open cases with a topic, nobody's, last announced before ``before``."""
        return list(
            self.session.scalars(
                select(CaseRow.public_id).where(
                    CaseRow.status == "open",
                    CaseRow.thread_id.is_not(None),
                    CaseRow.claimed_by.is_(None),
                    CaseRow.announced_at < before,
                )
            )
        )

    def cases_with_mail(self) -> list[str]:
        """Cases with replies waiting that may be delivered in the chat (safe hours)."""
        return list(
            self.session.scalars(
                select(CaseRow.public_id)
                .where(CaseRow.reply_mode == "hours", CaseRow.address.is_not(None))
                .where(CaseRow.id.in_(select(MailRow.case_id)))
            )
        )

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
        for pending in self.pending_audit:
            if pending.case_public_id == case:
                pending.case_public_id = None

    # The adapter's queues.

    def idle_chats(self, before: datetime, chat: str | None = None) -> list[str]:
        """Return the chats whose conversation rests since before ``before``."""
        query = select(ConversationRow.chat_key).where(ConversationRow.updated_at < before)
        if chat is not None:
            query = query.where(ConversationRow.chat_key == chat)
        return list(self.session.scalars(query))

    def send_later(self, chat: str, actions: Sequence[Mapping[str, object]]) -> None:
        """Queue actions for the adapter, each sealed in its own outbox row."""
        now = self.clock()
        for action in actions:
            row = OutboxRow(
                chat_key=chat, dek=b"", payload=b"", created_at=now, due_at=now, attempts=0
            )
            self.session.add(row)
            self.session.flush()
            row.dek, row.payload = seal_row(self.keyring, "outbox", row.id, _json(action))
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


def shred_cases(session: Session, case_ids: Sequence[int]) -> list[int]:
    """Destroy cases and everything that belongs to them; return their desk topics.

    The data keys and sealed columns are overwritten first (crypto-shredding: what a backup
    holds of these cases can no longer be opened with the master key), then the cases, their
    consents, mail and the conversations linked to them are deleted, and audit rows that named
    them keep what happened and when, but no longer which case. The caller deletes the returned
    topics in the desk's group, so the case card goes too.
    """
    if not case_ids:
        return []
    found = session.execute(
        select(CaseRow.public_id, CaseRow.thread_id).where(CaseRow.id.in_(case_ids))
    ).all()
    public_ids = [public_id for public_id, _ in found]
    session.execute(
        update(CaseRow)
        .where(CaseRow.id.in_(case_ids))
        .values(dek=b"\0" * 64, answers=None, resume_index=None, prefs=None, address=None)
    )
    session.flush()
    session.execute(delete(ConversationRow).where(ConversationRow.case_id.in_(case_ids)))
    session.execute(delete(ConsentRow).where(ConsentRow.case_id.in_(case_ids)))
    session.execute(delete(MailRow).where(MailRow.case_id.in_(case_ids)))
    session.execute(delete(CaseRow).where(CaseRow.id.in_(case_ids)))
    session.execute(
        update(AuditRow).where(AuditRow.case_public_id.in_(public_ids)).values(case_public_id=None)
    )
    return [thread for _, thread in found if thread is not None]


def seal_row(keyring: Keyring, table: str, row_id: int, data: bytes) -> tuple[bytes, bytes]:
    """Seal one column of a queue row with a new data key; return (wrapped key, sealed)."""
    dek = new_key()
    wrapped, _ = keyring.wrap(dek, f"{table}|{row_id}")
    return wrapped, seal(dek, DEK_ID, data, f"{table}|{row_id}|payload")


def open_row(keyring: Keyring, table: str, row_id: int, wrapped: bytes, sealed: bytes) -> bytes:
    """Open what ``seal_row`` sealed."""
    dek = keyring.unwrap(wrapped, f"{table}|{row_id}")
    return open_sealed(dek, sealed, f"{table}|{row_id}|payload")


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _unjson(raw: bytes) -> Any:
    return json.loads(raw)


class SqlRecords:
    """The ``Records`` of the helpline: a unit of work is a database transaction."""

    def __init__(
        self, engine: Engine, keyring: Keyring, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.engine = engine
        self.keyring = keyring
        self.clock = clock

    @contextmanager
    def unit(self) -> Iterator[SqlUnit]:
        """Run a unit of work: commit on success, roll back on error (audit rows survive).

        A lost database connection surfaces as ``DatabaseError``, for adapters to retry later.
        """
        with reachable():
            session = Session(self.engine, expire_on_commit=False)
            unit = SqlUnit(session, self.keyring, self.clock)
            try:
                yield unit
                session.add_all(unit.pending_audit)
                session.commit()
            except BaseException:
                session.rollback()
                if unit.pending_audit:
                    with Session(self.engine) as audit_session, audit_session.begin():
                        audit_session.add_all(unit.pending_audit)
                raise
            finally:
                session.close()


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
        answers = answers_from_json(_unjson(sealed))
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
