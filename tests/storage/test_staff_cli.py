"""``helpline staff enrol | list | revoke`` on a real SQLite file: codes, opaque ids, the audit."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cli import main
from bot.config import Settings
from bot.records import StaffMember
from bot.storage.database import open_database
from bot.storage.models import AuditRow, EnrolmentRow, StaffRow

from ..conftest import TEST_KDF

USER = 987654321


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), stdin=io.StringIO(""), stdout=out)
    return code, out.getvalue()


def test_enrol_list_revoke_name_nobody(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPLINE_DATA_DIR", str(tmp_path))
    code, out = run("staff", "enrol", "--hours", "2")
    assert code == 0
    found = re.search(r"STAFF-[A-Z0-9]{4}(-[A-Z0-9]{4}){3}", out)
    assert found is not None and "Valid until" in out
    enrolment = found.group(0)

    database = open_database(Settings.from_env({"HELPLINE_DATA_DIR": str(tmp_path)}), TEST_KDF)
    with Session(database.engine) as session:  # only a keyed hash of the code is kept
        (lookup,) = session.scalars(select(EnrolmentRow.lookup)).all()
    assert enrolment not in lookup
    stored = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.is_file())
    assert enrolment.encode() not in stored
    with database.records.unit() as unit:
        assert unit.use_enrolment(enrolment)
        key = unit.pseudonym("staff", USER)
        unit.save_staff_member(StaffMember(key, datetime.now(UTC), address=str(USER)))
    with database.records.unit() as unit:
        assert not unit.use_enrolment(enrolment)  # once
    with Session(database.engine) as session:
        (row,) = session.scalars(select(StaffRow)).all()
        assert str(USER).encode() not in row.sealed and row.key != str(USER)
    database.engine.dispose()

    code, out = run("staff", "list")
    actor = StaffMember(key, datetime.now(UTC)).actor
    assert code == 0 and actor in out and "1 enrolled." in out and str(USER) not in out
    code, out = run("staff", "revoke", actor)
    assert code == 0 and "Revoked" in out
    assert run("staff", "revoke", actor)[0] == 1
    code, out = run("staff", "list")
    assert "0 enrolled." in out
    database = open_database(Settings.from_env({"HELPLINE_DATA_DIR": str(tmp_path)}), TEST_KDF)
    with Session(database.engine) as session:
        audit = session.execute(select(AuditRow.action, AuditRow.detail)).all()
    database.engine.dispose()
    assert ("staff_code_made", "") in audit and ("staff_revoked", actor) in audit
    assert all(str(USER) not in detail for _, detail in audit)
