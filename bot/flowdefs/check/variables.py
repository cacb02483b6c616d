"""Checks of the variables a flow reads: set before use, of the right kind, compared sensibly.

Every variable a text, a calculator input or a branch condition reads must be set by the flow,
on every way to the node when it must be; a text shows only kinds that can be shown; a
condition compares numbers with < or >, yes/no results with yes or no, and button values and
prefectures with ones that exist. Pure: adds problems to a ``FlowCheck``, never raises for a
mistake in the files; kinds are named as ``docs/flows.md`` names them (``a_kind``).
"""

from __future__ import annotations

from bot.flowdefs.check.analysis import definitely_set, uses
from bot.flowdefs.check.context import ORDERING, SHOWABLE, VARIABLE, FlowCheck, a_kind
from bot.flowdefs.model import BranchNode, Condition, Node
from bot.flowdefs.problems import did_you_mean
from bot.values import NUMERIC_KINDS, Kind


def _check_condition(c: FlowCheck, node: Node, line: int, condition: Condition) -> None:
    for part in condition.parts:
        info = c.variables.get(part.variable)
        if info is None:
            continue  # reported as an unknown variable
        literal = part.literal
        if part.op in ORDERING and info.kind not in NUMERIC_KINDS:
            c.add(
                line,
                node.id,
                f"'{part.variable}' is {a_kind(info.kind)}; only amounts "
                "and numbers can be compared with < or >",
            )
        elif isinstance(literal, bool) and info.kind is Kind.CHOICE:
            word = "yes" if literal else "no"
            if word not in info.values:
                c.add(
                    line,
                    node.id,
                    f"'{part.variable}' is never '{word}'; its buttons' "
                    f"values are {', '.join(sorted(info.values))}",
                )
        elif isinstance(literal, bool) and info.kind is not Kind.FLAG:
            c.add(line, node.id, f"'{part.variable}' is {a_kind(info.kind)}, not a yes/no result")
        elif (
            isinstance(literal, str)
            and info.kind is Kind.PREFECTURE
            and literal not in c.flows.data.prefectures
        ):
            hint = did_you_mean(literal, c.flows.data.prefectures.ids)
            c.add(
                line,
                node.id,
                f"'{literal}' is not a prefecture id of flows/data/prefectures.yaml.{hint}",
            )
        elif isinstance(literal, str) and info.kind is Kind.CHOICE and literal not in info.values:
            hint = did_you_mean(literal, info.values)
            c.add(
                line,
                node.id,
                f"'{part.variable}' is never '{literal}'; its buttons' "
                f"values are {', '.join(sorted(info.values))}.{hint}",
            )


def check_variables(c: FlowCheck) -> None:
    """Check every variable the flow's nodes read, and the conditions of its branches."""
    before = definitely_set(c.flow, c.variables)
    for nid, node in c.flow.nodes.items():
        if isinstance(node, BranchNode):
            for item in node.items:
                if item.condition:
                    _check_condition(c, node, item.line, item.condition)
        for name, line, where, must in uses(node):
            if not VARIABLE.match(name):
                continue
            if name not in c.variables:
                hint = did_you_mean(name, c.variables)
                c.add(line, nid, f"the {where} uses '{name}', which this flow never sets.{hint}")
            elif must and nid in before and name not in before[nid]:
                c.add(
                    line,
                    nid,
                    f"the {where} uses '{name}', but on some ways to this "
                    "node it has not been answered yet",
                )
            elif where == "text" and c.variables[name].kind not in SHOWABLE:
                c.add(
                    line,
                    nid,
                    f"'{{{name}}}' is {a_kind(c.variables[name].kind)} and "
                    "cannot be shown in a text; use a branch instead",
                )
