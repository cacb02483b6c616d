"""What a calculator is: named, typed inputs and outputs around a pure function.

Calculators turn answers into findings (hourly pay against the minimum wage, overtime owed).
They are pure: no I/O, clock or randomness; the day and the reference tables come in through
``CalcContext``. The flow checker uses the declared parameters and outputs to check ``compute``
nodes before anyone talks to the bot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from bot.calculators.minimum_wage import MinimumWageTable
from bot.contacts import ContactDirectory
from bot.prefectures import PrefectureTable
from bot.values import Kind, Value


class CalculatorError(ValueError):
    """A calculator could not answer (missing data); the engine recovers and says sorry."""


@dataclass(frozen=True, slots=True)
class ReferenceData:
    """The tables calculators, typed questions and texts read, loaded from ``flows/data/``."""

    prefectures: PrefectureTable
    minimum_wages: MinimumWageTable
    contacts: ContactDirectory = field(default_factory=lambda: ContactDirectory([]))


@dataclass(frozen=True, slots=True)
class CalcContext:
    """Everything a calculator may read besides its inputs."""

    today: date
    data: ReferenceData


@dataclass(frozen=True, slots=True)
class Param:
    """One input of a calculator."""

    kind: Kind
    required: bool = True
    doc: str = ""


Inputs = Mapping[str, Value]
Outputs = Mapping[str, Value]


@dataclass(frozen=True, slots=True)
class Calculator:
    """A named pure calculation that flows call with ``compute: <name>``."""

    name: str
    doc: str
    params: Mapping[str, Param]
    outputs: Mapping[str, Kind]
    labels_ja: Mapping[str, str]
    """A short Japanese label per output, for the union desk's case card."""
    run: Callable[[Inputs, CalcContext], Outputs]
