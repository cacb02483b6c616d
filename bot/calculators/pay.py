"""How a month's pay turns into an hourly figure to compare with the minimum wage.

Pure arithmetic on exact fractions; nothing is rounded here. The rules
(``../shared/reference/rights-facts.md`` 1.1 and 1.5; the formulas are in docs/content.md):

* hourly pay: the hourly pay itself; the hours are the normal hours of the month;
* monthly pay (Minimum Wage Act Art. 4(3) and its ordinance: overtime, night and day-off pay,
  bonuses and allowances for commuting, family and perfect attendance are left out): the monthly
  pay over the scheduled hours of the month;
* piece-rate pay: the month's piece pay over all hours worked, overtime included (LSA Enforcement
  Regulation Art. 19(1)(6));
* mixed pay (a monthly base with allowances that count, plus piece work): each part by its own
  rule, added up.

When the hourly figure is below the minimum wage, the minimum replaces it (MWA Art. 4(2)), and
premiums are reckoned on the minimum. Which part the missing amount belongs to matters for the
premiums only on mixed pay; there it is counted as piece pay (premium only), the smaller result,
so that the "at least" the trainee is told holds whichever way it is settled.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from bot.calculators.base import CalculatorError, Inputs
from bot.calculators.premiums import ZERO, Base
from bot.values import Choice, Number, Yen

PAY_KINDS = ("monthly", "hourly", "piece", "mixed")


def number(inputs: Inputs, name: str) -> Fraction | None:
    """Return an answer as an exact fraction (None when it was not given)."""
    value = inputs.get(name)
    if isinstance(value, Yen):
        return Fraction(value.amount)
    if isinstance(value, Number):
        return Fraction(Decimal(value.value))
    return None


@dataclass(frozen=True, slots=True)
class Pay:
    """A month's pay as an hourly base, the hours it covers, and the month's fixed pay."""

    kind: str
    base: Base
    hours: Fraction | None
    """The hours a shortfall per hour is owed for (None for hourly pay with no hours given)."""
    month_pay: Fraction | None
    """The pay deductions are measured against (None for hourly pay)."""

    def floored(self, minimum: Fraction) -> Base:
        """Return the base premiums are reckoned on: never below ``minimum``."""
        missing = minimum - self.base.hourly
        if missing <= 0:
            return self.base
        if self.base.piece == 0:
            return Base(minimum, ZERO)
        return Base(self.base.time, self.base.piece + missing)


def _kind(inputs: Inputs) -> str:
    chosen = inputs.get("pay_kind")
    if isinstance(chosen, Choice) and chosen.value in PAY_KINDS:
        return chosen.value
    if "piece_pay" in inputs and "monthly_pay" in inputs:
        return "mixed"
    if "piece_pay" in inputs:
        return "piece"
    if "hourly_pay" in inputs:
        return "hourly"
    return "monthly"


def _piece(inputs: Inputs) -> tuple[Fraction, Fraction | None]:
    """Return (the piece part per hour, all hours worked); (0, None) with no piece pay."""
    piece_pay = number(inputs, "piece_pay") or ZERO
    worked = number(inputs, "hours_worked")
    if piece_pay == 0:
        return ZERO, worked
    if not worked:
        raise CalculatorError("wage_check needs hours_worked with piece_pay")
    return piece_pay / worked, worked


def read_pay(inputs: Inputs) -> Pay:
    """Read the pay answers of ``inputs`` into a ``Pay`` (CalculatorError when some lack)."""
    kind = _kind(inputs)
    scheduled = number(inputs, "monthly_hours")
    if kind == "hourly":
        hourly = number(inputs, "hourly_pay")
        if hourly is None:
            raise CalculatorError("wage_check needs hourly_pay")
        return Pay(kind, Base(hourly, ZERO), scheduled or None, None)
    if kind == "piece":
        piece, worked = _piece(inputs)
        if worked is None:
            raise CalculatorError("wage_check needs piece_pay with hours_worked")
        return Pay(kind, Base(ZERO, piece), worked, number(inputs, "piece_pay"))
    monthly = number(inputs, "monthly_pay")
    if monthly is None or not scheduled:
        raise CalculatorError("wage_check needs monthly_pay with monthly_hours")
    if kind == "monthly":
        return Pay(kind, Base(monthly / scheduled, ZERO), scheduled, monthly)
    fixed = monthly + (number(inputs, "allowances") or ZERO)
    piece, _ = _piece(inputs)
    month_pay = fixed + (number(inputs, "piece_pay") or ZERO)
    return Pay(kind, Base(fixed / scheduled, piece), scheduled, month_pay)
