"""The small condition language of ``branch`` nodes: parse it and evaluate it.

A condition is one or more comparisons joined by ``and``::

    check.below_minimum == yes
    pay_kind == monthly and check.shortfall_monthly > 0

A comparison is ``<variable> <op> <value>``: the variable is an answer (a node id) or a calculator
output (``<node>.<output>``); ``op`` is one of ``== != < <= > >=``; the value is a number, ``yes``
or ``no``, or a word (a button's value, or a prefecture's id such as ``aichi``). Pure; no imports
beyond the standard library and values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from bot.flowdefs.model import Comparison, Condition, Literal, Op
from bot.values import Choice, Flag, Prefecture, Text, Value, numeric

_COMPARISON = re.compile(
    r"^\s*(?P<var>[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?)\s*"
    r"(?P<op>==|!=|<=|>=|<|>)\s*"
    r"(?P<lit>-?\d+(?:\.\d+)?|[a-z_][a-z0-9_]*)\s*$"
)
_AND = re.compile(r"\s+and\s+")


class ConditionError(ValueError):
    """A condition that cannot be read; the message says how to write it."""


def _literal(text: str) -> Literal:
    if text == "yes":
        return True
    if text == "no":
        return False
    if re.fullmatch(r"-?\d+(?:\.\d+)?", text):
        return Decimal(text)
    return text


def parse(source: str) -> Condition:
    """Parse ``source``; raise ``ConditionError`` with a plain explanation."""
    parts = []
    for piece in _AND.split(source.strip()):
        match = _COMPARISON.match(piece)
        if match is None:
            raise ConditionError(
                f"cannot read the condition '{piece}'; write it like "
                "'check.below_minimum == yes' or 'overtime_hours > 0'"
            )
        parts.append(Comparison(match["var"], Op(match["op"]), _literal(match["lit"])))
    return Condition(tuple(parts), source.strip())


def _compare(value: Value, op: Op, literal: Literal) -> bool:
    if isinstance(literal, bool) and isinstance(value, Choice):
        literal = "yes" if literal else "no"  # a button whose value is yes or no
    if isinstance(literal, bool):
        left: object = value.value if isinstance(value, Flag) else None
    elif isinstance(literal, Decimal):
        left = numeric(value)
    elif isinstance(value, Prefecture):
        left = value.id
    else:
        left = value.value if isinstance(value, Choice | Text) else None
    if left is None:
        return op is Op.NE
    match op:
        case Op.EQ:
            return left == literal
        case Op.NE:
            return left != literal
    if not (isinstance(left, Decimal) and isinstance(literal, Decimal)):
        return False
    match op:
        case Op.LT:
            return left < literal
        case Op.LE:
            return left <= literal
        case Op.GT:
            return left > literal
        case _:
            return left >= literal


def holds(condition: Condition, variables: Mapping[str, Value]) -> bool:
    """Return whether every comparison holds; an unset variable only satisfies ``!=``."""
    for part in condition.parts:
        value = variables.get(part.variable)
        if value is None:
            if part.op is not Op.NE:
                return False
            continue
        if not _compare(value, part.op, part.literal):
            return False
    return True
