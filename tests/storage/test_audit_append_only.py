"""Audit rows are append-only (D7): no code path changes one, but a deleted case's name goes.

Two checks: one reads ``bot/`` and lists every statement that could change or remove an audit
row, allowing only the known ones; the other tries each kind of change on SQLite and PostgreSQL
and sees it refused, while ``/delete`` still takes the case's name out of the rows that had it.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from bot.storage.audit import AuditTamperingError
from bot.storage.models import AuditRow
from bot.storage.store import SqlRecords

from ..conftest import make_keyring
from .helpers import NOW

BOT = Path(__file__).resolve().parents[2] / "bot"

AUDIT_FIELDS = {"actor", "action", "case_public_id", "detail"}
"""An audit row's fields (``at`` is left out: other rows have one too and none is set in place)."""
RAW_SQL = re.compile(r"\s*(UPDATE\s+audit|DELETE\s+FROM\s+audit)\b", re.IGNORECASE)
ALLOWED = Counter(
    {
        # shred_cases: a deleted or purged case's name leaves the audit rows that named it.
        ("storage/unit_cases.py", "update"): 1,
        # delete_case: the same, for this unit's audit rows not yet written.
        ("storage/unit_cases.py", "set case_public_id"): 1,
        # The audit's retention (HELPLINE_AUDIT_DAYS, by age), where the purge runs, if any.
        ("storage/maintenance.py", "delete"): 1,
    }
)
"""Every place in ``bot/`` that may change or remove audit rows, and how many times."""


def changes_in(tree: ast.AST) -> list[str]:
    """The statements of a module that could change or remove an audit row."""
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            name = node.func.id if isinstance(node.func, ast.Name) else None
            first = node.args[0]
            if name in ("update", "delete") and ast.unparse(first) == "AuditRow":
                found.append(name)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if RAW_SQL.match(node.value):
                found.append("sql")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr in AUDIT_FIELDS:
                    found.append(f"set {target.attr}")
    return found


def changes_in_bot() -> Counter[tuple[str, str]]:
    found: Counter[tuple[str, str]] = Counter()
    for path in sorted(BOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for kind in changes_in(tree):
            found[path.relative_to(BOT).as_posix(), kind] += 1
    return found


def test_only_the_known_statements_change_audit_rows() -> None:
    found = changes_in_bot()
    unexpected = {place: n for place, n in found.items() if n > ALLOWED[place]}
    assert not unexpected, (
        f"{unexpected}: audit rows are append-only (bot/storage/audit.py); a new change to them "
        "needs a reason written there and in docs/storage.md, and a line in ALLOWED"
    )
    # the one exception is there: deletion still takes a case's name out of the audit
    assert found["storage/unit_cases.py", "update"] == 1


def test_the_listing_would_see_a_new_change() -> None:
    sample = (
        "session.execute(update(AuditRow).values(detail='x'))\n"
        "session.execute(text('DELETE FROM audit WHERE 1'))\n"
        "row.detail = 'x'\n"
        "session.execute(delete(AuditRow))\n"
        "row = session.get(AuditRow, 1)\n"
        '"""An update(AuditRow) in a docstring is no change."""\n'
    )
    assert sorted(changes_in(ast.parse(sample))) == ["delete", "set detail", "sql", "update"]


def _written(engine: Engine) -> tuple[SqlRecords, str]:
    records = SqlRecords(engine, make_keyring(), lambda: NOW)
    with records.unit() as unit:
        case = unit.open_case("vi", {}, "v1")
        unit.audit("trainee", "case_opened", case)
        unit.audit("staff:abc", "case_read", case)
    return records, case


def test_a_written_audit_row_cannot_be_changed_or_removed_one_by_one(engine: Engine) -> None:
    _written(engine)
    with Session(engine) as session:
        row = session.scalars(select(AuditRow)).first()
        assert row is not None
        row.action = "nothing_happened"
        with pytest.raises(AuditTamperingError):
            session.flush()
        session.rollback()
        row = session.scalars(select(AuditRow)).first()
        session.delete(row)
        with pytest.raises(AuditTamperingError):
            session.flush()
        session.rollback()
    with Session(engine) as session:
        assert session.scalars(select(AuditRow.action).order_by(AuditRow.id)).all() == [
            "case_opened",
            "case_read",
        ]


@pytest.mark.parametrize(
    "values",
    [{"detail": "x"}, {"actor": "system"}, {"case_public_id": "C-OTHER"}, {"at": NOW}],
)
def test_a_bulk_update_of_the_audit_is_refused(engine: Engine, values: dict[str, object]) -> None:
    _written(engine)
    with Session(engine) as session, pytest.raises(AuditTamperingError):
        session.execute(update(AuditRow).values(**values))
    with Session(engine) as session:
        assert session.scalars(select(AuditRow.detail)).all() == ["", ""]
        assert "C-OTHER" not in session.scalars(select(AuditRow.case_public_id)).all()


def test_deleting_a_case_takes_its_name_out_of_the_audit_and_nothing_else(
    engine: Engine,
) -> None:
    records, case = _written(engine)
    with records.unit() as unit:
        unit.audit("trainee", "pin_set", case)  # not written yet when the case goes
        unit.delete_case(case)
    with Session(engine) as session:
        rows = session.execute(
            select(AuditRow.actor, AuditRow.action, AuditRow.case_public_id).order_by(AuditRow.id)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("trainee", "case_opened", None),
        ("staff:abc", "case_read", None),
        ("trainee", "pin_set", None),
    ]


def test_a_bulk_delete_is_left_to_the_retention(engine: Engine) -> None:
    """The guard does not stand in the way of removing old rows by age (the retention)."""
    _written(engine)
    with Session(engine) as session, session.begin():
        session.execute(delete(AuditRow).where(AuditRow.at < NOW))
    with Session(engine) as session:
        assert len(session.scalars(select(AuditRow)).all()) == 2
