"""Reading the advocacy counts: the tallies of a range of months, and the cases open now.

Only counts come out of here: the ``tallies`` rows (fixed words and numbers) and how many cases
are open. No case is opened, decrypted or listed.
"""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.storage.connection import reachable
from bot.storage.models import CaseRow, TallyRow


def read_tallies(engine: Engine, first: str, last: str) -> dict[tuple[str, str, str], int]:
    """The counts of the months ``first`` to ``last`` (``YYYY-MM``), by dimension, value, month."""
    with reachable(), Session(engine) as session:
        rows = session.execute(
            select(TallyRow.dimension, TallyRow.value, TallyRow.month, TallyRow.count).where(
                TallyRow.month >= first, TallyRow.month <= last
            )
        ).all()
    return {(dimension, value, month): count for dimension, value, month, count in rows}


def open_cases(engine: Engine) -> int:
    """How many cases are open now."""
    with reachable(), Session(engine) as session:
        query = select(func.count()).select_from(CaseRow).where(CaseRow.status == "open")
        return int(session.scalar(query) or 0)
