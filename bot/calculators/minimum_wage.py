"""The minimum wage table and the rule for which figure applies on a given day.

Pure data and lookups; ``bot.flowdefs.data`` loads the table from
``flows/data/minimum_wages.yaml``.

Minimum wages in Japan are revised every fiscal year and only ever rise. A new figure takes effect
in each prefecture on its own date, from October onward. So a figure from fiscal year N is known
to be current until 1 October of year N+1; after that, unless the table already has the next
year's row, it is still a safe floor ("at least"), but the current figure may be higher.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

NEXT_REVISION_MONTH = 10
"""Revisions take effect from October (the earliest effective date in any year)."""


@dataclass(frozen=True, slots=True)
class MinimumWage:
    """One prefecture's minimum wage for one fiscal year (or one industry's, when set)."""

    prefecture: str
    fiscal_year: int
    hourly: int
    effective: date
    source: str
    confidence: str
    industry: str | None = None


@dataclass(frozen=True, slots=True)
class ApplicableWage:
    """The figure that applies on a day, and whether a newer one may already be in force."""

    rate: MinimumWage
    is_current: bool


class MinimumWageTable:
    """Regional and industry minimum wages, looked up by prefecture and day."""

    def __init__(self, rows: Iterable[MinimumWage]) -> None:
        self._rows = sorted(rows, key=lambda r: (r.prefecture, r.industry or "", r.effective))

    @property
    def rows(self) -> tuple[MinimumWage, ...]:
        """Every row, sorted by prefecture, industry and effective date."""
        return tuple(self._rows)

    def on(self, prefecture: str, day: date, industry: str | None = None) -> ApplicableWage | None:
        """Return the figure in force in ``prefecture`` on ``day`` (None if the table has none).

        With an ``industry``, the higher of the industry and the regional figure applies.
        """
        regional = self._latest(prefecture, None, day)
        if industry is not None:
            specific = self._latest(prefecture, industry, day)
            if specific is not None and (regional is None or specific.hourly > regional.hourly):
                regional = specific
        if regional is None:
            return None
        return ApplicableWage(regional, self._is_current(regional, day))

    def _latest(self, prefecture: str, industry: str | None, day: date) -> MinimumWage | None:
        found = None
        for row in self._rows:
            if row.prefecture == prefecture and row.industry == industry and row.effective <= day:
                found = row  # rows are sorted by effective date, so the last match is the newest
        return found

    def newest_year(self) -> int | None:
        """The newest fiscal year of the regional rows (None for an empty table)."""
        years = [r.fiscal_year for r in self._rows if r.industry is None]
        return max(years) if years else None

    def may_be_old(self, day: date) -> bool:
        """Whether on ``day`` a newer regional figure than the table's may be in force somewhere.

        That is so from 1 October of the year after the newest fiscal year in the table (the
        earliest day the next year's revision takes effect), until that year's rows are added.
        """
        newest = self.newest_year()
        return newest is not None and day >= next_revision(newest)

    def _is_current(self, rate: MinimumWage, day: date) -> bool:
        newer_known = any(
            r.prefecture == rate.prefecture
            and r.industry == rate.industry
            and r.fiscal_year > rate.fiscal_year
            for r in self._rows
        )
        if newer_known:
            return True  # the table knows the next figure, and it is not yet in force on `day`
        return day < next_revision(rate.fiscal_year)


def next_revision(fiscal_year: int) -> date:
    """The earliest day the revision after ``fiscal_year``'s may take effect (1 October)."""
    return date(fiscal_year + 1, NEXT_REVISION_MONTH, 1)
