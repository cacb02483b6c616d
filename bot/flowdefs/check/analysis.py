"""What a flow sets, reads and reaches: the analysis the checks stand on.

``variables_of`` lists the variables a flow can set, with their kinds; ``reachable`` the nodes a
trainee can get to; ``definitely_set`` the variables answered on every way to a node; ``uses``
what each node reads. Pure and silent: it reports no problems (the check modules do) and never
raises for a mistake in the files. Standard library and this project's pure modules only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bot.calculators import CALCULATORS
from bot.contacts import PHONE_PLACEHOLDER
from bot.flowdefs.model import (
    AskNode,
    BranchNode,
    ButtonsNode,
    ComputeNode,
    Flow,
    Node,
    Store,
    placeholders,
    says,
    successors,
)
from bot.values import Kind


@dataclass(frozen=True, slots=True)
class VariableInfo:
    """What a flow variable holds, for type checks."""

    kind: Kind
    values: frozenset[str] = frozenset()


def variables_of(flow: Flow) -> dict[str, VariableInfo]:
    """Return every variable a flow can set, with its kind."""
    found: dict[str, VariableInfo] = {}
    for node in flow.nodes.values():
        match node:
            case ButtonsNode(store=store) if store is not Store.NEVER:
                values = frozenset(b.value for b in node.buttons if b.value)
                found[node.id] = VariableInfo(Kind.CHOICE, values)
            case AskNode(store=store) if store is not Store.NEVER:
                found[node.id] = VariableInfo(node.kind)
            case ComputeNode() if node.calculator in CALCULATORS:
                for name, kind in CALCULATORS[node.calculator].outputs.items():
                    found[f"{node.id}.{name}"] = VariableInfo(kind)
    return found


def _defines(node: Node, variables: Mapping[str, VariableInfo]) -> set[str]:
    if isinstance(node, ComputeNode):
        return {v for v in variables if v.startswith(f"{node.id}.")}
    return {node.id} if node.id in variables else set()


def reachable(flow: Flow) -> set[str]:
    """Return the ids of nodes reachable from the flow's start."""
    seen: set[str] = set()
    todo = [flow.start]
    while todo:
        nid = todo.pop()
        if nid in seen or nid not in flow.nodes:
            continue
        seen.add(nid)
        todo.extend(successors(flow.nodes[nid]))
    return seen


def definitely_set(flow: Flow, variables: Mapping[str, VariableInfo]) -> dict[str, set[str]]:
    """Return, per reachable node, the variables set on *every* way from the start to it."""
    live = reachable(flow)
    everything = set(variables)
    before: dict[str, set[str]] = {nid: set(everything) for nid in live}
    if flow.start in before:
        before[flow.start] = set()
    changed = True
    while changed:
        changed = False
        for nid in live:
            after = before[nid] | _defines(flow.nodes[nid], variables)
            for nxt in successors(flow.nodes[nid]):
                if nxt in before and nxt != flow.start:
                    narrowed = before[nxt] & after
                    if narrowed != before[nxt]:
                        before[nxt] = narrowed
                        changed = True
    return before


def uses(node: Node) -> Iterator[tuple[str, int, str, bool]]:
    """Yield (variable, line, where, must be set) for every variable a node reads.

    Optional calculator inputs may be unset (the calculator then does without them); everything
    else must have been answered on every way to the node.
    """
    for msg in says(node):
        for name in placeholders(msg.text):
            if not name.startswith(PHONE_PLACEHOLDER):
                yield name, msg.line, "text", True
    if isinstance(node, ComputeNode):
        calc = CALCULATORS.get(node.calculator)
        for name, arg in node.args.items():
            param = calc.params.get(name) if calc else None
            if arg.variable:
                yield arg.variable, node.line, "calculator input", bool(param and param.required)
    if isinstance(node, BranchNode):
        for item in node.items:
            if item.condition:
                for part in item.condition.parts:
                    yield part.variable, item.line, "condition", True
