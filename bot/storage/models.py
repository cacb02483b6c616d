"""The database tables (SQLAlchemy 2 models), with named constraints for Alembic.

What each table may hold is part of the privacy design: no names, usernames, phone numbers or
message texts anywhere; Telegram ids only as keyed pseudonyms (``chat_key``); everything about a
trainee's situation only sealed (encrypted with the row's own data key, ``dek``). Timestamps are
UTC. Migrations live in ``bot/storage/migrations``; a test fails if these models and the
migrations disagree.

The data keys of cases and conversations live in tables of their own (``case_keys``,
``conversation_keys``), never in the row whose columns they seal: deleting a case or a
conversation deletes its key row with it (a cascade), and after that the sealed columns, wherever
copies of them linger, open with nothing (crypto-shredding, see docs/storage.md).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Moment(TypeDecorator[datetime]):
    """A moment, stored in UTC whatever zone it comes in, and read back UTC-aware.

    SQLite keeps times as text without their zone, so 21:00 in Japan and 12:00 UTC (the same
    moment) would compare as different; converting on the way in keeps every comparison true.
    A time without a zone is refused: nobody can say which moment it is.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Going in: the same moment, in UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a time without a zone cannot be stored")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Coming out: UTC-aware (SQLite hands back times without a zone)."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """The declarative base, with the naming convention Alembic needs for SQLite batch mode."""

    metadata = MetaData(naming_convention=NAMING)


class CaseRow(Base):
    """A trainee's case: created only after consent, kept until deletion or retention."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    """Random and opaque (``C-7Q2XM4``): what staff see instead of any identity."""
    resume_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    """Argon2id of case code and PIN; None until the trainee chose a PIN."""
    holder: Mapped[str | None] = mapped_column(String(64), index=True)
    """Pseudonym of the one chat that holds the case (opened it, or resumed it last): it may
    delete the case without the PIN, also after /exit or the idle wipe. Gone with the case."""
    status: Mapped[str] = mapped_column(String(16))
    lang: Mapped[str] = mapped_column(String(16))
    key: Mapped[CaseKeyRow | None] = relationship(
        lazy="joined", cascade="all, delete-orphan", passive_deletes=True
    )
    """The case's data key, in ``case_keys`` (not beside the sealed columns)."""
    answers: Mapped[bytes | None] = mapped_column(LargeBinary)
    """Sealed JSON of the answers whose node says ``store: case``."""
    created_at: Mapped[datetime] = mapped_column(Moment())
    last_activity_at: Mapped[datetime] = mapped_column(Moment(), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(Moment())
    topic: Mapped[str | None] = mapped_column(String(32))
    """What the case is about (the menu topic), for the desk's topic name."""
    urgent: Mapped[bool] = mapped_column(default=False)
    reply_mode: Mapped[str] = mapped_column(String(16), default="here")
    """How the desk's replies may reach the trainee: ``here``, ``hours`` or ``mailbox``."""
    prefs: Mapped[bytes | None] = mapped_column(LargeBinary)
    """Sealed JSON: the trainee's safe hours, if any."""
    address: Mapped[bytes | None] = mapped_column(LargeBinary)
    """Sealed Telegram chat id that replies go to (``here`` and ``hours`` only)."""
    bound: Mapped[bytes | None] = mapped_column(LargeBinary)
    """Sealed JSON of the columns the case is found by (``resume_index``, ``holder``): a row
    found by a value its seal does not repeat is not the case (``bot.storage.binding``)."""
    thread_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    """The forum topic of the case in the union desk's group."""
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    """Pseudonym of the volunteer who took the case."""
    announced_at: Mapped[datetime | None] = mapped_column(Moment())
    first_reply_at: Mapped[datetime | None] = mapped_column(Moment())
    """When a volunteer first answered (for the reports' time to first reply)."""
    tallied_at: Mapped[datetime | None] = mapped_column(Moment())
    """When the case was counted into ``tallies`` (once: at closing, or before a purge)."""
    muted: Mapped[bool] = mapped_column(default=False, server_default=false())
    """A volunteer muted the chat (``/mute``): its messages stay out of the desk's topic."""

    @property
    def dek(self) -> bytes:
        """The case's wrapped data key (``b""`` once it is destroyed)."""
        return self.key.dek if self.key is not None else b""

    @dek.setter
    def dek(self, wrapped: bytes) -> None:
        if self.key is None:
            self.key = CaseKeyRow(dek=wrapped)
        else:
            self.key.dek = wrapped


class CaseKeyRow(Base):
    """A case's data key, wrapped by a master key; deleted with the case (crypto-shredding)."""

    __tablename__ = "case_keys"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    dek: Mapped[bytes] = mapped_column(LargeBinary)


class TallyRow(Base):
    """A count for the advocacy reports: cases of a month with one property, never a case.

    Found by ``lookup``, the keyed pseudonym of its month, dimension and value (``2026-11`` /
    ``prefecture`` / ``aichi``: fixed words chosen in code, nothing a trainee typed); those words
    and the count are sealed in ``sealed`` with the row's own data key (``bot.storage.tallies``).
    Rows outlive the cases they counted: deleting or purging a case leaves them as they are.
    """

    __tablename__ = "tallies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lookup: Mapped[str] = mapped_column(String(64), unique=True)
    dek: Mapped[bytes] = mapped_column(LargeBinary)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    """``[month, dimension, value, count]`` as JSON, bound to ``tallies|id|sealed``."""


class MailRow(Base):
    """A volunteer's reply waiting for the trainee, sealed with the case's data key."""

    __tablename__ = "mailbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    """Sealed JSON: the reply's text, or the id of a desk message (a photo, a file) to copy."""
    created_at: Mapped[datetime] = mapped_column(Moment())


class ConsentRow(Base):
    """That a trainee agreed to a purpose statement: which version, when. Never what."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    text_version: Mapped[str] = mapped_column(String(32))
    given_at: Mapped[datetime] = mapped_column(Moment())


class ConversationRow(Base):
    """One chat's conversation: language, dialog mode and sealed engine state."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_key: Mapped[str] = mapped_column(String(64), unique=True)
    """HMAC-SHA256 pseudonym of the Telegram chat id (or "console")."""
    lang: Mapped[str] = mapped_column(String(16))
    key: Mapped[ConversationKeyRow | None] = relationship(
        lazy="joined", cascade="all, delete-orphan", passive_deletes=True
    )
    """The conversation's data key, in ``conversation_keys``."""
    state: Mapped[bytes | None] = mapped_column(LargeBinary)
    """Sealed JSON: engine state, dialog mode and what a dialog holds between two steps."""
    address: Mapped[bytes | None] = mapped_column(LargeBinary)
    """Sealed Telegram chat id, needed to answer; removed when the conversation ends."""
    bound: Mapped[bytes | None] = mapped_column(LargeBinary)
    """Sealed JSON of the columns the conversation is found by (``chat_key``, ``case_id``)."""
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(Moment())
    updated_at: Mapped[datetime] = mapped_column(Moment(), index=True)

    @property
    def dek(self) -> bytes:
        """The conversation's wrapped data key (``b""`` once it is destroyed)."""
        return self.key.dek if self.key is not None else b""

    @dek.setter
    def dek(self, wrapped: bytes) -> None:
        if self.key is None:
            self.key = ConversationKeyRow(dek=wrapped)
        else:
            self.key.dek = wrapped


class ConversationKeyRow(Base):
    """A conversation's data key, wrapped by a master key; deleted with the conversation."""

    __tablename__ = "conversation_keys"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    dek: Mapped[bytes] = mapped_column(LargeBinary)


class LedgerRow(Base):
    """A message id in a chat, in or out, so that /exit and the idle wipe can delete it."""

    __tablename__ = "message_ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_key: Mapped[str] = mapped_column(String(64), index=True)
    message_id: Mapped[int] = mapped_column(BigInteger)
    outgoing: Mapped[bool]
    at: Mapped[datetime] = mapped_column(Moment(), index=True)
    parting: Mapped[bool] = mapped_column(default=False, server_default=false())
    """The neutral line a wipe leaves ("Goodbye."): the sweep of a left chat spares it."""
    dek: Mapped[bytes | None] = mapped_column(LargeBinary)
    address: Mapped[bytes | None] = mapped_column(LargeBinary)
    """Sealed chat id of a message the bot sent, so that a chat with no conversation left
    (the trainee exited, then a reply came) can still be swept; gone with the row."""


class InboxRow(Base):
    """A Telegram update taken in: kept sealed until handled, its id kept to drop redeliveries.

    An update is written here before Telegram is told it arrived, so a crash never loses it;
    ``done_at`` is set (and the sealed update dropped) in the same transaction as its effects,
    so it never takes effect twice.
    """

    __tablename__ = "inbox"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime] = mapped_column(Moment(), index=True)
    done_at: Mapped[datetime | None] = mapped_column(Moment(), index=True)
    chat_key: Mapped[str | None] = mapped_column(String(64))
    """Pseudonym of the chat it came from: updates of one chat are handled in order."""
    dek: Mapped[bytes | None] = mapped_column(LargeBinary)
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The sealed update (JSON) while it waits; None once handled."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class OutboxRow(Base):
    """Something to do on Telegram (send, delete), written with the state that caused it.

    Rows of one chat are carried out in ``id`` order; a failed one is tried again later.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_key: Mapped[str] = mapped_column(String(64), index=True)
    dek: Mapped[bytes] = mapped_column(LargeBinary)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    """Sealed JSON: the chat id, what to do, and the text and buttons to send."""
    created_at: Mapped[datetime] = mapped_column(Moment())
    due_at: Mapped[datetime] = mapped_column(Moment(), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    floor: Mapped[int | None] = mapped_column(BigInteger)
    """Set before a send is first tried: the chat's highest message id known then. A send
    that finds it set may have gone out already (a crash before it was noted): the ids between
    it and the new message are noted too, so a wipe finds the lost copy."""


class ResumeFailureRow(Base):
    """A failed resume attempt by a chat (pseudonym), for throttling."""

    __tablename__ = "resume_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(Moment(), index=True)


class AuditRow(Base):
    """Who did what to which case, when: never content, never an identity."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(Moment(), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    """A pseudonym, "system" or a staff pseudonym."""
    action: Mapped[str] = mapped_column(String(32))
    case_public_id: Mapped[str | None] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(64), default="")


class JobRunRow(Base):
    """When each of the clock's jobs (the purge, the idle wipe) last completed: for ``doctor``.

    One row per job name (fixed words chosen in code); nothing about anyone.
    """

    __tablename__ = "job_runs"

    job: Mapped[str] = mapped_column(String(32), primary_key=True)
    done_at: Mapped[datetime] = mapped_column(Moment())


class StaffRow(Base):
    """An enrolled volunteer: found by the keyed pseudonym of their Telegram user id only.

    Everything else (the PIN's Argon2id key, the step-up's expiry, the PIN throttle, the case
    whose card waits, the private chat's id) is sealed JSON with the row's own data key.
    """

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    """``HMAC(index key, "staff:" + Telegram user id)``; never the id."""
    enrolled_at: Mapped[datetime] = mapped_column(Moment())
    dek: Mapped[bytes] = mapped_column(LargeBinary)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class EnrolmentRow(Base):
    """A one-time staff enrolment code, kept only as its keyed hash, until used or expired."""

    __tablename__ = "staff_enrolments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lookup: Mapped[str] = mapped_column(String(64), unique=True)
    """``HMAC(index key, "enrol:" + code)``; never the code."""
    expires_at: Mapped[datetime] = mapped_column(Moment())


class AwayRow(Base):
    """A volunteer who said ``/away`` at the desk (not pinged until ``/back``).

    Found by the keyed pseudonym of their Telegram user id, as ``staff``; nothing else.
    """

    __tablename__ = "desk_away"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    since: Mapped[datetime] = mapped_column(Moment())
