"""The report's tables, with small counts hidden so that no one can be singled out.

A table has one row per value of a dimension (a topic, a prefecture, a finding) and one column
per month, plus a total column; dimensions whose values exclude each other (each case has one
topic, one language, at most one prefecture) also get a total row. Then:

* **Primary suppression:** a count from 1 to 4 is shown as ``<5``.
* **Secondary suppression:** a line (row or column) that has a total must not hide exactly one
  cell, or total minus the others gives it back. In such a line the smallest other count that is
  still shown is hidden too, shown as ``x`` (it may be any size: calling it ``<5`` would be
  false), and this repeats until no line hides exactly one cell.

Zero is shown: it says nothing about anyone. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

THRESHOLD = 5
TOTAL = "total"
HIDDEN = "<5"
WITHHELD = "x"
"""A count hidden only so that a small one cannot be worked out."""


@dataclass
class Table:
    """Counts by (row, column), with the cells to hide."""

    dimension: str
    rows: list[str]
    columns: list[str]
    """The months, then ``total``."""
    counts: dict[tuple[str, str], int]
    exclusive: bool
    """Whether each case has at most one value (then a total row adds up)."""
    hidden: set[tuple[str, str]] = field(default_factory=set)
    """Every hidden cell: the small ones, and those hidden to protect them."""

    def shown(self, row: str, column: str) -> str:
        """What a cell shows: its count, ``<5`` (small) or ``x`` (withheld)."""
        count = self.counts.get((row, column), 0)
        if (row, column) not in self.hidden:
            return str(count)
        return HIDDEN if count < THRESHOLD else WITHHELD

    def lines(self) -> list[list[tuple[str, str]]]:
        """Every line that has a total: its cells, the total last."""
        found = [[(row, c) for c in self.columns] for row in self.rows]
        if self.exclusive:
            values = [r for r in self.rows if r != TOTAL]
            found += [[*((r, c) for r in values), (TOTAL, c)] for c in self.columns]
        return found


def build(
    dimension: str,
    counts: Mapping[tuple[str, str], int],
    months: Sequence[str],
    *,
    exclusive: bool,
    order: Sequence[str] = (),
) -> Table:
    """A table of one dimension from (value, month) counts, totals added, cells hidden."""
    values = sorted({value for value, _ in counts}, key=lambda v: (_rank(order, v), v))
    grid: dict[tuple[str, str], int] = {}
    for value in values:
        for month in months:
            grid[(value, month)] = counts.get((value, month), 0)
        grid[(value, TOTAL)] = sum(grid[(value, m)] for m in months)
    rows = list(values)
    if exclusive:
        for column in [*months, TOTAL]:
            grid[(TOTAL, column)] = sum(grid[(v, column)] for v in values)
        rows.append(TOTAL)
    table = Table(dimension, rows, [*months, TOTAL], grid, exclusive)
    suppress(table)
    return table


def _rank(order: Sequence[str], value: str) -> int:
    return order.index(value) if value in order else len(order)


def suppress(table: Table) -> None:
    """Hide small counts, then whatever would let them be worked out from a total."""
    table.hidden = {cell for cell, count in table.counts.items() if 0 < count < THRESHOLD}
    changed = True
    while changed:
        changed = False
        for line in table.lines():
            hidden = [cell for cell in line if cell in table.hidden]
            if len(hidden) != 1:
                continue
            candidates = [
                cell for cell in line if cell not in table.hidden and table.counts.get(cell, 0) > 0
            ]
            if not candidates:
                continue
            # Prefer a cell over the total, then the smallest: the least information lost.
            pick = min(candidates, key=lambda cell: (cell == line[-1], table.counts[cell]))
            table.hidden.add(pick)
            changed = True
