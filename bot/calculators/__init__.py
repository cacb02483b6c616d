"""Named pure calculators that flows call with ``compute: <name>``.

To add one: write a pure function and its ``Calculator`` description in a module of this
package, add it to ``CALCULATORS``, and test it table-driven in ``tests/``.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.calculators.base import (
    CalcContext,
    Calculator,
    CalculatorError,
    Param,
    ReferenceData,
)
from bot.calculators.dorm import DORM_SHARE
from bot.calculators.wage_check import WAGE_CHECK

CALCULATORS: Mapping[str, Calculator] = {calc.name: calc for calc in (WAGE_CHECK, DORM_SHARE)}

__all__ = [
    "CALCULATORS",
    "CalcContext",
    "Calculator",
    "CalculatorError",
    "Param",
    "ReferenceData",
]
