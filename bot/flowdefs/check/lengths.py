"""The length budget: at most 3 messages per step, at most 700 characters per message.

A *step* is what the helpline sends for one thing the trainee does: pressing a button or
answering a typed question runs nodes until one waits (``bot.engine.run``); every ``say`` on
the way is one message. ``steps`` lists every step the flows allow: from each button and each
typed question, every way through the branches, following jumps into other flows (and a danger
button into the emergency flow). A handoff counts as one message (the consent or the handoff
notice the service shows). The count is an upper bound: branches are not evaluated, so a way
no answer could take still counts.

``check_lengths`` warns (``--strict`` fails) when a step sends more than ``MAX_PER_STEP``
messages or a message is longer than ``MAX_CHARS`` characters once rendered in a language;
rendering (translation, placeholders filled with worst-case values) comes in as a function, so
this module needs no babel. Pure: no I/O, never raises for a mistake in the files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from bot.flowdefs import model as m
from bot.flowdefs.check.first_lines import LANGUAGE_WORDS, trainee_messages
from bot.flowdefs.problems import Problem, Severity

MAX_PER_STEP = 3
"""Messages one step may send: Telegram delivers about one a second to a chat."""

MAX_CHARS = 700
"""Characters one message may have once rendered: about one phone screen."""

MAX_WAYS = 500
"""Ways through one step's branches that are followed; the rest are not counted."""

MAX_NODES = 100
"""Nodes one way may run through (the engine's loop guard stops at the same number)."""

Measure = Callable[[m.Msg, str], int]
"""The rendered length of a text in a language."""


@dataclass(frozen=True, slots=True)
class Step:
    """One way through one step: where it starts and the texts it shows, in order."""

    path: str
    line: int
    node: str
    how: str
    shown: tuple[m.Msg, ...]


@dataclass(frozen=True, slots=True)
class _Entry:
    flow: str
    node: str
    line: int
    how: str
    first: str
    danger: bool = False


def _entries(flows: m.FlowSet) -> Iterator[_Entry]:
    menu = flows.flows.get(m.MENU_FLOW)
    if menu is not None:
        yield _Entry(m.MENU_FLOW, menu.start, menu.line, "the start", menu.start)
    for flow in sorted(flows.flows.values(), key=lambda f: f.path):
        for node in flow.nodes.values():
            if isinstance(node, m.ButtonsNode):
                for button in node.buttons:
                    how = f"button '{button.label.text}'"
                    if button.danger or (button.next is None and not button.exit):
                        yield _Entry(flow.name, node.id, button.line, how, "", danger=True)
                    elif button.next is not None:
                        yield _Entry(flow.name, node.id, button.line, how, button.next)
            elif isinstance(node, m.AskNode):
                yield _Entry(flow.name, node.id, node.line, "the answer", node.next)


def _ways(
    flows: m.FlowSet, flow: str, nid: str, shown: tuple[m.Msg, ...], budget: list[int]
) -> Iterator[tuple[m.Msg, ...]]:
    """Yield the texts of every way from ``flow.nid`` to the next node that waits."""
    for _ in range(MAX_NODES):
        node = flows.node(flow, nid)
        if node is None or budget[0] <= 0:
            break
        say = getattr(node, "say", None)
        match node:
            case m.ButtonsNode() | m.AskNode():
                shown += (node.say,)
                break
            case m.BranchNode():
                for item in node.items:
                    yield from _ways(flows, flow, item.next, shown, budget)
                return
            case m.HandoffNode():
                shown += (flows.system.get("handoff_asked", m.Msg("system.handoff", "")),)
                shown += (say,) if say is not None else ()
                nid = node.next
            case m.JumpNode():
                shown += (say,) if say is not None else ()
                target = flows.flows.get(node.flow)
                if target is None:
                    break
                flow, nid = node.flow, target.start
            case m.EndNode():
                shown += (say,) if say is not None else ()
                break
            case _:
                shown += (say,) if say is not None else ()
                nid = m.successors(node)[0]
    budget[0] -= 1
    yield shown


DANGER_LAST = ("consent_urgent", "handoff_asked", "handoff_mailbox")
"""What ends a danger step in place of the emergency flow's question (``bot.service.consent``):
the one-sentence consent when no case is open, else the handoff notice of the open case."""


def _danger_ways(flows: m.FlowSet, budget: list[int]) -> Iterator[tuple[m.Msg, ...]]:
    """Yield the ways of a danger step as the service sends it.

    The emergency flow's texts up to its first question, which waits until the urgent request
    is settled, then one of ``DANGER_LAST``.
    """
    emergency = flows.flows[m.EMERGENCY_FLOW]
    waiting = {
        node.say.context
        for node in emergency.nodes.values()
        if isinstance(node, m.ButtonsNode | m.AskNode)
    }
    for way in _ways(flows, m.EMERGENCY_FLOW, emergency.start, (), budget):
        texts = way[:-1] if way and way[-1].context in waiting else way
        for key in DANGER_LAST:
            yield (*texts, flows.system.get(key, m.Msg(f"system.{key}", "")))


def steps(flows: m.FlowSet) -> list[Step]:
    """Every way through every step of the flows."""
    found = []
    for entry in _entries(flows):
        path = flows.flows[entry.flow].path
        budget = [MAX_WAYS]
        if entry.danger:
            if m.EMERGENCY_FLOW not in flows.flows:
                continue
            ways: Iterable[tuple[m.Msg, ...]] = _danger_ways(flows, budget)
        else:
            ways = _ways(flows, entry.flow, entry.first, (), budget)
        for way in ways:
            found.append(Step(path, entry.line, entry.node, entry.how, way))
    return found


def check_lengths(
    flows: m.FlowSet, measure: Measure, languages: Iterable[str] = LANGUAGE_WORDS
) -> list[Problem]:
    """Warn about steps over ``MAX_PER_STEP`` messages and messages over ``MAX_CHARS``."""
    problems = []
    worst: dict[tuple[str, int, str, str], Step] = {}
    for step in steps(flows):
        key = (step.path, step.line, step.node, step.how)
        if key not in worst or len(step.shown) > len(worst[key].shown):
            worst[key] = step
    for step in worst.values():
        if len(step.shown) > MAX_PER_STEP:
            problems.append(
                Problem(
                    step.path,
                    step.line,
                    step.node,
                    f"after {step.how}, one way sends {len(step.shown)} messages (at most "
                    f"{MAX_PER_STEP}): {', '.join(msg.context for msg in step.shown)}. "
                    "Merge texts into fewer nodes",
                    Severity.WARNING,
                )
            )
    for msg, path, node in trainee_messages(flows):
        for lang in languages:
            size = measure(msg, lang)
            if size > MAX_CHARS:
                problems.append(
                    Problem(
                        path,
                        msg.line,
                        node,
                        f"{'' if node else msg.context + ': '}this text is {size:,} characters "
                        f"in {LANGUAGE_WORDS.get(lang, lang)} ({lang}) once filled in (at most "
                        f"{MAX_CHARS}, about one phone screen): shorten or split it",
                        Severity.WARNING,
                    )
                )
    return problems
