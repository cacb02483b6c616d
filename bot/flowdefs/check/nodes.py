"""Checks of each node's own shape: review date, links, store and purpose, buttons, calculators.

Each function takes a ``FlowCheck`` and adds the problems it finds; none raises for a mistake
in the files. Messages speak the maintainer's words: YAML keys (``'branch'``, ``'buttons'``),
never class names. Pure: no I/O, no clock (``today`` comes with the ``FlowCheck``); no babel.
"""

from __future__ import annotations

from bot.calculators import CALCULATORS
from bot.flowdefs.check.context import MAX_CALLBACK_BYTES, REVIEW_PERIOD, FlowCheck, a_kind
from bot.flowdefs.model import (
    EMERGENCY_FLOW,
    AskNode,
    BranchNode,
    ButtonsNode,
    ComputeNode,
    JumpNode,
    Node,
    Store,
    callback_data,
)
from bot.flowdefs.problems import Severity, did_you_mean
from bot.values import NUMERIC_KINDS


def check_header(c: FlowCheck) -> None:
    """Check the flow's 'reviewed:' date: present, not in the future, not too old."""
    reviewed = c.flow.reviewed
    if reviewed is None:
        c.add(
            c.flow.reviewed_line,
            None,
            "add 'reviewed:' with the date the content was last checked "
            "against the law, like reviewed: 2026-11-27",
        )
    elif reviewed > c.today:
        c.add(
            c.flow.reviewed_line,
            None,
            f"'reviewed: {reviewed}' is in the future; use the date of the last review",
            Severity.WARNING,
        )
    elif c.today - reviewed > REVIEW_PERIOD:
        c.add(
            c.flow.reviewed_line,
            None,
            f"the content was last reviewed on {reviewed}, more than 12 "
            "months ago; check it against the law and update 'reviewed:'",
            Severity.WARNING,
        )


def check_links(c: FlowCheck, node: Node) -> None:
    """Check that every node and flow a node leads to exists."""
    match node:
        case ButtonsNode():
            for i, button in enumerate(node.buttons):
                if button.next is not None:
                    c.link(button.line, node.id, button.next, f"button {i + 1}")
        case BranchNode():
            for item in node.items:
                c.link(item.line, node.id, item.next, "the branch")
        case JumpNode():
            if node.flow not in c.flows.flows and node.flow not in c.flows.unreadable:
                hint = did_you_mean(node.flow, c.flows.flows)
                c.add(
                    node.line,
                    node.id,
                    f"'jump' goes to the flow '{node.flow}', which does not exist.{hint}",
                )
        case _:
            target = getattr(node, "next", None)
            if isinstance(target, str):
                c.link(node.line, node.id, target, "'next'")


def check_node(c: FlowCheck, node: Node) -> None:
    """Check a node's own settings: what it keeps, its buttons, its calculator, its branches."""
    match node:
        case ButtonsNode():
            _check_store(c, node)
            _check_buttons(c, node)
        case AskNode():
            _check_store(c, node)
            if node.store is Store.NEVER:
                c.add(
                    node.line,
                    node.id,
                    "the answer to this question is thrown away "
                    "('store: never'), so nothing can use it; keep it with "
                    "'store: conversation'",
                    Severity.WARNING,
                )
            if node.low is not None and node.high is not None and node.low > node.high:
                c.add(node.line, node.id, "'min' is larger than 'max'")
        case ComputeNode():
            _check_compute(c, node)
        case BranchNode():
            for i, item in enumerate(node.items):
                last = i == len(node.items) - 1
                if last and item.condition is not None:
                    c.add(
                        item.line,
                        node.id,
                        "a branch needs a last item with only "
                        "'- next: <node>' for when no condition holds",
                    )
                if not last and item.condition is None:
                    c.add(
                        item.line,
                        node.id,
                        "only the last branch item may leave out "
                        "'if:'; the items after this one can never be reached",
                    )


def _check_store(c: FlowCheck, node: ButtonsNode | AskNode) -> None:
    if node.store is Store.NEVER:
        return
    if not node.purpose:
        c.add(
            node.line,
            node.id,
            f"answers kept with 'store: {node.store}' need a "
            "'purpose:' saying why we keep them (the trainee is told)",
        )
    if not node.staff_label:
        c.add(
            node.line,
            node.id,
            "kept answers need a 'staff_label:', a short Japanese label for the union "
            "desk's case card, like staff_label: 月額基本給",
        )


def _check_buttons(c: FlowCheck, node: ButtonsNode) -> None:
    values: set[str] = set()
    for i, button in enumerate(node.buttons):
        data = callback_data(c.flow.name, node.id, i)
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            c.add(
                button.line,
                node.id,
                f"the button data '{data}' is "
                f"{len(data.encode())} bytes; Telegram allows {MAX_CALLBACK_BYTES}. "
                "Use a shorter flow or node name",
            )
        if button.danger:
            if button.next is not None:
                c.add(
                    button.line,
                    node.id,
                    "a danger answer always goes to the "
                    f"'{EMERGENCY_FLOW}' flow; remove its 'next:'",
                )
            flows = c.flows
            if EMERGENCY_FLOW not in flows.flows and EMERGENCY_FLOW not in flows.unreadable:
                c.add(
                    button.line,
                    node.id,
                    f"a danger answer needs flows/{EMERGENCY_FLOW}.yaml, which is missing",
                )
        if button.exit and (button.next is not None or button.danger):
            c.add(
                button.line,
                node.id,
                "an exit button wipes the chat and ends the conversation; "
                "remove its 'next:' and 'danger:'",
            )
        if node.store is not Store.NEVER and not button.exit:
            if button.value is None:
                c.add(
                    button.line,
                    node.id,
                    f"button {i + 1} needs a 'value:' because this question's answer is kept",
                )
            elif button.value in values:
                c.add(
                    button.line,
                    node.id,
                    f"two buttons have the value '{button.value}'; give each its own",
                )
            else:
                values.add(button.value)


def _check_compute(c: FlowCheck, node: ComputeNode) -> None:
    calc = CALCULATORS.get(node.calculator)
    if calc is None:
        hint = did_you_mean(node.calculator, CALCULATORS)
        c.add(node.line, node.id, f"there is no calculator '{node.calculator}'.{hint}")
        return
    for name, arg in node.args.items():
        param = calc.params.get(name)
        if param is None:
            hint = did_you_mean(name, calc.params)
            c.add(node.line, node.id, f"'{calc.name}' has no input '{name}'.{hint}")
            continue
        if arg.number is not None:
            if param.kind not in NUMERIC_KINDS:
                c.add(
                    node.line,
                    node.id,
                    f"input '{name}' takes {a_kind(param.kind)}, not a number",
                )
            continue
        info = c.variables.get(arg.variable or "")
        if info is not None and info.kind is not param.kind:
            c.add(
                node.line,
                node.id,
                f"input '{name}' takes {a_kind(param.kind)}, "
                f"but '{arg.variable}' is {a_kind(info.kind)}",
            )
    for name, param in calc.params.items():
        if param.required and name not in node.args:
            c.add(
                node.line,
                node.id,
                f"'{calc.name}' needs the input '{name}' ({param.doc}); add it under 'with:'",
            )
