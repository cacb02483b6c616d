"""The typed values a conversation can hold: answers to questions and calculator results.

Frozen dataclasses. This module knows nothing about languages or formatting (that is
``bot.i18n``) and may not import anything outside the standard library.

Each class is named after its ``Kind``, whose value tags it in saved conversations (``flag``
for ``Flag``, the yes/no result). Maintainers read these kinds in plainer words (``yes/no``,
``button value``): see ``bot.flowdefs.check``. The engine's log-an-event effect is
``engine.LogEvent``, so that a ``Flag`` is always this value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TypeAlias


class Kind(StrEnum):
    """What sort of value a question asks for or a calculator returns."""

    YEN = "yen"
    NUMBER = "number"
    DATE = "date"
    PREFECTURE = "prefecture"
    TEXT = "text"
    CHOICE = "choice"
    FLAG = "flag"


@dataclass(frozen=True, slots=True)
class Yen:
    """A whole number of yen (yen has no smaller unit in daily use)."""

    amount: int
    kind = Kind.YEN


@dataclass(frozen=True, slots=True)
class Number:
    """A number such as hours worked; exact decimal, never a float."""

    value: Decimal
    kind = Kind.NUMBER


@dataclass(frozen=True, slots=True)
class Day:
    """A calendar date."""

    value: date
    kind = Kind.DATE


@dataclass(frozen=True, slots=True)
class Prefecture:
    """One of Japan's 47 prefectures, by its data-file id (``aichi``)."""

    id: str
    kind = Kind.PREFECTURE


@dataclass(frozen=True, slots=True)
class Text:
    """Free text as the person wrote it (cleaned of invisible characters)."""

    value: str
    kind = Kind.TEXT


@dataclass(frozen=True, slots=True)
class Choice:
    """The value of the button a person pressed (``monthly``)."""

    value: str
    kind = Kind.CHOICE


@dataclass(frozen=True, slots=True)
class Flag:
    """A yes/no result of a calculator."""

    value: bool
    kind = Kind.FLAG


Value: TypeAlias = Yen | Number | Day | Prefecture | Text | Choice | Flag

NUMERIC_KINDS = frozenset({Kind.YEN, Kind.NUMBER})


def numeric(value: Value) -> Decimal | None:
    """Return the number inside a yen or number value, else None."""
    if isinstance(value, Yen):
        return Decimal(value.amount)
    if isinstance(value, Number):
        return value.value
    return None
