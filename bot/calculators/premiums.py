"""Premiums for overtime, late-night and legal-holiday work (Labour Standards Act Art. 37).

Pure arithmetic on exact fractions: nothing is rounded here. The rates
(``../shared/reference/rights-facts.md`` 1.4, 1.5):

* overtime beyond 8 hours a day or 40 a week: at least +25%; the part beyond 60 hours in a month:
  at least +50% (small and medium firms too, since 2023-04-01). Work on a day off that is not the
  legal weekly day off (a Saturday when Sunday is the legal one) is overtime and counts toward
  the 60 hours;
* work on the legal weekly day off (法定休日): at least +35%, and those hours do not count toward
  the 60;
* late-night work (22:00-05:00): at least +25%, added on top of the others.

Pay has two parts, each with its own hourly figure (``Base``): a time part (hourly pay, or monthly
pay over the scheduled hours), whose extra hours are not paid yet, so the whole hour plus the
premium is owed (1.25, 1.5, 1.35); and a piece-rate part (the month's piece pay over all hours
worked, LSA Enforcement Regulation Art. 19(1)(6)), which already holds the pay for every hour, so
only the premium is owed (0.25, 0.5, 0.35). The late-night premium is 0.25 of both parts.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

OVERTIME = Fraction(25, 100)
OVERTIME_OVER_60 = Fraction(50, 100)
HOLIDAY = Fraction(35, 100)
LATE_NIGHT = Fraction(25, 100)
OVERTIME_THRESHOLD = Fraction(60)
ZERO = Fraction(0)
ONE = Fraction(1)


@dataclass(frozen=True, slots=True)
class Base:
    """The hourly figures premiums are reckoned on: the time part and the piece-rate part."""

    time: Fraction
    piece: Fraction

    @property
    def hourly(self) -> Fraction:
        """The whole hourly base (what the minimum wage is compared with)."""
        return self.time + self.piece

    def per_hour(self, premium: Fraction) -> Fraction:
        """Return the least pay for one extra hour carrying ``premium`` (exact)."""
        return self.time * (ONE + premium) + self.piece * premium

    def night(self) -> Fraction:
        """Return the late-night premium for one hour, on top of whatever else it earns."""
        return self.hourly * LATE_NIGHT


@dataclass(frozen=True, slots=True)
class Hours:
    """A month's extra hours, sorted the way Art. 37 prices them."""

    overtime: Fraction
    """Beyond 8 h a day or 40 h a week, work on other days off included."""
    legal_holiday: Fraction
    night: Fraction

    @classmethod
    def sort(
        cls, overtime: Fraction, day_off: Fraction | None, legal: Fraction, night: Fraction
    ) -> Hours:
        """Sort the answers: day-off hours not on the legal weekly day off are overtime.

        ``day_off`` is every hour worked on days off (None when it was not asked: then ``legal``
        holds them all); ``legal`` is the part on the legal weekly day off, never more than
        ``day_off``.
        """
        if day_off is None:
            return cls(overtime, legal, night)
        legal = min(legal, day_off)
        return cls(overtime + day_off - legal, legal, night)


def owed(base: Base, hours: Hours) -> Fraction:
    """Return the least pay for a month's extra hours, exactly (rounded only when shown)."""
    normal = min(hours.overtime, OVERTIME_THRESHOLD)
    beyond = max(hours.overtime - OVERTIME_THRESHOLD, ZERO)
    return (
        base.per_hour(OVERTIME) * normal
        + base.per_hour(OVERTIME_OVER_60) * beyond
        + base.per_hour(HOLIDAY) * hours.legal_holiday
        + base.night() * hours.night
    )
