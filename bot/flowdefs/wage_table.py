"""Checks across the rows of ``flows/data/minimum_wages.yaml``: a year's table is one data edit.

Adding a fiscal year means adding its rows; these checks catch what such an edit can get wrong:
a prefecture left out (every fiscal year of the regional table has all 47), an effective date
outside its fiscal year (April to March; revisions take effect from October), and an amount
lower than the year before (minimum wages have only ever risen, so a lower one is a typo).
Pure: reads parsed rows, returns problems.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from bot.calculators.minimum_wage import MinimumWage
from bot.flowdefs.problems import Problem


def _fiscal_year_of(day: date) -> int:
    """Japan's fiscal year runs from 1 April to 31 March."""
    return day.year if day.month >= 4 else day.year - 1  # noqa: PLR2004


def table_problems(path: str, rows: Iterable[MinimumWage], prefectures: set[str]) -> list[Problem]:
    """Return what is wrong across the rows (each row on its own is checked as it is read)."""
    rows = list(rows)
    problems = [
        Problem(
            path,
            1,
            None,
            f"{row.prefecture} ({row.fiscal_year}): 'effective' {row.effective} is not in fiscal "
            f"year {row.fiscal_year} (1 April {row.fiscal_year} to 31 March "
            f"{row.fiscal_year + 1}); check the year or the date",
        )
        for row in rows
        if _fiscal_year_of(row.effective) != row.fiscal_year
    ]
    years = sorted({row.fiscal_year for row in rows if row.industry is None})
    for year in years:
        missing = prefectures - {
            r.prefecture for r in rows if r.industry is None and r.fiscal_year == year
        }
        if missing:
            problems.append(
                Problem(
                    path,
                    1,
                    None,
                    f"fiscal year {year} has no regional row for {', '.join(sorted(missing))}; "
                    "every year needs all 47 prefectures (keep the old years' rows too)",
                )
            )
    by_key = {(r.prefecture, r.industry, r.fiscal_year): r for r in rows}
    for row in rows:
        before = by_key.get((row.prefecture, row.industry, row.fiscal_year - 1))
        if before is not None and row.hourly < before.hourly:
            problems.append(
                Problem(
                    path,
                    1,
                    None,
                    f"{row.prefecture}{f' ({row.industry})' if row.industry else ''}: "
                    f"{row.hourly} yen in fiscal year {row.fiscal_year} is lower than "
                    f"{before.hourly} the year before; minimum wages do not fall, so check it",
                )
            )
    return problems
