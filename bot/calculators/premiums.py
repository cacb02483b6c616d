"""Premiums for overtime, late-night and legal-holiday work (Labour Standards Act Art. 37).

Pure arithmetic on exact decimals. The rates (``../shared/reference/rights-facts.md`` 1.4, 1.5):

* overtime beyond 8 hours a day or 40 a week: at least +25%; the part beyond 60 hours in a month:
  at least +50% (small and medium firms too, since 2023-04-01);
* work on the legal weekly day off: at least +35% (those hours do not count toward the 60);
* late-night work (22:00-05:00): at least +25%, added on top of the others.

For piece-rate pay the base pay for every hour is already inside the piece-rate total, so only
the premium part is owed (0.25, 0.5, 0.35 and 0.25 of the hourly base); the hourly base is the
piece-rate total divided by all hours worked (LSA Enforcement Regulation Art. 19(1)(6)).

Hourly rates are rounded half up to the yen, as employers may round them, and totals are those
rates times the hours, so that every figure a trainee sees adds up.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

OVERTIME = Decimal("0.25")
OVERTIME_OVER_60 = Decimal("0.50")
HOLIDAY = Decimal("0.35")
LATE_NIGHT = Decimal("0.25")
OVERTIME_THRESHOLD = Decimal(60)
ZERO = Decimal(0)


def rate(hourly_base: Decimal, factor: Decimal) -> Decimal:
    """Return ``hourly_base × factor`` rounded half up to the yen."""
    return (hourly_base * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Rates:
    """What one hour of each kind of extra work must be paid at least."""

    overtime: Decimal
    overtime_over_60: Decimal
    holiday: Decimal
    late_night: Decimal

    @classmethod
    def for_base(cls, hourly_base: Decimal, piece_rate: bool) -> Rates:
        """Return the rates for an hourly base; for piece-rate pay, the premium part only."""
        whole = ZERO if piece_rate else Decimal(1)
        return cls(
            overtime=rate(hourly_base, whole + OVERTIME),
            overtime_over_60=rate(hourly_base, whole + OVERTIME_OVER_60),
            holiday=rate(hourly_base, whole + HOLIDAY),
            late_night=rate(hourly_base, LATE_NIGHT),  # always on top of the hour's own pay
        )

    def owed(self, overtime: Decimal, holiday: Decimal, late_night: Decimal) -> Decimal:
        """Return the least total for a month's extra hours."""
        normal = min(overtime, OVERTIME_THRESHOLD)
        beyond = max(overtime - OVERTIME_THRESHOLD, ZERO)
        return (
            self.overtime * normal
            + self.overtime_over_60 * beyond
            + self.holiday * holiday
            + self.late_night * late_night
        )
