"""The wage check against the minimum wage table: table-driven, with the boundaries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.calculators import CALCULATORS, CalcContext, CalculatorError
from bot.calculators.minimum_wage import MinimumWage, MinimumWageTable
from bot.calculators.wage_check import overtime_pay_owed
from bot.flowdefs.model import FlowSet
from bot.values import Day, Flag, Number, Prefecture, Value, Yen

TODAY = date(2026, 11, 27)


def check(flows: FlowSet, today: date = TODAY, **inputs: Value) -> dict[str, Value]:
    return dict(CALCULATORS["wage_check"].run(inputs, CalcContext(today, flows.data)))


def n(value: str | int) -> Number:
    return Number(Decimal(value))


AICHI = Prefecture("aichi")


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        # ¥63,000 for a full-time month (173 scheduled hours) in Aichi: far below ¥1,140.
        (
            {"monthly_pay": Yen(63_000), "monthly_hours": n(173)},
            {
                "hourly_base": Yen(364),
                "below_minimum": Flag(True),
                "shortfall_hourly": Yen(776),
                "shortfall_monthly": Yen(134_220),
            },
        ),
        # Exactly the minimum: not below, nothing short.
        (
            {"hourly_pay": Yen(1_140)},
            {
                "hourly_base": Yen(1_140),
                "below_minimum": Flag(False),
                "shortfall_hourly": Yen(0),
                "overtime_rate": Yen(1_425),
            },
        ),
        # One yen below the minimum.
        (
            {"hourly_pay": Yen(1_139)},
            {"below_minimum": Flag(True), "shortfall_hourly": Yen(1)},
        ),
        # Monthly pay that is exactly the minimum for 160 hours.
        (
            {"monthly_pay": Yen(182_400), "monthly_hours": n(160)},
            {"hourly_base": Yen(1_140), "below_minimum": Flag(False), "shortfall_monthly": Yen(0)},
        ),
        # A fraction of a yen short per hour still counts as below.
        (
            {"monthly_pay": Yen(182_399), "monthly_hours": n(160)},
            {"below_minimum": Flag(True), "shortfall_monthly": Yen(1)},
        ),
        # Overtime paid at ¥600 an hour instead of at least ¥1,425: 20 hours.
        (
            {"hourly_pay": Yen(1_140), "overtime_hours": n(20), "overtime_paid": Yen(12_000)},
            {
                "overtime_owed": Yen(28_500),
                "overtime_shortfall": Yen(16_500),
                "overtime_hours": n(20),
                "overtime_paid": Yen(12_000),
            },
        ),
        # Exactly 60 hours of overtime: all at +25%.
        (
            {"hourly_pay": Yen(1_140), "overtime_hours": n(60), "overtime_paid": Yen(85_500)},
            {"overtime_owed": Yen(85_500), "overtime_shortfall": Yen(0)},
        ),
        # 70 hours: 60 at +25%, the 10 beyond 60 at +50%.
        (
            {"hourly_pay": Yen(1_140), "overtime_hours": n(70), "overtime_paid": Yen(0)},
            {"overtime_owed": Yen(85_500 + 17_100), "overtime_shortfall": Yen(102_600)},
        ),
        # Pay below the minimum: the overtime premium is reckoned on the minimum, not the pay.
        (
            {"hourly_pay": Yen(600), "overtime_hours": n(10), "overtime_paid": Yen(6_000)},
            {
                "overtime_rate": Yen(1_425),
                "overtime_owed": Yen(14_250),
                "overtime_shortfall": Yen(8_250),
            },
        ),
        # Pay above the minimum: the premium is reckoned on the actual pay.
        (
            {"hourly_pay": Yen(1_500), "overtime_hours": n(1)},
            {"overtime_rate": Yen(1_875), "overtime_owed": Yen(1_875)},
        ),
        # Overpaid overtime owes nothing (never a negative amount).
        (
            {"hourly_pay": Yen(1_200), "overtime_hours": n(1), "overtime_paid": Yen(5_000)},
            {"overtime_shortfall": Yen(0)},
        ),
        # Rates are rounded to the yen and totals follow them: 250,000 / 160 h = ¥1,562.5,
        # × 1.25 = ¥1,953.125 → ¥1,953 an hour, and 10 hours are ¥19,530.
        (
            {"monthly_pay": Yen(250_000), "monthly_hours": n(160), "overtime_hours": n(10)},
            {"overtime_rate": Yen(1_953), "overtime_owed": Yen(19_530)},
        ),
        # No overtime: nothing owed.
        (
            {"hourly_pay": Yen(1_200), "overtime_hours": n(0)},
            {"overtime_owed": Yen(0), "overtime_hours": n(0)},
        ),
    ],
)
def test_wage_check_in_aichi(
    flows: FlowSet, inputs: dict[str, Value], expected: dict[str, Value]
) -> None:
    result = check(flows, prefecture=AICHI, **inputs)
    assert {key: result[key] for key in expected} == expected
    assert result["minimum"] == Yen(1_140)
    assert result["fiscal_year"] == n(2025)
    assert result["effective"] == Day(date(2025, 10, 18))


def test_every_declared_output_is_always_returned(flows: FlowSet) -> None:
    result = check(flows, prefecture=AICHI, hourly_pay=Yen(1_000))
    assert set(result) == set(CALCULATORS["wage_check"].outputs)


def test_fy2025_figure_is_a_floor_after_the_next_revision_date(flows: FlowSet) -> None:
    assert check(flows, date(2026, 9, 30), prefecture=AICHI, hourly_pay=Yen(1_200))[
        "minimum_is_current"
    ] == Flag(True)
    assert check(flows, date(2026, 10, 1), prefecture=AICHI, hourly_pay=Yen(1_200))[
        "minimum_is_current"
    ] == Flag(False)


@pytest.mark.parametrize(
    ("prefecture", "minimum"),
    [
        ("tokyo", 1_226),
        ("okinawa", 1_023),
        ("kochi", 1_023),
        ("nagano", 1_061),
        ("gunma", 1_063),
        ("akita", 1_031),
    ],
)
def test_prefecture_figures(flows: FlowSet, prefecture: str, minimum: int) -> None:
    assert check(flows, prefecture=Prefecture(prefecture), hourly_pay=Yen(1_000))[
        "minimum"
    ] == Yen(minimum)


def test_missing_inputs_raise_a_calculator_error(flows: FlowSet) -> None:
    with pytest.raises(CalculatorError):
        check(flows, prefecture=AICHI, monthly_pay=Yen(100_000))  # no hours
    with pytest.raises(CalculatorError):
        check(flows, hourly_pay=Yen(1_000))  # no prefecture
    with pytest.raises(CalculatorError):
        check(flows, date(2020, 1, 1), prefecture=AICHI, hourly_pay=Yen(900))  # before the table


def row(fy: int, hourly: int, effective: date, industry: str | None = None) -> MinimumWage:
    return MinimumWage("aichi", fy, hourly, effective, "https://example.org", "V", industry)


def test_table_picks_the_figure_in_force_on_the_day() -> None:
    table = MinimumWageTable(
        [row(2025, 1_140, date(2025, 10, 18)), row(2026, 1_200, date(2026, 10, 10))]
    )
    before = table.on("aichi", date(2026, 10, 9))
    after = table.on("aichi", date(2026, 10, 10))
    assert before is not None and before.rate.hourly == 1_140 and before.is_current
    assert after is not None and after.rate.hourly == 1_200 and after.is_current
    assert table.on("aichi", date(2025, 10, 17)) is None


def test_the_higher_of_industry_and_regional_minimum_applies() -> None:
    table = MinimumWageTable(
        [
            row(2025, 1_140, date(2025, 10, 18)),
            row(2025, 1_175, date(2025, 12, 16), "steel"),
            row(2025, 1_100, date(2025, 12, 16), "cheap"),
        ]
    )
    steel = table.on("aichi", date(2026, 1, 1), industry="steel")
    cheap = table.on("aichi", date(2026, 1, 1), industry="cheap")
    assert steel is not None and steel.rate.hourly == 1_175
    assert cheap is not None and cheap.rate.hourly == 1_140


def test_overtime_pay_owed_at_the_60_hour_boundary() -> None:
    assert overtime_pay_owed(Decimal(1000), Decimal(60)) == Decimal(75_000)
    assert overtime_pay_owed(Decimal(1000), Decimal("60.5")) == Decimal(75_750)
    assert overtime_pay_owed(Decimal(1000), Decimal("7.5")) == Decimal("9375.0")
