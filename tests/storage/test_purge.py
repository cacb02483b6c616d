"""The purge on SQLite and PostgreSQL.

Acceptance check of the storage issue: a purge leaves no row of a purged case.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, LargeBinary, String, select
from sqlalchemy.orm import Session

from bot import engine as flow_engine
from bot.assemble import build_helpline
from bot.conversation import Conversation
from bot.events import Opened
from bot.storage.ledger import Ledger
from bot.storage.maintenance import purge
from bot.storage.models import (
    AuditRow,
    Base,
    CaseRow,
    ConsentRow,
    InboxRow,
    LedgerRow,
    ResumeFailureRow,
)
from bot.storage.store import SqlRecords
from bot.values import Yen

from ..conftest import AGREE_AT_THE_DESK, FLOWS, LOCALES, TODAY, make_keyring
from .helpers import NOW


def rows_naming(session: Session, case_id: int, public_id: str) -> list[str]:
    """Every row in any table that belongs to or names a case."""
    found = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)).mappings():
            for column in table.columns:
                value = row[column.name]
                refers = any(fk.column.table.name == "cases" for fk in column.foreign_keys)
                if (refers and value == case_id) or (
                    table.name == "cases" and column.name == "id" and value == case_id
                ):
                    found.append(f"{table.name}.{column.name}")
                if (
                    isinstance(column.type, String)
                    and isinstance(value, str)
                    and public_id in value
                ):
                    found.append(f"{table.name}.{column.name}")
                if isinstance(column.type, LargeBinary) and value and public_id.encode() in value:
                    found.append(f"{table.name}.{column.name}")
    return found


def test_a_purge_leaves_no_row_of_a_purged_case(engine: Engine) -> None:
    clock = [NOW]
    records = SqlRecords(engine, make_keyring(), lambda: clock[0])
    with records.unit() as unit:
        old = unit.open_case("vi", {"wages.pay": Yen(1)}, "v1")
        unit.set_pin(old, "482915")
        unit.save_conversation("chat-old", Conversation("vi", case=old), "111")
        unit.audit("trainee", "case_opened", old)
        unit.audit("staff-1", "case_read", old)
        unit.record_failed_resume("chat-old")
    Ledger(engine, lambda: clock[0]).note("chat-old", [1, 2, 3], outgoing=True)
    clock[0] = NOW + timedelta(days=60)
    with records.unit() as unit:
        recent = unit.open_case("zh_Hans", {"wages.pay": Yen(2)}, "v1")
        unit.save_conversation("chat-new", Conversation("zh_Hans", case=recent), "222")
        unit.audit("trainee", "case_opened", recent)
    with Session(engine) as session:
        old_id = session.scalar(select(CaseRow.id).where(CaseRow.public_id == old))
        recent_id = session.scalar(select(CaseRow.id).where(CaseRow.public_id == recent))
    assert old_id is not None and recent_id is not None

    clock[0] = NOW + timedelta(days=91)
    done = purge(engine, 90, clock=lambda: clock[0])

    assert done.cases == 1
    with Session(engine) as session:
        assert rows_naming(session, old_id, old) == []
        assert "cases.id" in rows_naming(session, recent_id, recent)  # the other case stays
        assert session.scalar(select(ConsentRow.id).where(ConsentRow.case_id == recent_id))
        for model in (LedgerRow, ResumeFailureRow, InboxRow):
            assert session.scalars(select(model)).all() == []
        actions = session.scalars(select(AuditRow.action)).all()
        assert {"case_opened", "case_read", "purged"} <= set(actions)  # what, not whose
    with records.unit() as unit:
        status = unit.case_status(recent)
        assert status is not None and status.status == "open"


def test_activity_keeps_a_case_from_the_purge(engine: Engine) -> None:
    clock = [NOW]
    records = SqlRecords(engine, make_keyring(), lambda: clock[0])
    helpline = build_helpline(FLOWS, LOCALES, records, today=lambda: TODAY, desk_connected=True)
    helpline.handle("chat", Opened("en"))
    helpline.handle("chat", flow_engine.ButtonPressed("lang:en"))
    helpline.handle("chat", flow_engine.CommandGiven(flow_engine.Command.PERSON))
    for data in AGREE_AT_THE_DESK:  # a case needs a desk
        helpline.handle("chat", flow_engine.ButtonPressed(data))
    helpline.handle("chat", flow_engine.ButtonPressed("dialog:skip"))  # no PIN
    with records.unit() as unit:
        conversation = unit.conversation("chat")
    assert conversation is not None and conversation.case is not None
    clock[0] = NOW + timedelta(days=80)
    helpline.handle("chat", flow_engine.TextEntered("hello"))  # the trainee is still here
    clock[0] = NOW + timedelta(days=100)
    assert purge(engine, 90, clock=lambda: clock[0]).cases == 0
    with records.unit() as unit:
        assert unit.case_status(conversation.case) is not None


def test_audit_rows_are_purged_after_their_retention(engine: Engine) -> None:
    clock = [NOW]
    records = SqlRecords(engine, make_keyring(), lambda: clock[0])
    with records.unit() as unit:
        unit.audit("staff:1", "staff_refused", detail="wrong_chat")
    clock[0] = NOW + timedelta(days=20)
    with records.unit() as unit:
        unit.audit("system", "left_group")

    def actions() -> list[str]:
        with Session(engine) as session:
            return list(session.scalars(select(AuditRow.action).order_by(AuditRow.id)))

    clock[0] = NOW + timedelta(days=31)
    purge(engine, 90, clock=lambda: clock[0], audit_days=30)
    assert actions() == ["left_group"]  # the old row went, the recent one stays
    clock[0] = NOW + timedelta(days=20 + 364)
    purge(engine, 90, clock=lambda: clock[0])  # a year by default
    assert actions() == ["left_group"]
    clock[0] = NOW + timedelta(days=20 + 366)
    purge(engine, 90, clock=lambda: clock[0])
    assert actions() == []
