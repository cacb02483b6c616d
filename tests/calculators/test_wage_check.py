"""The wage check against the minimum wage table: table-driven, with the boundaries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from bot.calculators import CALCULATORS, CalcContext, CalculatorError
from bot.calculators.minimum_wage import MinimumWage, MinimumWageTable
from bot.calculators.premiums import Base, Hours, owed
from bot.flowdefs.model import FlowSet
from bot.values import Choice, Day, Flag, Number, Prefecture, Value, Yen

TODAY = date(2026, 11, 27)
AICHI = Prefecture("aichi")


def check(flows: FlowSet, today: date = TODAY, **inputs: Value) -> dict[str, Value]:
    return dict(CALCULATORS["wage_check"].run(inputs, CalcContext(today, flows.data)))


def n(value: str | int) -> Number:
    return Number(Decimal(value))


CASES = {
    "¥63,000 for a full-time month (173 scheduled hours) in Aichi": (
        {"monthly_pay": Yen(63_000), "monthly_hours": n(173)},
        {
            "hourly_base": Yen(364),
            "below_minimum": Flag(True),
            "shortfall_hourly": Yen(776),
            "shortfall_monthly": Yen(134_220),
        },
    ),
    "exactly the minimum is not below it": (
        {"hourly_pay": Yen(1_140)},
        {
            "hourly_base": Yen(1_140),
            "below_minimum": Flag(False),
            "shortfall_hourly": Yen(0),
            "overtime_rate": Yen(1_425),
        },
    ),
    "one yen below the minimum": (
        {"hourly_pay": Yen(1_139)},
        {"below_minimum": Flag(True), "shortfall_hourly": Yen(1)},
    ),
    "monthly pay exactly at the minimum for 160 hours": (
        {"monthly_pay": Yen(182_400), "monthly_hours": n(160)},
        {"hourly_base": Yen(1_140), "below_minimum": Flag(False), "shortfall_monthly": Yen(0)},
    ),
    "a fraction of a yen short per hour still counts": (
        {"monthly_pay": Yen(182_399), "monthly_hours": n(160)},
        {"below_minimum": Flag(True), "shortfall_monthly": Yen(1)},
    ),
    "overtime paid at ¥600 an hour instead of at least ¥1,425": (
        {"hourly_pay": Yen(1_140), "overtime_hours": n(20), "extra_paid": Yen(12_000)},
        {
            "extra_owed": Yen(28_500),
            "extra_shortfall": Yen(16_500),
            "extra_paid": Yen(12_000),
            "has_extra": Flag(True),
        },
    ),
    "exactly 60 hours of overtime: all at +25%": (
        {"hourly_pay": Yen(1_140), "overtime_hours": n(60), "extra_paid": Yen(85_500)},
        {"extra_owed": Yen(85_500), "extra_shortfall": Yen(0)},
    ),
    "70 hours: the 10 beyond 60 at +50%": (
        {"hourly_pay": Yen(1_140), "overtime_hours": n(70)},
        {"extra_owed": Yen(85_500 + 17_100), "extra_shortfall": Yen(102_600)},
    ),
    "late-night overtime: +25% and +25%": (
        {"hourly_pay": Yen(1_140), "overtime_hours": n(2), "night_hours": n(2)},
        {"night_premium": Yen(285), "extra_owed": Yen(2 * 1_425 + 2 * 285)},
    ),
    "late-night overtime beyond 60 hours: +50% and +25% = +75%": (
        {"hourly_pay": Yen(1_000), "overtime_hours": n(61), "night_hours": n(1)},
        {"extra_owed": Yen(60 * 1_425 + 1 * 1_710 + 1 * 285)},
    ),
    "legal holiday: +35%, and not counted toward the 60 hours": (
        {"hourly_pay": Yen(1_200), "overtime_hours": n(60), "holiday_hours": n(8)},
        {"holiday_rate": Yen(1_620), "extra_owed": Yen(60 * 1_500 + 8 * 1_620)},
    ),
    "late-night work on the legal holiday: +35% and +25% = +60%": (
        {"hourly_pay": Yen(1_200), "holiday_hours": n(1), "night_hours": n(1)},
        {"extra_owed": Yen(1_620 + 300)},
    ),
    "pay below the minimum: premiums reckoned on the minimum": (
        {"hourly_pay": Yen(600), "overtime_hours": n(10), "extra_paid": Yen(6_000)},
        {"overtime_rate": Yen(1_425), "extra_owed": Yen(14_250), "extra_shortfall": Yen(8_250)},
    ),
    "pay above the minimum: premiums reckoned on the pay": (
        {"hourly_pay": Yen(1_500), "overtime_hours": n(1)},
        {"overtime_rate": Yen(1_875), "extra_owed": Yen(1_875)},
    ),
    "overpaid extra work owes nothing": (
        {"hourly_pay": Yen(1_200), "overtime_hours": n(1), "extra_paid": Yen(5_000)},
        {"extra_shortfall": Yen(0)},
    ),
    "no extra work": (
        {"hourly_pay": Yen(1_200), "overtime_hours": n(0)},
        {"extra_owed": Yen(0), "has_extra": Flag(False)},
    ),
    "the rate shown is rounded, the total is exact and rounded once": (
        {"monthly_pay": Yen(250_000), "monthly_hours": n(160), "overtime_hours": n(10)},
        {"overtime_rate": Yen(1_953), "extra_owed": Yen(19_531)},  # 1,953.125 x 10
    ),
    "piece rate: base = pay ÷ all hours, only the premium is owed": (
        {"piece_pay": Yen(200_000), "hours_worked": n(200), "overtime_hours": n(40)},
        {
            "hourly_base": Yen(1_000),
            "piece_rate": Flag(True),
            "below_minimum": Flag(True),
            "shortfall_monthly": Yen(28_000),
            "overtime_rate": Yen(285),
            "extra_owed": Yen(40 * 285),
        },
    ),
    "piece rate above the minimum": (
        {"piece_pay": Yen(300_000), "hours_worked": n(200), "overtime_hours": n(10)},
        {"hourly_base": Yen(1_500), "below_minimum": Flag(False), "overtime_rate": Yen(375)},
    ),
    "deductions: amount, share and what is left": (
        {"monthly_pay": Yen(160_000), "monthly_hours": n(160), "deductions": Yen(40_000)},
        {
            "deductions": Yen(40_000),
            "deductions_share": n(25),
            "pay_after_deductions": Yen(120_000),
        },
    ),
    "Aichi steel: the industry minimum is reported beside the regional one": (
        {"hourly_pay": Yen(1_150), "industry": Choice("steel")},
        {
            "below_minimum": Flag(False),
            "industry_minimum": Yen(1_175),
            "below_industry_minimum": Flag(True),
        },
    ),
    "an industry without its own minimum": (
        {"hourly_pay": Yen(1_150), "industry": Choice("other")},
        {"industry_minimum": Yen(0), "below_industry_minimum": Flag(False)},
    ),
}


@pytest.mark.parametrize(("inputs", "expected"), CASES.values(), ids=CASES.keys())
def test_wage_check_in_aichi(
    flows: FlowSet, inputs: dict[str, Value], expected: dict[str, Value]
) -> None:
    result = check(flows, prefecture=AICHI, **inputs)
    assert {key: result[key] for key in expected} == expected
    assert result["minimum"] == Yen(1_140)
    assert result["fiscal_year"] == n(2025)
    assert result["effective"] == Day(date(2025, 10, 18))


def test_every_declared_output_is_always_returned_and_labelled(flows: FlowSet) -> None:
    calc = CALCULATORS["wage_check"]
    result = check(flows, prefecture=AICHI, hourly_pay=Yen(1_000))
    assert set(result) == set(calc.outputs) == set(calc.labels_ja)
    assert all(result[name].kind is kind for name, kind in calc.outputs.items())


def test_fy2025_figure_is_a_floor_after_the_next_revision_date(flows: FlowSet) -> None:
    def current(day: date) -> Value:
        return check(flows, day, prefecture=AICHI, hourly_pay=Yen(1_200))["minimum_is_current"]

    assert current(date(2026, 9, 30)) == Flag(True)
    assert current(date(2026, 10, 1)) == Flag(False)


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
    result = check(flows, prefecture=Prefecture(prefecture), hourly_pay=Yen(1_000))
    assert result["minimum"] == Yen(minimum)


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


def test_premium_rates_for_time_and_piece_rate_pay() -> None:
    time_rate = Base(Fraction(1_000), Fraction(0))
    piece = Base(Fraction(0), Fraction(1_000))
    rates = (Fraction(25, 100), Fraction(50, 100), Fraction(35, 100))
    assert [time_rate.per_hour(r) for r in rates] == [1_250, 1_500, 1_350]
    assert [piece.per_hour(r) for r in rates] == [250, 500, 350]
    assert time_rate.night() == piece.night() == 250
    assert owed(time_rate, Hours(Fraction("60.5"), Fraction(0), Fraction(0))) == 75_750
    assert owed(time_rate, Hours(Fraction("7.5"), Fraction(0), Fraction(0))) == Fraction(9_375)
