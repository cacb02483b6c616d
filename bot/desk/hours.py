"""Office hours of the union desk, in Japan time, with Japan's national holidays.

The holidays follow the Act on National Holidays as it stands since 2020: fixed days, the
"Happy Monday" days, the two equinoxes (by the usual astronomical approximation, exact for
2000–2099), a substitute holiday when a holiday falls on a Sunday, and a "citizens' holiday"
between two holidays. The desk may add days it is closed (the New Year break, say).

Pure: the caller passes the moment.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

JST = timezone(timedelta(hours=9), "JST")
"""Japan time: no daylight saving, so a fixed offset is exact. The one definition of it."""


def _nth_monday(year: int, month: int, nth: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7 + 7 * (nth - 1))


def _equinox(year: int, base: float) -> int:
    return int(base + 0.242194 * (year - 1980) - (year - 1980) // 4)


@functools.cache
def holidays(year: int) -> frozenset[date]:
    """Return Japan's national holidays of a year (2020 rules; not the 2020–21 Olympic moves).

    Worked out once a year: ``next_open`` asks once for every day it steps over.
    """
    days = {
        date(year, 1, 1),
        _nth_monday(year, 1, 2),  # Coming of Age Day
        date(year, 2, 11),
        date(year, 2, 23),  # the Emperor's Birthday
        date(year, 3, _equinox(year, 20.8431)),
        date(year, 4, 29),
        date(year, 5, 3),
        date(year, 5, 4),
        date(year, 5, 5),
        _nth_monday(year, 7, 3),  # Marine Day
        date(year, 8, 11),
        _nth_monday(year, 9, 3),  # Respect for the Aged Day
        date(year, 9, _equinox(year, 23.2488)),
        _nth_monday(year, 10, 2),  # Sports Day
        date(year, 11, 3),
        date(year, 11, 23),
    }
    for day in sorted(days):  # a holiday on a Sunday: the next day that is not one is off
        if day.weekday() == 6:  # noqa: PLR2004 - Sunday
            substitute = day + timedelta(days=1)
            while substitute in days:
                substitute += timedelta(days=1)
            days.add(substitute)
    for day in sorted(days):  # a day between two holidays is a holiday too
        between = day + timedelta(days=1)
        if between + timedelta(days=1) in days and between not in days and between.weekday() != 6:  # noqa: PLR2004
            days.add(between)
    return frozenset(days)


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """When volunteers answer: weekdays (0 = Monday) and hours, Japan time."""

    weekdays: frozenset[int] = frozenset(range(5))
    opens: time = time(10, 0)
    closes: time = time(18, 0)
    closed: frozenset[tuple[int, int]] = field(
        default_factory=lambda: frozenset({(12, 29), (12, 30), (12, 31), (1, 2), (1, 3)})
    )
    """Extra days off every year, as (month, day)."""

    def open_on(self, day: date) -> bool:
        """Whether the desk works on a day."""
        return (
            day.weekday() in self.weekdays
            and day not in holidays(day.year)
            and (day.month, day.day) not in self.closed
        )

    def is_open(self, moment: datetime) -> bool:
        """Whether the desk is open at a moment."""
        local = moment.astimezone(JST)
        return self.open_on(local.date()) and self.opens <= local.time() < self.closes

    def next_open(self, moment: datetime) -> datetime:
        """The next moment the desk opens (``moment`` itself if it is open)."""
        if self.is_open(moment):
            return moment
        local = moment.astimezone(JST)
        day = local.date()
        if local.time() >= self.opens:
            day += timedelta(days=1)
        while not self.open_on(day):
            day += timedelta(days=1)
        return datetime.combine(day, self.opens, JST)
