"""The wage check: pay against the minimum wage, and what extra work must be paid.

Pure arithmetic on exact decimals. Law behind it (``../shared/reference/rights-facts.md``):

* Minimum Wage Act Art. 4: pay below the minimum wage is void for that part. The hourly base is
  the hourly pay; or monthly basic pay divided by the scheduled hours of the month; or, for
  piece-rate pay, the month's piece-rate total divided by all hours worked. Where an industry
  ("specific") minimum wage also applies, the higher one counts, but it does not cover everyone
  (for example workers still learning the job), so it is reported beside the regional one.
* Labour Standards Act Art. 37: premiums for overtime, late-night and holiday work, reckoned on
  the hourly base, which can never be below the minimum wage (``bot.calculators.premiums``).
* Deductions are reported as an amount and a share of the pay; whether they are lawful depends
  on a written agreement and on actual cost (LSA Art. 24), which the flow explains.

Comparisons with the minimum use exact values, so a shortfall of a fraction of a yen counts;
amounts owed to the trainee are rounded up to the yen, amounts shown half up.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from bot.calculators.base import CalcContext, Calculator, CalculatorError, Inputs, Outputs, Param
from bot.calculators.premiums import ZERO, Rates
from bot.values import Choice, Day, Flag, Kind, Number, Prefecture, Value, Yen


def _shown(amount: Decimal) -> Yen:
    return Yen(int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def _owed(amount: Decimal) -> Yen:
    """Round an amount owed to the trainee up: the employer must pay at least this."""
    return Yen(int(max(amount, ZERO).quantize(Decimal(1), rounding=ROUND_CEILING)))


def _number(inputs: Inputs, name: str) -> Decimal | None:
    value = inputs.get(name)
    if isinstance(value, Yen):
        return Decimal(value.amount)
    if isinstance(value, Number):
        return value.value
    return None


def _pay(inputs: Inputs) -> tuple[Decimal, Decimal | None, Decimal | None, bool]:
    """Return (hourly base, hours the pay covers, the month's pay, piece-rate?)."""
    piece_pay = _number(inputs, "piece_pay")
    worked = _number(inputs, "hours_worked")
    if piece_pay is not None and worked:
        return piece_pay / worked, worked, piece_pay, True
    hourly = _number(inputs, "hourly_pay")
    if hourly is not None:
        return hourly, None, None, False
    monthly = _number(inputs, "monthly_pay")
    scheduled = _number(inputs, "monthly_hours")
    if monthly is not None and scheduled:
        return monthly / scheduled, scheduled, monthly, False
    raise CalculatorError(
        "wage_check needs hourly_pay, monthly_pay with monthly_hours, "
        "or piece_pay with hours_worked"
    )


def wage_check(inputs: Inputs, ctx: CalcContext) -> Outputs:
    """Compare pay with the minimum wage in force today, and price the extra work owed."""
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
    industry_rate = specific.rate.hourly if specific and specific.rate.industry else 0

    base, hours, month_pay, piece_rate = _pay(inputs)
    minimum = Decimal(regional.rate.hourly)
    shortfall = max(minimum - base, ZERO)
    rates = Rates.for_base(max(base, minimum), piece_rate)
    overtime = _number(inputs, "overtime_hours") or ZERO
    night = _number(inputs, "night_hours") or ZERO
    holiday = _number(inputs, "holiday_hours") or ZERO
    owed = rates.owed(overtime, holiday, night)
    paid = _number(inputs, "extra_paid") or ZERO
    deductions = _number(inputs, "deductions") or ZERO

    outputs: dict[str, Value] = {
        "hourly_base": _shown(base),
        "minimum": Yen(regional.rate.hourly),
        "fiscal_year": Number(Decimal(regional.rate.fiscal_year)),
        "effective": Day(regional.rate.effective),
        "minimum_is_current": Flag(regional.is_current),
        "below_minimum": Flag(base < minimum),
        "shortfall_hourly": _owed(shortfall),
        "shortfall_monthly": _owed(shortfall * hours) if hours else Yen(0),
        "industry_minimum": Yen(industry_rate),
        "below_industry_minimum": Flag(bool(industry_rate) and base < industry_rate),
        "piece_rate": Flag(piece_rate),
        "overtime_rate": Yen(int(rates.overtime)),
        "night_premium": Yen(int(rates.late_night)),
        "holiday_rate": Yen(int(rates.holiday)),
        "overtime_hours": Number(overtime),
        "night_hours": Number(night),
        "holiday_hours": Number(holiday),
        "has_extra": Flag(overtime + night + holiday > 0),
        "extra_owed": _owed(owed),
        "extra_paid": _shown(paid),
        "extra_shortfall": _owed(owed - paid),
        "deductions": _shown(deductions),
        "deductions_share": Number(
            (100 * deductions / month_pay).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            if month_pay
            else ZERO
        ),
        "pay_after_deductions": _shown(max(month_pay - deductions, ZERO)) if month_pay else Yen(0),
    }
    return outputs


WAGE_CHECK = Calculator(
    name="wage_check",
    doc="Pay against the prefecture's minimum wage today, and the extra work owed.",
    params={
        "prefecture": Param(Kind.PREFECTURE, doc="where the trainee works"),
        "industry": Param(
            Kind.CHOICE, required=False, doc="an industry id of minimum_wages.yaml, e.g. steel"
        ),
        "monthly_pay": Param(Kind.YEN, required=False, doc="monthly basic pay before deductions"),
        "monthly_hours": Param(Kind.NUMBER, required=False, doc="scheduled hours in a month"),
        "hourly_pay": Param(Kind.YEN, required=False, doc="pay per hour, if paid by the hour"),
        "piece_pay": Param(Kind.YEN, required=False, doc="the month's piece-rate pay"),
        "hours_worked": Param(
            Kind.NUMBER, required=False, doc="all hours worked in that month, overtime included"
        ),
        "overtime_hours": Param(Kind.NUMBER, required=False, doc="overtime hours in the month"),
        "night_hours": Param(Kind.NUMBER, required=False, doc="hours worked 22:00-05:00"),
        "holiday_hours": Param(
            Kind.NUMBER, required=False, doc="hours worked on the legal weekly day off"
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
