"""The typed values a conversation can hold: answers to questions and calculator results.

Frozen dataclasses with a JSON form, so that a conversation state can be saved and loaded. This
module knows nothing about languages or formatting (that is ``bot.i18n``) and may not import
anything outside the standard library.
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


def to_json(value: Value) -> list[str | int | bool]:
    """Return a JSON-ready ``[kind, payload]`` pair."""
    match value:
        case Yen(amount):
            return [Kind.YEN.value, amount]
        case Number(number):
            return [Kind.NUMBER.value, str(number)]
        case Day(day):
            return [Kind.DATE.value, day.isoformat()]
        case Prefecture(pref):
            return [Kind.PREFECTURE.value, pref]
        case Text(text):
            return [Kind.TEXT.value, text]
        case Choice(choice):
            return [Kind.CHOICE.value, choice]
        case Flag(flag):
            return [Kind.FLAG.value, flag]


def from_json(data: object) -> Value:
    """Rebuild a value from ``to_json`` output; raise ValueError on anything else."""
    if not (isinstance(data, list) and len(data) == 2):  # noqa: PLR2004 - a pair
        raise ValueError("a value is a [kind, payload] pair")
    kind, payload = data
    if kind == Kind.YEN and isinstance(payload, int) and not isinstance(payload, bool):
        return Yen(payload)
    if kind == Kind.NUMBER and isinstance(payload, str):
        return Number(Decimal(payload))
    if kind == Kind.DATE and isinstance(payload, str):
        return Day(date.fromisoformat(payload))
    if kind == Kind.PREFECTURE and isinstance(payload, str):
        return Prefecture(payload)
    if kind == Kind.TEXT and isinstance(payload, str):
        return Text(payload)
    if kind == Kind.CHOICE and isinstance(payload, str):
        return Choice(payload)
    if kind == Kind.FLAG and isinstance(payload, bool):
        return Flag(payload)
    raise ValueError(f"not a stored value: {kind!r}")
