"""The wage check's worked examples (issue 15), and seeded random cases against a second sum.

The independent computation below is written again from ``../shared/reference/rights-facts.md``
(1.1 minimum wage, 1.4 premiums, 1.5 piece rates) in high-precision decimals, not with the
calculator's fractions or helpers, so that a slip in either shows up as a difference.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest

from bot.calculators import CALCULATORS, CalcContext
from bot.flowdefs.model import FlowSet
from bot.values import Choice, Number, Prefecture, Value, Yen

TODAY = date(2026, 11, 27)


def check(flows: FlowSet, **inputs: Value) -> dict[str, Value]:
    return dict(CALCULATORS["wage_check"].run(inputs, CalcContext(TODAY, flows.data)))


def hours(value: str | int) -> Number:
    return Number(Decimal(value))


AICHI = Prefecture("aichi")
TOKYO = Prefecture("tokyo")


def test_150000_yen_for_170_hours_in_aichi_is_43800_short(flows: FlowSet) -> None:
    result = check(flows, prefecture=AICHI, monthly_pay=Yen(150_000), monthly_hours=hours(170))
    assert result["shortfall_monthly"] == Yen(1_140 * 170 - 150_000) == Yen(43_800)


def test_180000_yen_for_168_hours_in_aichi_is_11520_short(flows: FlowSet) -> None:
    result = check(flows, prefecture=AICHI, monthly_pay=Yen(180_000), monthly_hours=hours(168))
    assert result["shortfall_monthly"] == Yen(11_520)


def test_950_yen_an_hour_for_176_hours_in_tokyo_is_48576_short_this_month(
    flows: FlowSet,
) -> None:
    result = check(
        flows,
        prefecture=TOKYO,
        pay_kind=Choice("hourly"),
        hourly_pay=Yen(950),
        monthly_hours=hours(176),
    )
    assert result["shortfall_hourly"] == Yen(276)
    assert result["shortfall_monthly"] == Yen(48_576)


def test_70_hours_of_overtime_on_180000_yen_for_168_hours_in_aichi(flows: FlowSet) -> None:
    result = check(
        flows,
        prefecture=AICHI,
        monthly_pay=Yen(180_000),
        monthly_hours=hours(168),
        overtime_hours=hours(70),
    )
    # below the minimum, so reckoned on ¥1,140: 60 h x 1,425 + 10 h x 1,710
    assert result["extra_owed"] == Yen(102_600)


def test_saturday_under_a_sunday_legal_holiday_is_overtime_toward_the_60_hours(
    flows: FlowSet,
) -> None:
    common: dict[str, Value] = {
        "prefecture": AICHI,
        "hourly_pay": Yen(1_200),
        "overtime_hours": hours(55),
        "day_off_hours": hours(8),
    }
    saturday = check(flows, **common, holiday_hours=hours(0))
    sunday = check(flows, **common, holiday_hours=hours(8))
    # Saturday: 63 h of overtime, 3 of them beyond 60 at +50%
    assert saturday["extra_owed"] == Yen(60 * 1_500 + 3 * 1_800)
    assert saturday["overtime_hours"] == hours(63)
    assert saturday["holiday_hours"] == hours(0)
    # the legal holiday: +35%, not counted toward the 60
    assert sunday["extra_owed"] == Yen(55 * 1_500 + 8 * 1_620)


def test_legal_holiday_hours_above_all_day_off_hours_are_capped(flows: FlowSet) -> None:
    result = check(
        flows,
        prefecture=AICHI,
        hourly_pay=Yen(1_200),
        day_off_hours=hours(4),
        holiday_hours=hours(9),
    )
    assert result["holiday_hours"] == hours(4)
    assert result["extra_owed"] == Yen(4 * 1_620)


def test_monthly_pay_plus_allowances_plus_piece_work(flows: FlowSet) -> None:
    result = check(
        flows,
        prefecture=AICHI,
        pay_kind=Choice("mixed"),
        monthly_pay=Yen(120_000),
        allowances=Yen(10_000),
        monthly_hours=hours(160),
        piece_pay=Yen(60_000),
        hours_worked=hours(200),
        overtime_hours=hours(40),
    )
    # 130,000 / 160 = 812.5 an hour, plus 60,000 / 200 = 300: 1,112.5, short 27.5 an hour
    assert result["hourly_base"] == Yen(1_113)
    assert result["below_minimum"].value is True  # type: ignore[union-attr]
    assert result["shortfall_monthly"] == Yen(4_400)  # 27.5 x the 160 scheduled hours
    # the missing 27.5 counts as piece pay: 812.5 x 1.25 + 327.5 x 0.25 = 1,097.5 an hour
    assert result["extra_owed"] == Yen(43_900)
    assert result["piece_rate"].value is True  # type: ignore[union-attr]


def test_mixed_pay_above_the_minimum_counts_only_the_premium_on_the_piece_part(
    flows: FlowSet,
) -> None:
    result = check(
        flows,
        prefecture=AICHI,
        pay_kind=Choice("mixed"),
        monthly_pay=Yen(160_000),
        allowances=Yen(0),
        monthly_hours=hours(160),
        piece_pay=Yen(100_000),
        hours_worked=hours(200),
        overtime_hours=hours(10),
        night_hours=hours(2),
    )
    assert result["below_minimum"].value is False  # type: ignore[union-attr]
    assert result["hourly_base"] == Yen(1_500)
    # 1,000 x 1.25 + 500 x 0.25 = 1,375 an hour; night: 1,500 x 0.25 = 375
    assert result["extra_owed"] == Yen(10 * 1_375 + 2 * 375)


def test_mixed_pay_with_no_piece_work_is_the_monthly_check(flows: FlowSet) -> None:
    mixed = check(
        flows,
        prefecture=AICHI,
        pay_kind=Choice("mixed"),
        monthly_pay=Yen(150_000),
        allowances=Yen(0),
        piece_pay=Yen(0),
        monthly_hours=hours(170),
        overtime_hours=hours(10),
    )
    monthly = check(
        flows,
        prefecture=AICHI,
        monthly_pay=Yen(150_000),
        monthly_hours=hours(170),
        overtime_hours=hours(10),
    )
    assert mixed == monthly


# The independent computation, from rights-facts.md.

MINIMUMS = {"aichi": 1_140, "tokyo": 1_226, "okinawa": 1_023, "gunma": 1_063}


@dataclass(frozen=True)
class Case:
    kind: str
    prefecture: str
    monthly: int
    allowances: int
    scheduled: Decimal
    hourly: int
    piece: int
    worked: Decimal
    overtime: Decimal
    day_off: Decimal
    legal: Decimal
    night: Decimal
    paid: int

    def inputs(self) -> dict[str, Value]:
        given: dict[str, Value] = {
            "prefecture": Prefecture(self.prefecture),
            "pay_kind": Choice(self.kind),
            "overtime_hours": Number(self.overtime),
            "day_off_hours": Number(self.day_off),
            "holiday_hours": Number(self.legal),
            "night_hours": Number(self.night),
            "extra_paid": Yen(self.paid),
            "monthly_hours": Number(self.scheduled),
        }
        if self.kind in ("monthly", "mixed"):
            given["monthly_pay"] = Yen(self.monthly)
        if self.kind == "mixed":
            given["allowances"] = Yen(self.allowances)
        if self.kind in ("piece", "mixed"):
            given["piece_pay"] = Yen(self.piece)
            given["hours_worked"] = Number(self.worked)
        if self.kind == "hourly":
            given["hourly_pay"] = Yen(self.hourly)
        return given


def half_up(value: Decimal) -> int:
    """Round half up; first to 1e-30, so that 60-digit division noise (x.4999…9) goes."""
    clean = max(value, Decimal(0)).quantize(Decimal("1e-30"))
    return int(clean.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def expected(case: Case) -> dict[str, int]:
    """Shortfall and extra pay owed, from rights-facts.md 1.1, 1.4 and 1.5."""
    with localcontext() as ctx:
        ctx.prec = 60
        minimum = Decimal(MINIMUMS[case.prefecture])
        # 1.1: hourly pay; monthly basic pay / scheduled hours; 1.5: piece pay / all hours
        time_part = {
            "hourly": Decimal(case.hourly),
            "monthly": Decimal(case.monthly) / case.scheduled,
            "mixed": Decimal(case.monthly + case.allowances) / case.scheduled,
            "piece": Decimal(0),
        }[case.kind]
        piece_part = (
            Decimal(case.piece) / case.worked if case.kind in ("piece", "mixed") else Decimal(0)
        )
        month_hours = case.worked if case.kind == "piece" else case.scheduled
        short_per_hour = max(minimum - time_part - piece_part, Decimal(0))
        # the minimum replaces pay below it (MWA Art. 4(2)); on mixed pay the top-up is
        # counted as piece pay (the smaller premium), so "at least" holds either way
        if short_per_hour > 0:
            if piece_part == 0:
                time_part = minimum
            else:
                piece_part += short_per_hour
        # 1.4: Saturday (a day off that is not the legal one) is overtime toward the 60 h
        legal = min(case.legal, case.day_off)
        overtime = case.overtime + case.day_off - legal
        up_to_60 = min(overtime, Decimal(60))
        over_60 = overtime - up_to_60
        # time pay: the whole hour plus the premium; piece pay: the premium only (1.5)
        owed = (
            up_to_60 * (time_part * Decimal("1.25") + piece_part * Decimal("0.25"))
            + over_60 * (time_part * Decimal("1.50") + piece_part * Decimal("0.50"))
            + legal * (time_part * Decimal("1.35") + piece_part * Decimal("0.35"))
            + case.night * (time_part + piece_part) * Decimal("0.25")
        )
        return {
            "shortfall_monthly": half_up(short_per_hour * month_hours),
            "extra_owed": half_up(owed),
            "extra_shortfall": half_up(owed - case.paid),
        }


def random_case(rng: random.Random) -> Case:
    def some_hours(low: int, high: int) -> Decimal:
        return Decimal(rng.randint(low * 4, high * 4)) / 4  # quarter hours, as trainees type

    day_off = some_hours(0, 40)
    return Case(
        kind=rng.choice(["monthly", "hourly", "piece", "mixed"]),
        prefecture=rng.choice(sorted(MINIMUMS)),
        monthly=rng.randint(50_000, 350_000),
        allowances=rng.choice([0, rng.randint(1, 40_000)]),
        scheduled=some_hours(120, 200),
        hourly=rng.randint(600, 1_800),
        piece=rng.choice([0, rng.randint(1, 300_000)]),
        worked=some_hours(120, 320),
        overtime=some_hours(0, 120),
        day_off=day_off,
        legal=min(day_off, some_hours(0, 40)),
        night=some_hours(0, 60),
        paid=rng.randint(0, 250_000),
    )


@pytest.mark.parametrize("seed", range(5))
def test_random_inputs_agree_with_an_independent_computation(flows: FlowSet, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(400):
        case = random_case(rng)
        if case.kind == "piece" and case.piece == 0:
            continue  # no pay at all is not a piece rate to check
        result = check(flows, **case.inputs())
        names = ("shortfall_monthly", "extra_owed", "extra_shortfall")
        got = {name: result[name] for name in names}
        assert got == {name: Yen(v) for name, v in expected(case).items()}, case
