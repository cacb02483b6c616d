"""Check how the flows fit together: links, reachability, loops, variables, limits, dates.

Works on loaded ``Flow`` values (``bot.flowdefs.load`` has already checked each file's shape)
and returns ``Problem``s; it never raises for a mistake in the files. Translations are checked
by ``bot.i18n.check``, which may use babel; this module may not.

Messages speak the maintainer's words: YAML keys (``'branch'``, ``'buttons'``), never class
names, and kinds of answers as ``docs/flows.md`` names them (``a_kind``: "a yes/no result",
not the ``flag`` of ``bot.values``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from bot.calculators import CALCULATORS
from bot.contacts import PHONE_NUMBER, PHONE_PLACEHOLDER
from bot.flowdefs.model import (
    EMERGENCY_FLOW,
    MENU_FLOW,
    WAITING,
    AskNode,
    BranchNode,
    ButtonsNode,
    ComputeNode,
    Condition,
    Flow,
    FlowSet,
    JumpNode,
    Msg,
    Node,
    Op,
    Store,
    callback_data,
    placeholders,
    says,
    successors,
)
from bot.flowdefs.problems import Problem, Severity, did_you_mean
from bot.values import NUMERIC_KINDS, Kind

MAX_MESSAGE = 4096
"""Telegram's limit for one message, in characters."""

MAX_CALLBACK_BYTES = 64
"""Telegram's limit for a button's callback data."""

REVIEW_PERIOD = timedelta(days=365)
"""Rights content older than this is flagged for a new review."""

VARIABLE = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$")
SHOWABLE = frozenset({Kind.YEN, Kind.NUMBER, Kind.DATE, Kind.PREFECTURE, Kind.TEXT})
ORDERING = frozenset({Op.LT, Op.LE, Op.GT, Op.GE})
KIND_WORDS: Mapping[Kind, str] = {Kind.FLAG: "a yes/no result", Kind.CHOICE: "a button value"}
"""Kinds whose name in code is not the word ``docs/flows.md`` uses; the rest read as they are."""


def a_kind(kind: Kind) -> str:
    """Name a kind for a maintainer, with its article: "a yen", "a yes/no result"."""
    return KIND_WORDS.get(kind, f"a {kind}")


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


def _uses(node: Node) -> Iterator[tuple[str, int, str, bool]]:
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


class _FlowChecker:
    def __init__(self, flows: FlowSet, flow: Flow, today: date) -> None:
        self.flows = flows
        self.flow = flow
        self.today = today
        self.problems: list[Problem] = []
        self.variables = variables_of(flow)

    def add(
        self, line: int, node: str | None, message: str, severity: Severity = Severity.ERROR
    ) -> None:
        self.problems.append(Problem(self.flow.path, line, node, message, severity))

    def known(self, nid: str) -> bool:
        return nid in self.flow.nodes or nid in self.flow.broken

    def link(self, line: int, node: str | None, target: str, what: str) -> None:
        if not self.known(target):
            hint = did_you_mean(target, [*self.flow.nodes, *self.flow.broken])
            self.add(
                line, node, f"{what} goes to '{target}', which is not a node in this flow.{hint}"
            )

    def run(self) -> list[Problem]:
        flow = self.flow
        self.link(flow.line, None, flow.start, "'start'")
        self.check_header()
        for node in flow.nodes.values():
            self.check_links(node)
            self.check_node(node)
            self.check_texts(node)
        self.check_variables()
        live = reachable(flow)
        for nid, node in flow.nodes.items():
            if nid not in live and flow.start in flow.nodes:
                self.add(
                    node.line,
                    nid,
                    "no path leads here from the start "
                    f"('{flow.start}'); link it from another node or remove it",
                    Severity.WARNING,
                )
        return self.problems

    def check_header(self) -> None:
        reviewed = self.flow.reviewed
        if reviewed is None:
            self.add(
                self.flow.reviewed_line,
                None,
                "add 'reviewed:' with the date the content was last checked "
                "against the law, like reviewed: 2026-11-27",
            )
        elif reviewed > self.today:
            self.add(
                self.flow.reviewed_line,
                None,
                f"'reviewed: {reviewed}' is in the future; use the date of the last review",
                Severity.WARNING,
            )
        elif self.today - reviewed > REVIEW_PERIOD:
            self.add(
                self.flow.reviewed_line,
                None,
                f"the content was last reviewed on {reviewed}, more than 12 "
                "months ago; check it against the law and update 'reviewed:'",
                Severity.WARNING,
            )

    def check_links(self, node: Node) -> None:
        match node:
            case ButtonsNode():
                for i, button in enumerate(node.buttons):
                    if button.next is not None:
                        self.link(button.line, node.id, button.next, f"button {i + 1}")
            case BranchNode():
                for item in node.items:
                    self.link(item.line, node.id, item.next, "the branch")
            case JumpNode():
                if node.flow not in self.flows.flows and node.flow not in self.flows.unreadable:
                    hint = did_you_mean(node.flow, self.flows.flows)
                    self.add(
                        node.line,
                        node.id,
                        f"'jump' goes to the flow '{node.flow}', which does not exist.{hint}",
                    )
            case _:
                target = getattr(node, "next", None)
                if isinstance(target, str):
                    self.link(node.line, node.id, target, "'next'")

    def check_node(self, node: Node) -> None:
        match node:
            case ButtonsNode():
                self.check_store(node)
                self.check_buttons(node)
            case AskNode():
                self.check_store(node)
                if node.store is Store.NEVER:
                    self.add(
                        node.line,
                        node.id,
                        "the answer to this question is thrown away "
                        "('store: never'), so nothing can use it; keep it with "
                        "'store: conversation'",
                        Severity.WARNING,
                    )
                if node.low is not None and node.high is not None and node.low > node.high:
                    self.add(node.line, node.id, "'min' is larger than 'max'")
            case ComputeNode():
                self.check_compute(node)
            case BranchNode():
                for i, item in enumerate(node.items):
                    last = i == len(node.items) - 1
                    if last and item.condition is not None:
                        self.add(
                            item.line,
                            node.id,
                            "a branch needs a last item with only "
                            "'- next: <node>' for when no condition holds",
                        )
                    if not last and item.condition is None:
                        self.add(
                            item.line,
                            node.id,
                            "only the last branch item may leave out "
                            "'if:'; the items after this one can never be reached",
                        )

    def check_store(self, node: ButtonsNode | AskNode) -> None:
        if node.store is Store.NEVER:
            return
        if not node.purpose:
            self.add(
                node.line,
                node.id,
                f"answers kept with 'store: {node.store}' need a "
                "'purpose:' saying why we keep them (the trainee is told)",
            )
        if not node.staff_label:
            self.add(
                node.line,
                node.id,
                "kept answers need a 'staff_label:', a short Japanese label for the union "
                "desk's case card, like staff_label: 月額基本給",
            )

    def check_buttons(self, node: ButtonsNode) -> None:
        values: set[str] = set()
        for i, button in enumerate(node.buttons):
            data = callback_data(self.flow.name, node.id, i)
            if len(data.encode()) > MAX_CALLBACK_BYTES:
                self.add(
                    button.line,
                    node.id,
                    f"the button data '{data}' is "
                    f"{len(data.encode())} bytes; Telegram allows {MAX_CALLBACK_BYTES}. "
                    "Use a shorter flow or node name",
                )
            if button.danger:
                if button.next is not None:
                    self.add(
                        button.line,
                        node.id,
                        "a danger answer always goes to the "
                        f"'{EMERGENCY_FLOW}' flow; remove its 'next:'",
                    )
                flows = self.flows
                if EMERGENCY_FLOW not in flows.flows and EMERGENCY_FLOW not in flows.unreadable:
                    self.add(
                        button.line,
                        node.id,
                        f"a danger answer needs flows/{EMERGENCY_FLOW}.yaml, which is missing",
                    )
            if button.exit and (button.next is not None or button.danger):
                self.add(
                    button.line,
                    node.id,
                    "an exit button wipes the chat and ends the conversation; "
                    "remove its 'next:' and 'danger:'",
                )
            if node.store is not Store.NEVER and not button.exit:
                if button.value is None:
                    self.add(
                        button.line,
                        node.id,
                        f"button {i + 1} needs a 'value:' because this question's answer is kept",
                    )
                elif button.value in values:
                    self.add(
                        button.line,
                        node.id,
                        f"two buttons have the value '{button.value}'; give each its own",
                    )
                else:
                    values.add(button.value)

    def check_compute(self, node: ComputeNode) -> None:
        calc = CALCULATORS.get(node.calculator)
        if calc is None:
            hint = did_you_mean(node.calculator, CALCULATORS)
            self.add(node.line, node.id, f"there is no calculator '{node.calculator}'.{hint}")
            return
        for name, arg in node.args.items():
            param = calc.params.get(name)
            if param is None:
                hint = did_you_mean(name, calc.params)
                self.add(node.line, node.id, f"'{calc.name}' has no input '{name}'.{hint}")
                continue
            if arg.number is not None:
                if param.kind not in NUMERIC_KINDS:
                    self.add(
                        node.line,
                        node.id,
                        f"input '{name}' takes {a_kind(param.kind)}, not a number",
                    )
                continue
            info = self.variables.get(arg.variable or "")
            if info is not None and info.kind is not param.kind:
                self.add(
                    node.line,
                    node.id,
                    f"input '{name}' takes {a_kind(param.kind)}, "
                    f"but '{arg.variable}' is {a_kind(info.kind)}",
                )
        for name, param in calc.params.items():
            if param.required and name not in node.args:
                self.add(
                    node.line,
                    node.id,
                    f"'{calc.name}' needs the input '{name}' ({param.doc}); add it under 'with:'",
                )

    def check_texts(self, node: Node) -> None:
        if node.id == "phone":
            self.add(
                node.line,
                node.id,
                "'phone' is reserved for {phone.<id>} numbers; give the node another name",
            )
        for msg in says(node):
            self.check_text(node, msg)
            self.check_phones(node, msg)

    def check_phones(self, node: Node, msg: Msg) -> None:
        contacts = self.flows.data.contacts
        for name in placeholders(msg.text):
            if not name.startswith(PHONE_PLACEHOLDER):
                continue
            contact_id = name.removeprefix(PHONE_PLACEHOLDER)
            contact = contacts.get(contact_id)
            if contact is None:
                hint = did_you_mean(contact_id, [c.id for c in contacts.verified])
                self.add(
                    msg.line,
                    node.id,
                    f"'{{{name}}}': there is no contact '{contact_id}' "
                    f"in flows/data/contacts.yaml.{hint}",
                )
            elif not contact.verified or contact.phone is None:
                self.add(
                    msg.line,
                    node.id,
                    f"'{{{name}}}': the number of '{contact_id}' is not "
                    "marked verified in flows/data/contacts.yaml, so it may not be shown",
                )
        for number in PHONE_NUMBER.findall(msg.text):
            self.add(
                msg.line,
                node.id,
                f"write the number {number} as {{phone.<id>}}, so that "
                "it comes from flows/data/contacts.yaml where it is checked and verified",
            )

    def check_text(self, node: Node, msg: Msg) -> None:
        if len(msg.text) > MAX_MESSAGE:
            self.add(
                msg.line,
                node.id,
                f"this text is {len(msg.text):,} characters; Telegram "
                f"shows at most {MAX_MESSAGE:,} in one message. Split it into two nodes",
            )
        for name in placeholders(msg.text):
            if not VARIABLE.match(name):
                self.add(
                    msg.line,
                    node.id,
                    f"'{{{name}}}' is not a variable: write a node "
                    "name like {monthly_pay} or a result like {check.hourly_base}",
                )

    def check_condition(self, node: Node, line: int, condition: Condition) -> None:
        for part in condition.parts:
            info = self.variables.get(part.variable)
            if info is None:
                continue  # reported as an unknown variable
            literal = part.literal
            if part.op in ORDERING and info.kind not in NUMERIC_KINDS:
                self.add(
                    line,
                    node.id,
                    f"'{part.variable}' is {a_kind(info.kind)}; only amounts "
                    "and numbers can be compared with < or >",
                )
            elif isinstance(literal, bool) and info.kind is Kind.CHOICE:
                word = "yes" if literal else "no"
                if word not in info.values:
                    self.add(
                        line,
                        node.id,
                        f"'{part.variable}' is never '{word}'; its buttons' "
                        f"values are {', '.join(sorted(info.values))}",
                    )
            elif isinstance(literal, bool) and info.kind is not Kind.FLAG:
                self.add(
                    line, node.id, f"'{part.variable}' is {a_kind(info.kind)}, not a yes/no result"
                )
            elif (
                isinstance(literal, str)
                and info.kind is Kind.PREFECTURE
                and literal not in self.flows.data.prefectures
            ):
                hint = did_you_mean(literal, self.flows.data.prefectures.ids)
                self.add(
                    line,
                    node.id,
                    f"'{literal}' is not a prefecture id of flows/data/prefectures.yaml.{hint}",
                )
            elif (
                isinstance(literal, str)
                and info.kind is Kind.CHOICE
                and literal not in info.values
            ):
                hint = did_you_mean(literal, info.values)
                self.add(
                    line,
                    node.id,
                    f"'{part.variable}' is never '{literal}'; its buttons' "
                    f"values are {', '.join(sorted(info.values))}.{hint}",
                )

    def check_variables(self) -> None:
        before = definitely_set(self.flow, self.variables)
        for nid, node in self.flow.nodes.items():
            if isinstance(node, BranchNode):
                for item in node.items:
                    if item.condition:
                        self.check_condition(node, item.line, item.condition)
            for name, line, where, must in _uses(node):
                if not VARIABLE.match(name):
                    continue
                if name not in self.variables:
                    hint = did_you_mean(name, self.variables)
                    self.add(
                        line, nid, f"the {where} uses '{name}', which this flow never sets.{hint}"
                    )
                elif must and nid in before and name not in before[nid]:
                    self.add(
                        line,
                        nid,
                        f"the {where} uses '{name}', but on some ways to this "
                        "node it has not been answered yet",
                    )
                elif where == "text" and self.variables[name].kind not in SHOWABLE:
                    self.add(
                        line,
                        nid,
                        f"'{{{name}}}' is {a_kind(self.variables[name].kind)} and "
                        "cannot be shown in a text; use a branch instead",
                    )


def _cycles_without_wait(flows: FlowSet) -> list[Problem]:
    """Find loops of nodes that never wait for the trainee (they would spin forever)."""

    def edges(flow: Flow, node: Node) -> list[tuple[str, str]]:
        if isinstance(node, JumpNode) and node.flow in flows.flows:
            return [(node.flow, flows.flows[node.flow].start)]
        return [(flow.name, nxt) for nxt in successors(node)]

    moving = {
        (flow.name, nid): node
        for flow in flows.flows.values()
        for nid, node in flow.nodes.items()
        if not isinstance(node, WAITING)
    }
    problems: list[Problem] = []
    state: dict[tuple[str, str], int] = {}  # 1 = on the current path, 2 = finished
    reported: set[frozenset[tuple[str, str]]] = set()

    def visit(key: tuple[str, str], path: list[tuple[str, str]]) -> None:
        state[key] = 1
        path.append(key)
        for nxt in edges(flows.flows[key[0]], moving[key]):
            if nxt not in moving:
                continue
            if state.get(nxt) == 1:
                loop = path[path.index(nxt) :]
                if frozenset(loop) not in reported:
                    reported.add(frozenset(loop))
                    flow = flows.flows[nxt[0]]
                    shown = " → ".join(f"{f}.{n}" if f != nxt[0] else n for f, n in [*loop, nxt])
                    problems.append(
                        Problem(
                            flow.path,
                            moving[nxt].line,
                            nxt[1],
                            f"these nodes go round in a circle without waiting "
                            f"for the trainee: {shown}. Put a question on the way",
                        )
                    )
            elif nxt not in state:
                visit(nxt, path)
        path.pop()
        state[key] = 2

    for key in moving:
        if key not in state:
            visit(key, [])
    return problems


def check(flows: FlowSet, today: date, flows_dir: str = "flows") -> list[Problem]:
    """Return every problem in how the flows fit together, sorted by file and line."""
    problems: list[Problem] = []
    for required, why in (
        (MENU_FLOW, "where every conversation starts"),
        (EMERGENCY_FLOW, "what a trainee in danger is shown"),
    ):
        if required not in flows.flows and required not in flows.unreadable:
            problems.append(
                Problem(
                    f"{flows_dir}/{required}.yaml", 0, None, f"this flow is missing; it is {why}"
                )
            )
    for flow in flows.flows.values():
        problems.extend(_FlowChecker(flows, flow, today).run())
    problems.extend(_cycles_without_wait(flows))
    return sorted(set(problems))
