"""The audit is append-only (goal D7): rows are added, never changed, with one exception.

What it does: it refuses, inside SQLAlchemy, every change to an audit row that is already
written: an ORM update or delete of a loaded ``AuditRow`` (``before_update``/``before_delete``)
and any bulk ``update(AuditRow)`` (``do_orm_execute``) except the one below. A refused change
raises ``AuditTamperingError`` and the unit of work rolls back.

**The one exception: a deleted case's name.** When a case is deleted (``/delete``) or purged,
``shred_cases`` sets ``case_public_id`` to NULL in the audit rows that named it, and nothing
else: the rows keep what happened and when, but no longer say to which case. Deletion promises
that nothing of the case remains; its public id is what ties the audit trail to the desk's topic
and to what volunteers remember of it, so it goes with the case. Only ``case_public_id = NULL``
passes; setting any other column, or the id to a value, is refused.

What it does not do: it does not stop raw SQL or a connection outside an ORM session (no code in
``bot/`` does either: ``tests/storage/test_audit_append_only.py`` lists every statement that
could change an audit row and allows only the known ones), nor an operator with the database's
own tools; nor does it cover a bulk delete, which the audit's retention by age may use. On
PostgreSQL an operator can go further with the database's privileges (``docs/storage.md``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Update, event
from sqlalchemy.orm import Mapper, ORMExecuteState, Session
from sqlalchemy.sql.elements import BindParameter, Null

from bot.storage.models import AuditRow

NAME_ONLY = "case_public_id"
"""The one column an audit row's update may touch, and only to forget it."""


class AuditTamperingError(RuntimeError):
    """Something tried to change an audit row that is already written."""


def forgets_a_name_only(statement: Update) -> bool:
    """Return whether a bulk update of the audit only sets ``case_public_id`` to NULL."""
    ordered = getattr(statement, "_ordered_values", None)
    values = dict(ordered) if ordered else dict(getattr(statement, "_values", None) or {})
    if not values:
        return False
    for column, value in values.items():
        if getattr(column, "key", column) != NAME_ONLY:
            return False
        is_null = isinstance(value, Null)
        if not (is_null or (isinstance(value, BindParameter) and value.value is None)):
            return False
    return True


@event.listens_for(Session, "do_orm_execute")
def _bulk(state: ORMExecuteState) -> None:
    """Refuse a bulk update of the audit, unless it only forgets a deleted case's name."""
    if not state.is_update or state.bind_mapper is None:
        return
    if state.bind_mapper.class_ is AuditRow:
        statement = state.statement
        if not (isinstance(statement, Update) and forgets_a_name_only(statement)):
            raise AuditTamperingError("audit rows are append-only")


@event.listens_for(AuditRow, "before_update")
def _update(_mapper: Mapper[Any], _connection: Any, _row: AuditRow) -> None:
    """Refuse an update of a loaded audit row (the ORM's unit of work)."""
    raise AuditTamperingError("audit rows are append-only")


@event.listens_for(AuditRow, "before_delete")
def _delete(_mapper: Mapper[Any], _connection: Any, _row: AuditRow) -> None:
    """Refuse a delete of one loaded audit row (only the retention removes rows, by age)."""
    raise AuditTamperingError("audit rows are append-only")
