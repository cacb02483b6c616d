"""Re-indexing: moving every value made with a retiring index key to the current one.

The index key makes the chat pseudonyms (``chat_key`` of conversations, the queues, the wipe
ledger and resume failures; ``cases.holder``), the volunteers' pseudonyms (``claimed_by``;
audit actors too, but audit rows are append-only and keep theirs until the audit purge), the
tallies' ``lookup`` and, through an HMAC over a kept seed, the resume index.
During a rotation (``helpline keys rotate --index``) the keyring holds the new key and the
retiring ones; new values are made with the new key, and:

* ``reindex`` moves, in small committed batches, every value it can work out again: a chat's
  pseudonyms from its chat id wherever one is kept sealed (a conversation's or a case's
  address, the wipe ledger, a queued action); a resume index from its seed; a tally's lookup
  from its sealed words; a volunteer's from ``HELPLINE_STAFF_USER_IDS``. Killed at any point,
  it is run again and skips what is done. A wipe-ledger row or resume failure of a chat whose
  id is kept nowhere is dropped (nothing could act on it); a volunteer no longer listed
  becomes ``staff:former``;
* ``follow_chat`` moves one chat's rows when it writes (the intake calls it), so a case whose
  holder's chat id is kept nowhere moves when that chat comes back;
* ``SqlUnit.case_by_resume_key`` moves a case found under an old resume index;
* ``still_needed`` counts what still needs a retiring key (``helpline keys retire --index``
  refuses until it is 0): a case whose holder is silent, a ``v1`` resume index (made before
  seeds were kept) until that case is resumed or purged.

Reads and writes lookup columns and the ``bound`` seals; never logs an id.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.actions import DESK_QUEUE
from bot.clock import utcnow
from bot.failpoints import failpoint
from bot.storage.action_codec import decode
from bot.storage.binding import Binding
from bot.storage.crypto import Keyring
from bot.storage.models import (
    CaseRow,
    ConversationRow,
    InboxRow,
    LedgerRow,
    OutboxRow,
    ResumeFailureRow,
    TallyRow,
)
from bot.storage.reindex_staff import move_staff_rows, staff_rows_behind, staff_user_ids
from bot.storage.sealing import open_row
from bot.storage.tallies import open_tally, reseal

log = logging.getLogger(__name__)

BATCH = 500
FORMER_STAFF = "staff:former"
UNKNOWN_AFTER = timedelta(minutes=15)
"""A wipe-ledger row or resume failure of a chat kept nowhere is dropped once this old."""
CHAT_TABLES = (LedgerRow, InboxRow, OutboxRow, ResumeFailureRow)
"""Tables whose ``chat_key`` is bound to nothing: moved with a plain update."""


class _Rows(Binding):
    """Seals of case and conversation rows, with the keyring given."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    def address(self, table: str, row: CaseRow | ConversationRow) -> int | None:
        """The sealed chat id of a case or conversation, if it keeps one."""
        if row.address is None or not row.dek:
            return None
        raw = self._open(self._dek(table, row.id, row.dek), table, row.id, "address", row.address)
        return int(raw) if raw.lstrip(b"-").isdigit() else None

    def conversation_seal(self, row: ConversationRow) -> dict[str, Any]:
        """What a conversation's seal holds (empty without one)."""
        sealed = self._sealed_lookups("conversations", row.id, row.dek, row.bound)
        return sealed if isinstance(sealed, dict) else {}


@dataclass
class Chats:
    """Chat pseudonyms: each retiring one that can be worked out, mapped to the current one."""

    moves: dict[str, str] = field(default_factory=dict)
    current: set[str] = field(default_factory=set)

    def add(self, keyring: Keyring, chat_id: int) -> None:
        """Know one chat id's pseudonyms."""
        new = keyring.pseudonym("chat", chat_id)
        self.current.add(new)
        for old_id in keyring.index_ids[1:]:
            self.moves[keyring.pseudonym("chat", chat_id, old_id)] = new


def known_chats(session: Session, keyring: Keyring) -> Chats:
    """Every chat whose id is kept somewhere (sealed), with its pseudonyms."""
    rows, chats = _Rows(keyring), Chats()
    ids: set[int] = set()
    for conversation in session.scalars(select(ConversationRow)):
        ids.add(rows.address("conversations", conversation) or 0)
    for case in session.scalars(select(CaseRow).where(CaseRow.address.is_not(None))):
        ids.add(rows.address("cases", case) or 0)
    query = select(LedgerRow).where(LedgerRow.address.is_not(None), LedgerRow.dek.is_not(None))
    for line in session.scalars(query):
        raw = open_row(keyring, "message_ledger", line.id, line.dek or b"", line.address or b"")
        ids.add(int(raw))
    for queued in session.scalars(select(OutboxRow)):
        action = decode(open_row(keyring, "outbox", queued.id, queued.dek, queued.payload))
        ids.add(int(getattr(action, "chat", 0) or 0))
    for chat_id in ids - {0}:
        chats.add(keyring, chat_id)
    return chats


def move_chats(session: Session, keyring: Keyring, moves: dict[str, str]) -> int:
    """Move chats' rows from old pseudonyms to new ones (one transaction); return how many."""
    if not moves:
        return 0
    rows, done = _Rows(keyring), 0
    old = list(moves)
    for conversation in session.scalars(
        select(ConversationRow).where(ConversationRow.chat_key.in_(old))
    ):
        new = moves[conversation.chat_key]
        taken = select(ConversationRow.id).where(ConversationRow.chat_key == new)
        if session.scalar(taken) is not None:  # a newer one: this one waits for the purge
            continue
        if rows._conversation_bound(conversation):
            conversation.chat_key = new
            rows._bind_conversation(conversation)
            done += 1
    for case in session.scalars(select(CaseRow).where(CaseRow.holder.in_(old))):
        if rows._case_bound(case):
            case.holder = moves[case.holder or ""]
            rows._bind_case(case)
            done += 1
    for model in CHAT_TABLES:
        for before, after in moves.items():
            result = session.execute(
                update(model).where(model.chat_key == before).values(chat_key=after)
            )
            done += int(getattr(result, "rowcount", 0) or 0)
    return done


def follow_chat(engine: Engine, keyring: Keyring, chat_ids: Collection[int]) -> None:
    """During a rotation, move the rows of chats that write now (called by the intake)."""
    if len(keyring.index_ids) < 2 or not chat_ids:  # noqa: PLR2004 - a rotation: two keys
        return
    chats = Chats()
    for chat_id in chat_ids:
        chats.add(keyring, chat_id)
    with Session(engine, expire_on_commit=False) as session:
        _again(session, partial(move_chats, session, keyring, chats.moves))


@dataclass(frozen=True, slots=True)
class Reindexed:
    """What a pass did: values moved, rows dropped (their chat is known nowhere)."""

    moved: int
    dropped: int


def reindex(
    engine: Engine,
    keyring: Keyring,
    staff_ids: Iterable[int] = (),
    progress: Callable[[int], None] = lambda _: None,
) -> Reindexed:
    """Move every value that can be worked out again to the current index key (see module).

    Each chat moves in a transaction of its own, and resume indexes in batches of 100: short
    transactions beside the running bot's. One that PostgreSQL picks as a deadlock's victim is
    run again (the bot's side, if picked, retries its update as after any database error).
    """
    with Session(engine, expire_on_commit=False) as session:
        with session.begin():
            chats = known_chats(session, keyring)
        per_chat: dict[str, dict[str, str]] = {}
        for old, new in sorted(chats.moves.items()):
            per_chat.setdefault(new, {})[old] = new
        groups, moved = list(per_chat.values()), 0
        for start in range(0, len(groups), BATCH):
            for moves in groups[start : start + BATCH]:
                moved += _again(session, partial(move_chats, session, keyring, moves))
            failpoint("reindex.batch")
            progress(len(groups[start : start + BATCH]))
        moved += _cases(session, keyring, progress)
        moved += _again(session, partial(_tallies, session, keyring))
        with session.begin():
            staff_ids = [*staff_ids, *staff_user_ids(session, keyring)]
        moved += _again(session, partial(_staff, session, keyring, staff_ids))
        moved += _again(session, partial(move_staff_rows, session, keyring))
        # known afresh: a chat that came in meanwhile is kept
        dropped = _again(session, lambda: _unknown_chats(session, known_chats(session, keyring)))
    log.info("keys.reindexed", extra={"moved": moved, "dropped": dropped})
    return Reindexed(moved, dropped)


def _again(session: Session, work: Callable[[], int], tries: int = 8) -> int:
    """Run ``work`` in one transaction; run it again if it lost a deadlock or a serialization."""
    for attempt in range(tries):
        try:
            with session.begin():
                return work()
        except OperationalError as error:
            if getattr(error.orig, "sqlstate", None) not in CONFLICTS or attempt == tries - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


CONFLICTS = {"40P01", "40001"}
"""PostgreSQL's deadlock and serialization failures: the transaction is simply run again."""


CASE_BATCH = 100


def _move_cases(session: Session, keyring: Keyring, after: int, found: list[CaseRow]) -> int:
    """Move the resume indexes of the next cases after ``after`` (into ``found``)."""
    rows, done = _Rows(keyring), 0
    query = select(CaseRow).where(CaseRow.id > after).order_by(CaseRow.id).limit(CASE_BATCH)
    found[:] = session.scalars(query)
    for case in found:
        seal = rows.case_seal(case) or {}
        if case.resume_index is None or not seal.get("seed"):
            continue
        if seal.get("rx") == keyring.index_id or not rows._case_bound(case):
            continue
        seed = bytes.fromhex(str(seal["seed"]))
        case.resume_index = keyring.resume_from_seed(seed)
        rows._bind_case(case, seed)
        done += 1
    return done


def _cases(session: Session, keyring: Keyring, progress: Callable[[int], None]) -> int:
    """Move every resume index that has a seed, in batches."""
    moved, last_id, hits = 0, 0, 0
    while True:
        found: list[CaseRow] = []
        moved += _again(session, partial(_move_cases, session, keyring, last_id, found))
        if not found:
            return moved
        last_id = found[-1].id
        hits += len(found)
        if hits >= BATCH:  # the failpoint's batches are of 500, as the chats'
            hits = 0
            failpoint("reindex.batch")
        progress(len(found))


def _tallies(session: Session, keyring: Keyring) -> int:
    """Give every tally the lookup of its sealed words under the current key (merging)."""
    moved = 0
    query = select(TallyRow).order_by(TallyRow.id).with_for_update()  # none counted meanwhile
    rows = list(session.scalars(query.execution_options(populate_existing=True)))
    by_lookup = {row.lookup: row for row in rows}
    for row in rows:
        labels, count = open_tally(keyring, row)
        lookup = keyring.pseudonym("tally", "|".join(labels))
        if row.lookup == lookup:
            continue
        twin = by_lookup.get(lookup)
        if twin is not None:  # counted into under the new key meanwhile: add up
            _, more = open_tally(keyring, twin)
            reseal(keyring, twin, labels, count + more)
            session.delete(row)
        else:
            row.lookup = lookup
            by_lookup[lookup] = row
        session.flush()
        moved += 1
    return moved


def staff_moves(keyring: Keyring, staff_ids: Iterable[int]) -> tuple[dict[str, str], set[str]]:
    """The volunteers' actor names under each retiring key, mapped to the current ones."""
    moves: dict[str, str] = {}
    current: set[str] = set()
    for staff in staff_ids:
        new = "staff:" + keyring.pseudonym("staff", staff)[:16]
        current.add(new)
        for old_id in keyring.index_ids[1:]:
            moves["staff:" + keyring.pseudonym("staff", staff, old_id)[:16]] = new
    return moves, current


def _staff(session: Session, keyring: Keyring, staff_ids: Iterable[int]) -> int:
    """Move volunteers' pseudonyms in claims; a former volunteer's becomes generic.

    Audit rows are append-only (``bot.storage.audit``): their actors keep the pseudonym they
    were written with until the audit purge; once the old key is retired nobody can link it.
    """
    moves, current = staff_moves(keyring, staff_ids)
    moved = 0
    query = select(CaseRow.claimed_by).where(CaseRow.claimed_by.like("staff:%")).distinct()
    names = {name for name in session.scalars(query) if name is not None}
    for name in names - current - {FORMER_STAFF}:
        after = moves.get(name, FORMER_STAFF)
        change = update(CaseRow).where(CaseRow.claimed_by == name).values(claimed_by=after)
        result = session.execute(change)
        moved += int(getattr(result, "rowcount", 0) or 0)
    return moved


def _unknown_chats(session: Session, chats: Chats) -> int:
    """Drop wipe-ledger rows and resume failures of chats whose id is kept nowhere.

    A known chat's rows under an old pseudonym (written after its move) are kept: they move
    when the chat writes, or with the next pass.
    """
    known = chats.current | set(chats.moves) | {DESK_QUEUE}
    settled = utcnow() - UNKNOWN_AFTER  # a chat whose first update is being handled: not yet
    dropped = 0
    for model in (LedgerRow, ResumeFailureRow):
        stale = delete(model).where(model.chat_key.not_in(known), model.at < settled)
        result = session.execute(stale)
        dropped += int(getattr(result, "rowcount", 0) or 0)
    handled = update(InboxRow).where(
        InboxRow.done_at.is_not(None), InboxRow.chat_key.not_in(known)
    )
    session.execute(handled.values(chat_key=None))
    return dropped


def still_needed(
    engine: Engine, keyring: Keyring, staff_ids: Iterable[int] = ()
) -> dict[str, int]:
    """How many values of each kind still need a retiring index key (all 0: it may go)."""
    with Session(engine) as session, session.begin():
        chats = known_chats(session, keyring)
        rows, old, current = _Rows(keyring), set(chats.moves), keyring.index_id
        needed = {"conversations": 0, "holders": 0, "resume_indexes": 0}
        for conversation in session.scalars(select(ConversationRow)):
            if conversation.chat_key in chats.current or not conversation.dek:
                continue
            seal = rows.conversation_seal(conversation)
            needed["conversations"] += conversation.chat_key in old or seal.get("cx") != current
        for case in session.scalars(select(CaseRow)):
            if not case.dek:
                continue
            seal = rows.case_seal(case) or {}
            if case.holder is not None and case.holder not in chats.current:
                needed["holders"] += case.holder in old or seal.get("hx") != current
            needed["resume_indexes"] += case.resume_index is not None and seal.get("rx") != current
        for model in CHAT_TABLES:
            found = session.scalars(select(model.chat_key).where(model.chat_key.in_(old)))
            needed[model.__tablename__] = len(found.all())
        needed["tallies"] = sum(
            row.lookup != keyring.pseudonym("tally", "|".join(open_tally(keyring, row)[0]))
            for row in session.scalars(select(TallyRow))
        )
        _, staff = staff_moves(keyring, [*staff_ids, *staff_user_ids(session, keyring)])
        needed["staff_rows"] = staff_rows_behind(session, keyring)
        for column in (CaseRow.claimed_by,):
            names = session.scalars(select(column).where(column.like("staff:%"))).all()
            needed["staff"] = needed.get("staff", 0) + sum(
                name not in staff | {FORMER_STAFF} for name in names
            )
    return needed
