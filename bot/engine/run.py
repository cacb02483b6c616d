"""The runner: ``advance`` moves a conversation through the flow nodes for one event.

``advance(flows, state, event, today)`` returns a ``Step``: the new state and the effects to
carry out. A private ``_Run`` collects the effects and the path of one call while it walks from
node to node; the helpers below it handle a pressed button, a typed answer and /back. It never
raises for anything a trainee does:

* unreadable input re-prompts; a button from an old message gets "this menu has expired";
* a state that points at a node removed by a flow edit restarts that flow with a short notice;
* a loop guard stops a flow that runs ``MAX_STEPS`` nodes without waiting.

May: read the flow set, run calculators (pure), parse input with ``bot.inputs``. May not: do any
I/O, read the clock (``today`` is passed in), use randomness or log (a ``LogEvent`` effect asks
the service to log). Imports only the standard library and this project's pure modules
(``tests/test_architecture.py`` keeps it so).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from bot import inputs
from bot.calculators import CALCULATORS, CalcContext, CalculatorError
from bot.effects import Wipe
from bot.engine.types import (
    ButtonOut,
    ButtonPressed,
    ChooseLanguage,
    Command,
    CommandGiven,
    Effect,
    End,
    Event,
    GoTo,
    Handoff,
    LogEvent,
    MediaSent,
    Repeat,
    Say,
    Started,
    State,
    Step,
    TextEntered,
)
from bot.flowdefs import model as m
from bot.flowdefs.conditions import holds
from bot.textnorm import fold
from bot.values import Choice, Kind, Number, Value

MAX_STEPS = 100
"""Nodes one event may run through before the loop guard stops it (goflow uses 100 too)."""

MAX_TRAIL = 30
"""How many earlier questions /back can return to."""


def _system(flows: m.FlowSet, key: str) -> Say:
    return Say(flows.system.get(key, m.Msg(f"system.{key}", key)))


def _say(
    flow: str,
    node: m.Node,
    text: m.Msg,
    answers: Mapping[str, Value],
    *,
    buttons: tuple[ButtonOut, ...] = (),
    expects: Kind | None = None,
) -> Say:
    params = {
        name: answers[f"{flow}.{name}"]
        for name in m.placeholders(text.text)
        if f"{flow}.{name}" in answers
    }
    return Say(text, params, buttons, expects, f"{flow}.{node.id}")


def _show(flow: str, node: m.ButtonsNode | m.AskNode, answers: Mapping[str, Value]) -> Say:
    """Return the Say that puts a waiting node's question on screen."""
    if isinstance(node, m.ButtonsNode):
        buttons = tuple(
            ButtonOut(b.label, m.callback_data(flow, node.id, i))
            for i, b in enumerate(node.buttons)
        )
        return _say(flow, node, node.say, answers, buttons=buttons)
    return _say(flow, node, node.say, answers, expects=node.kind)


class _Run:
    """One call of ``advance``: collects effects while moving through nodes."""

    def __init__(self, flows: m.FlowSet, today: date) -> None:
        self.flows = flows
        self.today = today
        self.effects: list[Effect] = []
        self.path: list[str] = []
        self.steps = 0

    def step(self, state: State | None) -> Step:
        return Step(state, tuple(self.effects), tuple(self.path))

    def show(
        self, flow: str, node: m.ButtonsNode | m.AskNode, answers: Mapping[str, Value]
    ) -> None:
        """Put a waiting node's question on screen again."""
        self.path.append(f"{flow}.{node.id}")
        self.effects.append(_show(flow, node, answers))

    def system(self, key: str) -> None:
        self.effects.append(_system(self.flows, key))

    def start(
        self, flow: str, answers: Mapping[str, Value], trail: tuple[tuple[str, str], ...]
    ) -> State | None:
        found = self.flows.flows.get(flow)
        if found is None:
            self.effects.append(LogEvent("engine.flow_missing", serious=True))
            self.system("sorry")
            return None
        return self.go(flow, found.start, answers, trail)

    def go(
        self, flow: str, nid: str, answers: Mapping[str, Value], trail: tuple[tuple[str, str], ...]
    ) -> State | None:
        """Run nodes from ``flow.nid`` until one waits or the conversation ends."""
        answers = dict(answers)
        while True:
            self.steps += 1
            if self.steps > MAX_STEPS:
                self.effects.append(LogEvent("engine.loop_guard", serious=True))
                self.system("sorry")
                return None
            node = self.flows.node(flow, nid)
            if node is None:
                self.effects.append(LogEvent("engine.node_missing", serious=True))
                self.system("sorry")
                return None
            self.path.append(f"{flow}.{nid}")
            say = getattr(node, "say", None)
            match node:
                case m.ButtonsNode() | m.AskNode():
                    self.effects.append(_show(flow, node, answers))
                    return State(flow, nid, answers, trail[-MAX_TRAIL:])
                case m.SayNode():
                    self.effects.append(_say(flow, node, node.say, answers))
                    nid = node.next
                case m.ComputeNode():
                    computed = self.compute(flow, node, answers)
                    if computed is None:
                        return self.start(m.MENU_FLOW, answers, ())
                    answers.update(computed)
                    nid = node.next
                case m.BranchNode():
                    variables = _variables(flow, answers)
                    chosen = next(
                        (
                            item.next
                            for item in node.items
                            if item.condition is None or holds(item.condition, variables)
                        ),
                        None,
                    )
                    if chosen is None:  # the checker demands an "otherwise"; never crash
                        self.effects.append(LogEvent("engine.no_branch", serious=True))
                        self.system("sorry")
                        return None
                    nid = chosen
                case m.HandoffNode():
                    self.effects.append(Handoff(node.urgent, "flow", flow, nid))
                    if say is not None:
                        self.effects.append(_say(flow, node, say, answers))
                    nid = node.next
                case m.JumpNode():
                    if say is not None:
                        self.effects.append(_say(flow, node, say, answers))
                    return self.start(node.flow, answers, trail)
                case m.EndNode():
                    if say is not None:
                        self.effects.append(_say(flow, node, say, answers))
                    self.effects.append(End())
                    return None

    def compute(
        self, flow: str, node: m.ComputeNode, answers: Mapping[str, Value]
    ) -> dict[str, Value] | None:
        calc = CALCULATORS.get(node.calculator)
        if calc is None:  # the checker refuses unknown calculators; never crash
            self.effects.append(LogEvent("engine.calculator_missing", serious=True))
            self.system("sorry")
            return None
        args: dict[str, Value] = {}
        for name, arg in node.args.items():
            if arg.number is not None:
                args[name] = Number(arg.number)
            elif arg.variable and f"{flow}.{arg.variable}" in answers:
                args[name] = answers[f"{flow}.{arg.variable}"]
        try:
            outputs = calc.run(args, CalcContext(self.today, self.flows.data))
        except CalculatorError:
            self.effects.append(LogEvent("engine.calculator_failed", serious=True))
            self.system("sorry")
            return None
        return {f"{flow}.{node.id}.{name}": value for name, value in outputs.items()}


def _variables(flow: str, answers: Mapping[str, Value]) -> dict[str, Value]:
    prefix = f"{flow}."
    return {key[len(prefix) :]: value for key, value in answers.items() if key.startswith(prefix)}


def _remember(
    flow: str, node: m.ButtonsNode | m.AskNode, value: Value, answers: Mapping[str, Value]
) -> dict[str, Value]:
    kept = dict(answers)
    if node.store is not m.Store.NEVER:
        kept[f"{flow}.{node.id}"] = value
    return kept


def _press(run: _Run, state: State, node: m.ButtonsNode, index: int) -> State | None:
    button = node.buttons[index]
    if button.exit:
        run.effects += [Wipe(), End()]
        return None
    answers = (
        _remember(state.flow, node, Choice(button.value), state.answers)
        if button.value
        else dict(state.answers)
    )
    trail = (*state.trail, (state.flow, state.node))
    if button.danger or button.next is None:  # the loader gives every other button a next
        run.effects.append(LogEvent("engine.danger_answer"))
        after = run.start(m.EMERGENCY_FLOW, answers, trail)
        run.effects.append(Handoff(True, "danger", state.flow, state.node))
        return after
    return run.go(state.flow, button.next, answers, trail)


def _answer(run: _Run, state: State, node: m.ButtonsNode | m.AskNode, text: str) -> State | None:
    if isinstance(node, m.ButtonsNode):
        typed = fold(text)
        if typed.isdigit() and 1 <= int(typed) <= len(node.buttons):
            return _press(run, state, node, int(typed) - 1)
        run.system("use_buttons")
        run.show(state.flow, node, state.answers)
        return state
    value = inputs.read(
        node.kind, text, prefectures=run.flows.data.prefectures, low=node.low, high=node.high
    )
    if isinstance(value, inputs.Rejected):
        reason = value.reason
        if reason in (inputs.Reason.TOO_SMALL, inputs.Reason.TOO_LARGE, inputs.Reason.TOO_LONG):
            run.system(reason.value)
        elif node.retry is not None:
            run.effects.append(_say(state.flow, node, node.retry, state.answers))
        else:
            run.system(f"retry_{node.kind.value}")
        return state
    answers = _remember(state.flow, node, value, state.answers)
    return run.go(state.flow, node.next, answers, (*state.trail, (state.flow, state.node)))


def _button_index(data: str, state: State, node: m.ButtonsNode | m.AskNode) -> int | None:
    """Return the index of the pressed button if ``data`` belongs to the current question."""
    if not isinstance(node, m.ButtonsNode):
        return None
    for index in range(len(node.buttons)):
        if data == m.callback_data(state.flow, state.node, index):
            return index
    return None


def _back(run: _Run, state: State) -> State | None:
    trail = list(state.trail)
    while trail:
        flow, nid = trail.pop()
        node = run.flows.node(flow, nid)
        if isinstance(node, m.ButtonsNode | m.AskNode):
            run.show(flow, node, state.answers)
            return State(flow, nid, state.answers, tuple(trail))
    run.system("nothing_before")
    current = run.flows.node(state.flow, state.node)
    if isinstance(current, m.ButtonsNode | m.AskNode):
        run.show(state.flow, current, state.answers)
    return State(state.flow, state.node, state.answers, ())


def _go_to(run: _Run, state: State | None, event: GoTo) -> State | None:
    """Go on from a node a suggestion named; /back returns to the question the trainee left."""
    if run.flows.node(event.flow, event.node) is None:  # the flows changed since the offer
        run.effects.append(LogEvent("engine.stale_button"))
        run.system("stale_button")
        return run.start(m.MENU_FLOW, state.answers if state else {}, ())
    if state is None:
        return run.go(event.flow, event.node, {}, ())
    trail = (*state.trail, (state.flow, state.node))
    return run.go(event.flow, event.node, state.answers, trail)


def advance(flows: m.FlowSet, state: State | None, event: Event, today: date) -> Step:
    """Return the next state and the effects of ``event`` in a conversation at ``state``."""
    run = _Run(flows, today)

    if isinstance(event, CommandGiven) and event.command is Command.EXIT:
        run.effects += [Wipe(), End()]
        return run.step(None)
    if isinstance(event, GoTo):
        return run.step(_go_to(run, state, event))
    if state is None or isinstance(event, Started):
        if isinstance(event, ButtonPressed):
            run.system("stale_button")
        return run.step(run.start(m.MENU_FLOW, {}, ()))

    node = flows.node(state.flow, state.node)
    if not isinstance(node, m.ButtonsNode | m.AskNode):
        # The flow was edited while this conversation rested here: start that flow again.
        run.effects.append(LogEvent("engine.state_recovered"))
        run.system("flow_changed")
        flow = state.flow if state.flow in flows.flows else m.MENU_FLOW
        return run.step(run.start(flow, state.answers, ()))

    match event:
        case CommandGiven(command=Command.MENU):
            return run.step(run.start(m.MENU_FLOW, state.answers, ()))
        case CommandGiven(command=Command.BACK):
            return run.step(_back(run, state))
        case CommandGiven(command=Command.LANGUAGE):
            run.effects.append(ChooseLanguage())
            return run.step(state)
        case CommandGiven(command=Command.PERSON):
            run.effects.append(Handoff(False, "asked", state.flow, state.node))
            return run.step(state)
        case Repeat():
            run.show(state.flow, node, state.answers)
            return run.step(state)
        case MediaSent():
            run.system("only_text")
            run.show(state.flow, node, state.answers)
            return run.step(state)
        case ButtonPressed(data=data):
            index = _button_index(data, state, node)
            if index is None or not isinstance(node, m.ButtonsNode):
                run.effects.append(LogEvent("engine.stale_button"))
                run.system("stale_button")
                run.show(state.flow, node, state.answers)
                return run.step(state)
            return run.step(_press(run, state, node, index))
        case TextEntered(text=text):
            return run.step(_answer(run, state, node, text))
    return run.step(state)  # pragma: no cover - every event kind is matched above
