"""The wage check: hourly pay against the minimum wage, and the overtime premium owed.

Pure arithmetic on exact decimals. Law behind it (``../shared/reference/rights-facts.md``):

* Minimum Wage Act Art. 4: pay below the minimum wage is void for that part. Monthly pay is
  compared as an hourly figure: base pay divided by the scheduled hours of the month.
* Labour Standards Act Art. 37: overtime beyond 8 hours a day or 40 a week is paid at least
  25% on top of the hourly base; the part beyond 60 hours in a month at least 50% on top.
  The hourly base for the premium can never be below the minimum wage.

Hourly premium rates are rounded half up to the yen, as employers may round them, and totals are
those rates times the hours, so that every figure a trainee sees adds up (10 hours at ¥1,953 is
¥19,530). Comparisons with the minimum wage use exact values, so a shortfall of a fraction of a
yen still counts; amounts owed are rounded up.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from bot.calculators.base import CalcContext, Calculator, CalculatorError, Inputs, Outputs, Param
from bot.values import Day, Flag, Kind, Number, Prefecture, Yen

OVERTIME_PREMIUM = Decimal("1.25")
OVERTIME_OVER_60_PREMIUM = Decimal("1.50")
OVERTIME_THRESHOLD = Decimal(60)


def _yen(amount: Decimal) -> Yen:
    return Yen(int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def _owed(amount: Decimal) -> Yen:
    """Round an amount owed to the trainee up: the employer must pay at least this."""
    return Yen(int(max(amount, Decimal(0)).quantize(Decimal(1), rounding=ROUND_CEILING)))


def _number(inputs: Inputs, name: str) -> Decimal | None:
    value = inputs.get(name)
    if isinstance(value, Yen):
        return Decimal(value.amount)
    if isinstance(value, Number):
        return value.value
    return None


def premium_rate(hourly_base: Decimal, factor: Decimal) -> Decimal:
    """Return the hourly rate with a premium, rounded half up to the yen."""
    return (hourly_base * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def overtime_pay_owed(hourly_base: Decimal, hours: Decimal) -> Decimal:
    """Return the least pay for ``hours`` of overtime in one month at ``hourly_base``."""
    normal = min(hours, OVERTIME_THRESHOLD)
    beyond = max(hours - OVERTIME_THRESHOLD, Decimal(0))
    return (
        premium_rate(hourly_base, OVERTIME_PREMIUM) * normal
        + premium_rate(hourly_base, OVERTIME_OVER_60_PREMIUM) * beyond
    )


def wage_check(inputs: Inputs, ctx: CalcContext) -> Outputs:
    """Compare pay with the minimum wage in force today, and price the overtime owed."""
    prefecture = inputs.get("prefecture")
    if not isinstance(prefecture, Prefecture):
        raise CalculatorError("wage_check needs a prefecture")
    applicable = ctx.data.minimum_wages.on(prefecture.id, ctx.today)
    if applicable is None:
        raise CalculatorError(f"no minimum wage for {prefecture.id} on {ctx.today}")
    minimum = Decimal(applicable.rate.hourly)

    hourly_pay = _number(inputs, "hourly_pay")
    monthly_pay = _number(inputs, "monthly_pay")
    hours = _number(inputs, "monthly_hours")
    if hourly_pay is None:
        if monthly_pay is None or not hours:
            raise CalculatorError("wage_check needs hourly_pay, or monthly_pay and monthly_hours")
        hourly_pay = monthly_pay / hours

    below = hourly_pay < minimum
    shortfall_hourly = max(minimum - hourly_pay, Decimal(0))
    base_for_overtime = max(hourly_pay, minimum)
    overtime_rate = premium_rate(base_for_overtime, OVERTIME_PREMIUM)

    outputs: dict[str, Yen | Number | Day | Flag] = {
        "hourly_base": _yen(hourly_pay),
        "minimum": Yen(applicable.rate.hourly),
        "fiscal_year": Number(Decimal(applicable.rate.fiscal_year)),
        "effective": Day(applicable.rate.effective),
        "minimum_is_current": Flag(applicable.is_current),
        "below_minimum": Flag(below),
        "shortfall_hourly": _owed(shortfall_hourly),
        "shortfall_monthly": _owed(shortfall_hourly * hours) if hours else Yen(0),
        "overtime_rate": _owed(overtime_rate),
        "overtime_hours": Number(Decimal(0)),
        "overtime_paid": Yen(0),
        "overtime_owed": Yen(0),
        "overtime_shortfall": Yen(0),
    }
    overtime_hours = _number(inputs, "overtime_hours")
    if overtime_hours:
        owed = overtime_pay_owed(base_for_overtime, overtime_hours)
        paid = _number(inputs, "overtime_paid") or Decimal(0)
        outputs["overtime_hours"] = Number(overtime_hours)
        outputs["overtime_paid"] = _yen(paid)
        outputs["overtime_owed"] = _owed(owed)
        outputs["overtime_shortfall"] = _owed(owed - paid)
    return outputs


WAGE_CHECK = Calculator(
    name="wage_check",
    doc="Hourly pay against the prefecture's minimum wage today, and overtime owed.",
    params={
        "prefecture": Param(Kind.PREFECTURE, doc="where the trainee works"),
        "monthly_pay": Param(Kind.YEN, required=False, doc="monthly base pay before deductions"),
        "monthly_hours": Param(Kind.NUMBER, required=False, doc="scheduled hours in a month"),
        "hourly_pay": Param(Kind.YEN, required=False, doc="pay per hour, if paid by the hour"),
        "overtime_hours": Param(Kind.NUMBER, required=False, doc="overtime hours in the month"),
        "overtime_paid": Param(Kind.YEN, required=False, doc="total paid for that overtime"),
    },
    outputs={
        "hourly_base": Kind.YEN,
        "minimum": Kind.YEN,
        "fiscal_year": Kind.NUMBER,
        "effective": Kind.DATE,
        "minimum_is_current": Kind.FLAG,
        "below_minimum": Kind.FLAG,
        "shortfall_hourly": Kind.YEN,
        "shortfall_monthly": Kind.YEN,
        "overtime_rate": Kind.YEN,
        "overtime_hours": Kind.NUMBER,
        "overtime_paid": Kind.YEN,
        "overtime_owed": Kind.YEN,
        "overtime_shortfall": Kind.YEN,
    },
    run=wage_check,
)
