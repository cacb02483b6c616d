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
