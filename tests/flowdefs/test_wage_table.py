"""A year's minimum wages are one data edit: the checker refuses what such an edit gets wrong.

Each test copies the real ``flows/`` folder, edits ``minimum_wages.yaml`` as a maintainer
would (adding an FY2026 table), and runs the real checker on it.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

from bot.calculators.minimum_wage import MinimumWage, MinimumWageTable
from bot.flowdefs.folder import load_flowset
from bot.operator_doctor import _minimum_wage_check

from ..conftest import FLOWS

TODAY = date(2026, 11, 27)
WAGES = "data/minimum_wages.yaml"


def fy2026_rows(text: str, change: dict[str, str] | None = None) -> str:
    """The FY2025 rows again as FY2026 (+50 yen, a year later), with per-prefecture edits."""
    rows = []
    for match in re.finditer(
        r"  - \{prefecture: (\w+), +fiscal_year: 2025, hourly: (\d+), "
        r"effective: (\d+)-(\d\d-\d\d)",
        text,
    ):
        pref, hourly, year, day = match.groups()
        row = (
            f"  - {{prefecture: {pref}, fiscal_year: 2026, hourly: {int(hourly) + 50}, "
            f"effective: {int(year) + 1}-{day}, confidence: V, "
            'source: "https://www.mhlw.go.jp/"}'
        )
        rows.append((change or {}).get(pref, row))
    return "\n".join(line for line in rows if line)


def check_with(tmp_path: Path, new_rows: str, today: date = TODAY) -> list[str]:
    folder = tmp_path / "flows"
    shutil.copytree(FLOWS, folder)
    path = folder / WAGES
    text = path.read_text(encoding="utf-8")
    text = text.replace("\nregional:\n", "\nregional:\n" + new_rows + "\n", 1)
    path.write_text(text, encoding="utf-8")
    _, problems = load_flowset(folder, today)
    return [p.message for p in problems]


def test_a_whole_new_year_is_accepted_and_used(tmp_path: Path) -> None:
    text = (FLOWS / WAGES).read_text(encoding="utf-8")
    assert check_with(tmp_path, fy2026_rows(text)) == []
    folder = tmp_path / "flows"
    flows, _ = load_flowset(folder, TODAY)
    tokyo = flows.data.minimum_wages.on("tokyo", TODAY)
    assert tokyo is not None and (tokyo.rate.fiscal_year, tokyo.rate.hourly) == (2026, 1_276)
    assert not flows.data.minimum_wages.may_be_old(TODAY)


def test_a_prefecture_left_out_of_a_year_is_refused(tmp_path: Path) -> None:
    text = (FLOWS / WAGES).read_text(encoding="utf-8")
    messages = check_with(tmp_path, fy2026_rows(text, {"okinawa": "", "aichi": ""}))
    assert any("fiscal year 2026 has no regional row for aichi, okinawa" in m for m in messages), (
        messages
    )


def test_an_effective_date_outside_its_fiscal_year_is_refused(tmp_path: Path) -> None:
    text = (FLOWS / WAGES).read_text(encoding="utf-8")
    bad = (
        "  - {prefecture: tokyo, fiscal_year: 2026, hourly: 1300, effective: 2026-03-01, "
        'confidence: V, source: "https://www.mhlw.go.jp/"}'
    )
    messages = check_with(tmp_path, fy2026_rows(text, {"tokyo": bad}))
    assert any(
        "tokyo (2026): 'effective' 2026-03-01 is not in fiscal year 2026" in m for m in messages
    )


def test_an_amount_lower_than_the_year_before_is_refused(tmp_path: Path) -> None:
    text = (FLOWS / WAGES).read_text(encoding="utf-8")
    typo = (
        "  - {prefecture: tokyo, fiscal_year: 2026, hourly: 1126, effective: 2026-10-03, "
        'confidence: V, source: "https://www.mhlw.go.jp/"}'
    )
    messages = check_with(tmp_path, fy2026_rows(text, {"tokyo": typo}))
    assert any("1126 yen in fiscal year 2026 is lower than 1226" in m for m in messages)


def test_every_row_of_the_table_has_its_year_and_date(tmp_path: Path) -> None:
    flows, problems = load_flowset(FLOWS, TODAY)
    assert problems == []
    rows = flows.data.minimum_wages.rows
    regional = [r for r in rows if r.industry is None]
    assert len(regional) == 47
    assert all(r.fiscal_year == 2025 for r in regional)
    assert all(date(2025, 10, 1) <= r.effective <= date(2026, 3, 31) for r in regional)


def row(fy: int, effective: date) -> MinimumWage:
    return MinimumWage("aichi", fy, 1_140, effective, "https://example.org", "V")


def test_doctor_warns_once_the_next_revision_may_be_in_force() -> None:
    table = MinimumWageTable([row(2025, date(2025, 10, 18))])
    assert _minimum_wage_check(table, date(2026, 9, 30))[0] is True
    ok, line = _minimum_wage_check(table, date(2026, 10, 1))
    assert ok is None  # a warning: doctor still passes
    assert "fiscal year 2025" in line and "2026-10-01" in line and "minimum_wages.yaml" in line
    newer = MinimumWageTable([row(2025, date(2025, 10, 18)), row(2026, date(2026, 10, 18))])
    assert _minimum_wage_check(newer, date(2026, 12, 1))[0] is True
