"""Reading the advocacy counts: the tallies of a range of months, and the cases open now.

Only counts come out of here: the ``tallies`` rows, opened with the keys (each seals its month,
dimension, value and count: ``bot.storage.tallies``), and how many cases are open. No case is
opened, decrypted or listed. Hiding the small counts is the report's (``bot.reports.tables``).
"""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.storage.connection import reachable
from bot.storage.crypto import Keyring
from bot.storage.models import CaseRow, TallyRow
from bot.storage.tallies import open_tally


def read_tallies(
    engine: Engine, keyring: Keyring, first: str, last: str
) -> dict[tuple[str, str, str], int]:
    """The counts of the months ``first`` to ``last`` (``YYYY-MM``), by dimension, value, month.

    Every row is opened (the month is sealed too); the table is small (months × properties).
    """
    with reachable(), Session(engine) as session:
        rows = session.scalars(select(TallyRow)).all()
        opened = [open_tally(keyring, row) for row in rows]
    return {
        (dimension, value, in_month): count
        for (in_month, dimension, value), count in opened
        if first <= in_month <= last
    }


def open_cases(engine: Engine) -> int:
    """How many cases are open now."""
    with reachable(), Session(engine) as session:
        query = select(func.count()).select_from(CaseRow).where(CaseRow.status == "open")
        return int(session.scalar(query) or 0)
