"""The wage check: pay against the minimum wage, and what extra work must be paid.

Law behind it (``../shared/reference/rights-facts.md``):

* Minimum Wage Act Art. 4: pay below the minimum wage is void for that part. How pay becomes an
  hourly figure is in ``bot.calculators.pay``. Where an industry ("specific") minimum wage also
  applies, the higher one counts, but it does not cover everyone (for example workers still
  learning the job), so it is reported beside the regional one.
* Labour Standards Act Art. 37: premiums for overtime, late-night and holiday work, reckoned on
  the hourly base, which can never be below the minimum wage (``bot.calculators.premiums``).
* Deductions are reported as an amount and a share of the pay; whether they are lawful depends
  on a written agreement and on actual cost (LSA Art. 24), which the flow explains.

Every sum is an exact fraction of a yen until the figure shown, which is rounded once, to the
nearest yen, half up. The facts file names no rule that rounds either way in anyone's favour, so
none is applied; comparisons with the minimum use the exact values, so a shortfall of a fraction
of a yen an hour still counts as below it.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from bot.calculators.base import CalcContext, Calculator, CalculatorError, Inputs, Outputs, Param
from bot.calculators.minimum_wage import ApplicableWage
from bot.calculators.pay import number, read_pay
from bot.calculators.premiums import HOLIDAY, OVERTIME, ZERO, Hours, owed
from bot.values import Choice, Day, Flag, Kind, Number, Prefecture, Yen


def rounded(amount: Fraction) -> int:
    """Round an exact amount to the nearest yen, half up (the one rounding of every figure)."""
    whole, rest = divmod(amount.numerator, amount.denominator)
    return whole + (1 if 2 * rest >= amount.denominator else 0)


def _yen(amount: Fraction) -> Yen:
    return Yen(rounded(max(amount, ZERO)))


def _minimums(inputs: Inputs, ctx: CalcContext) -> tuple[ApplicableWage, int]:
    """Return the regional minimum in force today, and the industry one (0 if none)."""
    prefecture = inputs.get("prefecture")
    if not isinstance(prefecture, Prefecture):
        raise CalculatorError("wage_check needs a prefecture")
    table = ctx.data.minimum_wages
    regional = table.on(prefecture.id, ctx.today)
    if regional is None:
        raise CalculatorError(f"no minimum wage for {prefecture.id} on {ctx.today}")
    industry = inputs.get("industry")
    specific = (
        table.on(prefecture.id, ctx.today, industry=industry.value)
        if isinstance(industry, Choice)
        else None
    )
    return regional, specific.rate.hourly if specific and specific.rate.industry else 0


def _hours(inputs: Inputs) -> Hours:
    return Hours.sort(
        overtime=number(inputs, "overtime_hours") or ZERO,
        day_off=number(inputs, "day_off_hours"),
        legal=number(inputs, "holiday_hours") or ZERO,
        night=number(inputs, "night_hours") or ZERO,
    )


def wage_check(inputs: Inputs, ctx: CalcContext) -> Outputs:
    """Compare pay with the minimum wage in force today, and price the extra work owed."""
    regional, industry_rate = _minimums(inputs, ctx)
    pay = read_pay(inputs)
    minimum = Fraction(regional.rate.hourly)
    hourly = pay.base.hourly
    shortfall = max(minimum - hourly, ZERO)
    reckoned = pay.floored(minimum)
    hours = _hours(inputs)
    extra = owed(reckoned, hours)
    paid = number(inputs, "extra_paid") or ZERO
    deductions = number(inputs, "deductions") or ZERO
    month_pay = pay.month_pay
    return {
        "hourly_base": _yen(hourly),
        "minimum": Yen(regional.rate.hourly),
        "fiscal_year": Number(Decimal(regional.rate.fiscal_year)),
        "effective": Day(regional.rate.effective),
        "minimum_is_current": Flag(regional.is_current),
        "below_minimum": Flag(hourly < minimum),
        "shortfall_hourly": _yen(shortfall),
        "shortfall_monthly": _yen(shortfall * pay.hours) if pay.hours else Yen(0),
        "industry_minimum": Yen(industry_rate),
        "below_industry_minimum": Flag(bool(industry_rate) and hourly < industry_rate),
        "piece_rate": Flag(reckoned.piece > 0),
        "overtime_rate": _yen(reckoned.per_hour(OVERTIME)),
        "night_premium": _yen(reckoned.night()),
        "holiday_rate": _yen(reckoned.per_hour(HOLIDAY)),
        "overtime_hours": _number(hours.overtime),
        "night_hours": _number(hours.night),
        "holiday_hours": _number(hours.legal_holiday),
        "has_extra": Flag(hours.overtime + hours.night + hours.legal_holiday > 0),
        "extra_owed": _yen(extra),
        "extra_paid": _yen(paid),
        "extra_shortfall": _yen(extra - paid),
        "deductions": _yen(deductions),
        "deductions_share": _number(Fraction(rounded(100 * deductions / month_pay)))
        if month_pay
        else Number(Decimal(0)),
        "pay_after_deductions": _yen(month_pay - deductions) if month_pay else Yen(0),
    }


def _number(value: Fraction) -> Number:
    """Hours and shares as exact decimals (answers are decimals, so their sums are too)."""
    return Number(Decimal(value.numerator) / Decimal(value.denominator))


WAGE_CHECK = Calculator(
    name="wage_check",
    doc="Pay against the prefecture's minimum wage today, and the extra work owed.",
    params={
        "prefecture": Param(Kind.PREFECTURE, doc="where the trainee works"),
        "industry": Param(
            Kind.CHOICE, required=False, doc="an industry id of minimum_wages.yaml, e.g. steel"
        ),
        "pay_kind": Param(
            Kind.CHOICE, required=False, doc="monthly, hourly, piece or mixed (else guessed)"
        ),
        "monthly_pay": Param(Kind.YEN, required=False, doc="monthly basic pay before deductions"),
        "allowances": Param(
            Kind.YEN,
            required=False,
            doc="mixed pay: monthly allowances that count (not commuting, family, attendance)",
        ),
        "monthly_hours": Param(
            Kind.NUMBER, required=False, doc="normal (scheduled) hours in a month, no overtime"
        ),
        "hourly_pay": Param(Kind.YEN, required=False, doc="pay per hour, if paid by the hour"),
        "piece_pay": Param(Kind.YEN, required=False, doc="the month's piece-rate pay"),
        "hours_worked": Param(
            Kind.NUMBER, required=False, doc="all hours worked in that month, overtime included"
        ),
        "overtime_hours": Param(
            Kind.NUMBER, required=False, doc="overtime hours in the month on working days"
        ),
        "day_off_hours": Param(
            Kind.NUMBER, required=False, doc="all hours worked on days off (legal one included)"
        ),
        "night_hours": Param(Kind.NUMBER, required=False, doc="hours worked 22:00-05:00"),
        "holiday_hours": Param(
            Kind.NUMBER, required=False, doc="hours worked on the legal weekly day off (法定休日)"
        ),
        "extra_paid": Param(
            Kind.YEN, required=False, doc="what was paid for overtime, night and holiday work"
        ),
        "deductions": Param(
            Kind.YEN,
            required=False,
            doc="taken off for dorm, food and the like (not tax or insurance)",
        ),
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
        "industry_minimum": Kind.YEN,
        "below_industry_minimum": Kind.FLAG,
        "piece_rate": Kind.FLAG,
        "overtime_rate": Kind.YEN,
        "night_premium": Kind.YEN,
        "holiday_rate": Kind.YEN,
        "overtime_hours": Kind.NUMBER,
        "night_hours": Kind.NUMBER,
        "holiday_hours": Kind.NUMBER,
        "has_extra": Kind.FLAG,
        "extra_owed": Kind.YEN,
        "extra_paid": Kind.YEN,
        "extra_shortfall": Kind.YEN,
        "deductions": Kind.YEN,
        "deductions_share": Kind.NUMBER,
        "pay_after_deductions": Kind.YEN,
    },
    labels_ja={
        "hourly_base": "時間単価",
        "minimum": "地域別最低賃金",
        "fiscal_year": "最低賃金の年度",
        "effective": "最低賃金の発効日",
        "minimum_is_current": "最低賃金額は最新か",
        "below_minimum": "最低賃金未満",
        "shortfall_hourly": "不足額（1時間あたり）",
        "shortfall_monthly": "不足額（月額）",
        "industry_minimum": "特定（産業別）最低賃金",
        "below_industry_minimum": "特定最低賃金未満",
        "piece_rate": "出来高払い",
        "overtime_rate": "残業1時間あたりの最低額",
        "night_premium": "深夜割増（1時間あたり）",
        "holiday_rate": "法定休日労働1時間あたりの最低額",
        "overtime_hours": "残業時間（月）",
        "night_hours": "深夜労働時間（月）",
        "holiday_hours": "法定休日労働時間（月）",
        "has_extra": "時間外・深夜・休日労働あり",
        "extra_owed": "割増賃金の最低額（月）",
        "extra_paid": "割増賃金の支払額（月）",
        "extra_shortfall": "割増賃金の不足額（月）",
        "deductions": "控除額（寮費・食費等）",
        "deductions_share": "控除の割合（%）",
        "pay_after_deductions": "控除後の支給額",
    },
    run=wage_check,
)
