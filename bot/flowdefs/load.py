"""Turn flow files into ``Flow`` values, reporting every shape mistake with its line.

This module checks the *shape* of each file (known keys, right types, one kind per node) and
builds the model; ``bot.flowdefs.check`` then checks how the pieces fit together. Loading never
stops at the first problem: a maintainer sees them all in one run. A node that cannot be read is
left out and remembered in ``Flow.broken``, so that it does not cause a cascade of messages.

May read files; may not import the engine, babel, telegram, sqlalchemy or cryptography.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from bot.flowdefs.conditions import ConditionError
from bot.flowdefs.conditions import parse as parse_condition
from bot.flowdefs.model import (
    Arg,
    Ask,
    Button,
    Case,
    Compute,
    Decide,
    End,
    Flow,
    Handoff,
    Jump,
    Message,
    Msg,
    Node,
    Question,
    Store,
)
from bot.flowdefs.problems import Problem, did_you_mean
from bot.flowdefs.yamlsafe import Document
from bot.values import Kind

FLOW_VERSION = 1
NAME = re.compile(r"^[a-z][a-z0-9_]*$")

FLOW_KEYS = ("version", "flow", "title", "reviewed", "sources", "start", "nodes", "description")
ACTION_KEYS = ("buttons", "ask", "compute", "branch", "handoff", "jump", "end")
KEYS_BY_KIND: Mapping[str, tuple[str, ...]] = {
    "buttons": ("say", "buttons", "store", "purpose"),
    "ask": ("say", "ask", "retry", "min", "max", "store", "purpose", "next"),
    "compute": ("compute", "with", "next"),
    "branch": ("branch",),
    "handoff": ("handoff", "say", "next"),
    "jump": ("jump", "say"),
    "end": ("end", "say"),
    "say": ("say", "next"),
}
NODE_KEYS = tuple(sorted({key for keys in KEYS_BY_KIND.values() for key in keys}))
BUTTON_KEYS = ("label", "next", "value", "danger")
CASE_KEYS = ("if", "next")
ASK_KINDS = (Kind.YEN, Kind.NUMBER, Kind.DATE, Kind.PREFECTURE, Kind.TEXT)


class _Reader:
    """Collects problems for one file while reading its parts."""

    def __init__(self, path: str, doc: Document) -> None:
        self.path = path
        self.doc = doc
        self.problems: list[Problem] = []

    def problem(self, where: tuple[str | int, ...], node: str | None, message: str) -> None:
        self.problems.append(Problem(self.path, self.doc.line(*where), node, message))

    def unknown_keys(
        self, data: Mapping[Any, Any], allowed: tuple[str, ...], where: tuple[str | int, ...],
        node: str | None, what: str,
    ) -> None:
        for key in data:
            if str(key) not in allowed:
                hint = did_you_mean(str(key), allowed)
                self.problem((*where, key), node,
                             f"unknown key '{key}' in {what}.{hint or ' Known keys: '}"
                             + ("" if hint else ", ".join(allowed)))

    def text(self, value: object, where: tuple[str | int, ...], node: str | None,
             what: str) -> str | None:
        if isinstance(value, str) and value.strip():
            return value.strip()
        shown = "nothing" if value is None else f"a {type(value).__name__}"
        self.problem(where, node, f"'{where[-1]}' should be {what}, but it is {shown}")
        return None

    def name(self, value: object, where: tuple[str | int, ...], node: str | None,
             what: str) -> str | None:
        text = self.text(value, where, node, what)
        if text is not None and not NAME.match(text):
            self.problem(where, node, f"'{text}' is not a valid {what}: use lowercase letters, "
                         "digits and _ only, starting with a letter")
            return None
        return text


def _msg(context: str, text: str, line: int) -> Msg:
    return Msg(context, text, line)


def _read_buttons(r: _Reader, flow: str, nid: str, raw: object,
                  where: tuple[str | int, ...]) -> tuple[Button, ...] | None:
    if not isinstance(raw, list) or not raw:
        r.problem(where, nid, "'buttons' should be a list with at least one button, like "
                  "- {label: Yes, next: yes_node}")
        return None
    buttons = []
    ok = True
    for index, item in enumerate(raw):
        at = (*where, index)
        if not isinstance(item, dict):
            r.problem(at, nid, f"button {index + 1} should be a mapping with 'label' and 'next'")
            ok = False
            continue
        r.unknown_keys(item, BUTTON_KEYS, at, nid, "a button")
        label = r.text(item.get("label"), (*at, "label"), nid, "the button's text")
        target = item.get("next")
        danger = item.get("danger", False)
        if not isinstance(danger, bool):
            r.problem((*at, "danger"), nid, "'danger' should be true or false")
            danger = False
        if target is not None:
            target = r.name(target, (*at, "next"), nid, "node name")
        elif not danger:
            r.problem(at, nid, f"button {index + 1} ('{label}') leads nowhere: add 'next:'")
        value = item.get("value")
        if value is not None:
            value = r.name(str(value), (*at, "value"), nid, "button value")
        if label is None:
            ok = False
            continue
        buttons.append(Button(_msg(f"{flow}.{nid}", label, r.doc.line(*at, "label")),
                              target, value, danger, r.doc.line(*at)))
    return tuple(buttons) if ok else None


def _read_cases(r: _Reader, nid: str, raw: object,
                where: tuple[str | int, ...]) -> tuple[Case, ...] | None:
    if not isinstance(raw, list) or not raw:
        r.problem(where, nid, "'branch' should be a list of '- if: <condition>' + 'next: <node>' "
                  "items, ending with one '- next: <node>' for everything else")
        return None
    cases = []
    for index, item in enumerate(raw):
        at = (*where, index)
        if not isinstance(item, dict):
            r.problem(at, nid, f"branch item {index + 1} should have 'if' and 'next'")
            return None
        r.unknown_keys(item, CASE_KEYS, at, nid, "a branch item")
        target = r.name(item.get("next"), (*at, "next"), nid, "node name")
        condition = None
        if "if" in item:
            source = r.text(item["if"], (*at, "if"), nid, "a condition")
            if source is not None:
                try:
                    condition = parse_condition(source)
                except ConditionError as error:
                    r.problem((*at, "if"), nid, str(error))
                    return None
        if target is None:
            return None
        cases.append(Case(condition, target, r.doc.line(*at)))
    return tuple(cases)


def _read_args(r: _Reader, nid: str, raw: object,
               where: tuple[str | int, ...]) -> dict[str, Arg] | None:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        r.problem(where, nid, "'with' should map each calculator input to an answer, like "
                  "'with: {monthly_pay: monthly_pay}'")
        return None
    args = {}
    for key, value in raw.items():
        if isinstance(value, bool):
            r.problem((*where, key), nid, f"input '{key}' should be an answer's name or a number")
            return None
        if isinstance(value, int | float):
            args[str(key)] = Arg(number=Decimal(str(value)))
        elif isinstance(value, str) and re.fullmatch(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?",
                                                      value):
            args[str(key)] = Arg(variable=value)
        else:
            r.problem((*where, key), nid, f"input '{key}' should be an answer's name or a number")
            return None
    return args


def _number(r: _Reader, raw: object, where: tuple[str | int, ...], nid: str) -> Decimal | None:
    if raw is None:
        return None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return Decimal(str(raw))
    r.problem(where, nid, f"'{where[-1]}' should be a number")
    return None


def _read_node(r: _Reader, flow: str, nid: str, raw: object) -> Node | None:
    where: tuple[str | int, ...] = ("nodes", nid)
    line = r.doc.line(*where)
    if not isinstance(raw, dict):
        r.problem(where, nid, "a node should be a mapping of keys like 'say:' and 'next:'")
        return None
    r.unknown_keys(raw, NODE_KEYS, where, nid, "a node")
    actions = [key for key in ACTION_KEYS if key in raw]
    if len(actions) > 1:
        r.problem(where, nid, f"a node does one thing, but this one has {' and '.join(actions)}; "
                  "split it into separate nodes joined by 'next:'")
        return None
    kind = actions[0] if actions else "say"
    for key in raw:
        if key in NODE_KEYS and key not in KEYS_BY_KIND[kind]:
            r.problem((*where, key), nid, f"'{key}' does not go with "
                      f"{'a message' if kind == 'say' else repr(kind)}; remove it")
    context = f"{flow}.{nid}"
    say = None
    if "say" in raw:
        text = r.text(raw["say"], (*where, "say"), nid, "the text to show")
        say = _msg(context, text, r.doc.line(*where, "say")) if text else None
    target = None
    if "next" in raw:
        target = r.name(raw["next"], (*where, "next"), nid, "node name")
    store = Store.NEVER
    if "store" in raw:
        try:
            store = Store(str(raw["store"]))
        except ValueError:
            r.problem((*where, "store"), nid, f"'store' should be one of never, conversation, "
                      f"case, not '{raw['store']}'")
    purpose = raw.get("purpose")
    if purpose is not None:
        purpose = r.text(purpose, (*where, "purpose"), nid, "a short reason for keeping it")
    dead_end = ("leads nowhere: add 'next:' with the node that comes after it")

    match kind:
        case "buttons":
            if say is None:
                r.problem(where, nid, "a question with buttons needs 'say:' (the question)")
            buttons = _read_buttons(r, flow, nid, raw["buttons"], (*where, "buttons"))
            if say is None or buttons is None:
                return None
            return Question(nid, line, say, buttons, store, purpose)
        case "ask":
            try:
                ask = Kind(str(raw["ask"]))
            except ValueError:
                ask = None
            if ask not in ASK_KINDS:
                r.problem((*where, "ask"), nid, f"'ask' should be one of "
                          f"{', '.join(ASK_KINDS)}, not '{raw['ask']}'")
                return None
            if say is None:
                r.problem(where, nid, "a typed question needs 'say:' (the question)")
            if "store" not in raw:
                r.problem(where, nid, "every typed question says what is kept: add 'store:' "
                          "(never, conversation or case) and a 'purpose:'")
            if target is None and "next" not in raw:
                r.problem(where, nid, dead_end)
            retry = None
            if "retry" in raw:
                text = r.text(raw["retry"], (*where, "retry"), nid, "the re-prompt text")
                retry = _msg(context, text, r.doc.line(*where, "retry")) if text else None
            low = _number(r, raw.get("min"), (*where, "min"), nid)
            high = _number(r, raw.get("max"), (*where, "max"), nid)
            if say is None or target is None or "store" not in raw:
                return None
            return Ask(nid, line, say, ask, target, store, purpose, retry, low, high)
        case "compute":
            calculator = r.name(raw["compute"], (*where, "compute"), nid, "calculator name")
            args = _read_args(r, nid, raw.get("with"), (*where, "with"))
            if target is None and "next" not in raw:
                r.problem(where, nid, dead_end)
            if calculator is None or args is None or target is None:
                return None
            return Compute(nid, line, calculator, args, target)
        case "branch":
            cases = _read_cases(r, nid, raw["branch"], (*where, "branch"))
            return Decide(nid, line, cases) if cases else None
        case "handoff":
            urgency = raw["handoff"]
            if urgency not in ("urgent", "normal"):
                r.problem((*where, "handoff"), nid, "'handoff' should be 'urgent' or 'normal'")
                return None
            if target is None and "next" not in raw:
                r.problem(where, nid, dead_end)
            if target is None:
                return None
            return Handoff(nid, line, urgency == "urgent", target, say)
        case "jump":
            flow_name = r.name(raw["jump"], (*where, "jump"), nid, "flow name")
            return Jump(nid, line, flow_name, say) if flow_name else None
        case "end":
            if raw["end"] is not True:
                r.problem((*where, "end"), nid, "'end' can only be 'true'; to go on, use 'next:'")
                return None
            return End(nid, line, say)
        case _:
            if say is None:
                if "say" not in raw:
                    r.problem(where, nid, "this node does nothing: give it 'say:' and 'next:', or "
                              "one of " + ", ".join(ACTION_KEYS))
                return None
            if target is None:
                if "next" not in raw:
                    r.problem(where, nid, "dead end: after saying this, the conversation has "
                              "nowhere to go; add 'next:', 'buttons:' or 'end: true'")
                return None
            return Message(nid, line, say, target)


def _read_date(r: _Reader, raw: object) -> date | None:
    if isinstance(raw, date):
        return raw
    if raw is not None:
        r.problem(("reviewed",), None, f"'reviewed' should be a date like 2026-11-27, not '{raw}'")
    return None


def read_flow(path: str, stem: str, doc: Document) -> tuple[Flow | None, list[Problem]]:
    """Build a ``Flow`` from a parsed flow file, with every shape problem found."""
    r = _Reader(path, doc)
    data = doc.data
    if not isinstance(data, dict):
        r.problem((), None, "a flow file should be a mapping starting with 'version: 1'")
        return None, r.problems
    r.unknown_keys(data, FLOW_KEYS, (), None, "a flow file")
    if data.get("version") != FLOW_VERSION:
        r.problem(("version",), None, f"'version' should be {FLOW_VERSION} (the flow format "
                  f"this helpline reads), not {data.get('version')!r}")
    name = r.name(data.get("flow"), ("flow",), None, "flow name")
    if name is not None and name != stem:
        r.problem(("flow",), None, f"the flow is called '{name}' but the file is '{stem}.yaml'; "
                  "make them the same")
    title = r.text(data.get("title"), ("title",), None, "a short title")
    sources = data.get("sources")
    if not (isinstance(sources, list) and sources and all(isinstance(s, str) for s in sources)):
        r.problem(("sources",), None, "'sources' should list the laws and pages this flow is "
                  "based on, like [LSA Art. 24, https://...]")
        sources = []
    start = r.name(data.get("start"), ("start",), None, "node name")
    nodes_raw = data.get("nodes")
    nodes: dict[str, Node] = {}
    broken: set[str] = set()
    if not isinstance(nodes_raw, dict) or not nodes_raw:
        r.problem(("nodes",), None, "'nodes' should hold the flow's nodes, one per key")
    else:
        for raw_id, raw_node in nodes_raw.items():
            nid = str(raw_id)
            if not NAME.match(nid):
                r.problem(("nodes", raw_id), nid, "a node name uses lowercase letters, digits "
                          "and _ only, starting with a letter")
                broken.add(nid)
                continue
            node = _read_node(r, stem, nid, raw_node)
            if node is None:
                broken.add(nid)
            else:
                nodes[nid] = node
    reviewed = _read_date(r, data.get("reviewed"))
    if name is None or title is None or start is None:
        return None, r.problems
    flow = Flow(name, path, title, reviewed, tuple(sources), start, nodes,
                broken=frozenset(broken))
    return flow, r.problems


def read_system(path: str, doc: Document,
                required: Mapping[str, str]) -> tuple[dict[str, Msg], list[Problem]]:
    """Read ``flows/system.yaml``: the texts the code itself shows."""
    r = _Reader(path, doc)
    data = doc.data
    if not isinstance(data, dict):
        r.problem((), None, "system.yaml should be a mapping with 'version: 1' and 'messages:'")
        return {}, r.problems
    r.unknown_keys(data, ("version", "reviewed", "messages"), (), None, "system.yaml")
    messages = data.get("messages")
    if not isinstance(messages, dict):
        r.problem(("messages",), None, "'messages' should map each system text's key to its text")
        return {}, r.problems
    found: dict[str, Msg] = {}
    for key, value in messages.items():
        key = str(key)
        if key not in required:
            r.problem(("messages", key), None, f"'{key}' is not a system text the helpline "
                      f"uses.{did_you_mean(key, required)}")
            continue
        text = r.text(value, ("messages", key), None, "the text to show")
        if text:
            found[key] = Msg(f"system.{key}", text, doc.line("messages", key))
    for key, use in required.items():
        if key not in messages:
            r.problem(("messages",), None, f"missing the system text '{key}' ({use})")
    return found, r.problems
