"""Audit and transactions on SQLite and PostgreSQL.

Acceptance check of the storage issue: audit rows survive a rollback.
"""

from __future__ import annotations

from datetime import UTC

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.conversation import Conversation
from bot.storage.models import AuditRow, ConsentRow, ConversationRow
from bot.storage.store import SqlRecords

from ..conftest import make_keyring
from .helpers import NOW


def test_audit_rows_are_kept_when_the_unit_rolls_back(engine: Engine) -> None:
    records = SqlRecords(engine, make_keyring(), lambda: NOW)
    with pytest.raises(RuntimeError), records.unit() as unit:
        unit.save_conversation("chat", Conversation("vi"), None)
        unit.record_failed_resume("chat")
        unit.audit("trainee", "resume_failed")
        raise RuntimeError("the database went away in the middle")
    with Session(engine) as session:
        assert session.scalars(select(AuditRow.action)).all() == ["resume_failed"]
        assert session.scalars(select(ConversationRow)).all() == []


def test_no_case_without_a_consent_row(engine: Engine) -> None:
    records = SqlRecords(engine, make_keyring(), lambda: NOW)
    with records.unit() as unit:
        unit.open_case("vi", {}, "a1b2c3")
    with Session(engine) as session:
        consent = session.scalars(select(ConsentRow)).one()
        assert consent.text_version == "a1b2c3"
        assert consent.given_at.replace(tzinfo=UTC) == NOW


def test_a_case_deleted_while_another_unit_names_it_leaves_no_name(engine: Engine) -> None:
    """PostgreSQL runs units at once: a volunteer's unit names a case in the audit while the
    trainee's unit deletes it; the name must not outlive the case (the drive found this)."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite runs one writing unit at a time: the deletion would wait")
    records = SqlRecords(engine, make_keyring(), lambda: NOW)
    with records.unit() as unit:
        case = unit.open_case("vi", {}, "v1")
    with records.unit() as volunteer:
        volunteer.audit("staff:0123456789abcdef", "relayed", case)
        with records.unit() as trainee:  # deleted and committed before the volunteer's commit
            trainee.delete_case(case)
    with pytest.raises(RuntimeError), records.unit() as failing:  # its rows kept on rollback
        failing.audit("staff:0123456789abcdef", "case_read", case)
        raise RuntimeError("the case went away under it")
    with Session(engine) as session:
        assert session.scalars(select(AuditRow.case_public_id)).all() == [None, None]
