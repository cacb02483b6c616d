"""Read one node of a flow file into its model value (``ButtonsNode``, ``AskNode``, …).

A node does one thing and its kind follows from its keys (see ``bot.flowdefs.model``). Each
kind has its own small reader, named after its key like the class it returns (``_branch_node``
reads ``branch:`` into a ``BranchNode``). Every shape mistake is reported with its line, and a
node that cannot be read is left out (the caller remembers it in ``Flow.broken``). Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.flowdefs.conditions import ConditionError
from bot.flowdefs.conditions import parse as parse_condition
from bot.flowdefs.model import (
    Arg,
    AskNode,
    BranchItem,
    BranchNode,
    Button,
    ButtonsNode,
    ComputeNode,
    EndNode,
    HandoffNode,
    JumpNode,
    Msg,
    Node,
    SayNode,
    Store,
)
from bot.flowdefs.reader import Reader
from bot.values import Kind

ACTION_KEYS = ("buttons", "ask", "compute", "branch", "handoff", "jump", "end")
KEYS_BY_KIND: Mapping[str, tuple[str, ...]] = {
    "buttons": ("say", "buttons", "store", "purpose", "staff_label"),
    "ask": ("say", "ask", "retry", "min", "max", "store", "purpose", "staff_label", "next"),
    "compute": ("compute", "with", "next"),
    "branch": ("branch",),
    "handoff": ("handoff", "say", "next"),
    "jump": ("jump", "say"),
    "end": ("end", "say"),
    "say": ("say", "next"),
}
NODE_KEYS = tuple(sorted({key for keys in KEYS_BY_KIND.values() for key in keys}))
BUTTON_KEYS = ("label", "next", "value", "danger", "exit")
BRANCH_ITEM_KEYS = ("if", "next")
ASK_KINDS = (Kind.YEN, Kind.NUMBER, Kind.DATE, Kind.PREFECTURE, Kind.TEXT)


def _read_buttons(
    r: Reader, flow: str, nid: str, raw: object, where: tuple[str | int, ...]
) -> tuple[Button, ...] | None:
    if not isinstance(raw, list) or not raw:
        r.problem(
            where,
            nid,
            "'buttons' should be a list with at least one button, like "
            "- {label: Yes, next: yes_node}",
        )
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
        leaves = item.get("exit", False)
        if not isinstance(leaves, bool):
            r.problem((*at, "exit"), nid, "'exit' should be true or false")
            leaves = False
        if target is not None:
            target = r.name(target, (*at, "next"), nid, "node name")
        elif not (danger or leaves):
            r.problem(at, nid, f"button {index + 1} ('{label}') leads nowhere: add 'next:'")
        value = item.get("value")
        if isinstance(value, bool):  # value: yes / no is what a maintainer means
            value = "yes" if value else "no"
        if value is not None:
            value = r.name(str(value), (*at, "value"), nid, "button value")
        if label is None:
            ok = False
            continue
        buttons.append(
            Button(
                Msg(f"{flow}.{nid}", label, r.doc.line(*at, "label")),
                target,
                value,
                danger,
                leaves,
                r.doc.line(*at),
            )
        )
    return tuple(buttons) if ok else None


def _read_branch_items(
    r: Reader, nid: str, raw: object, where: tuple[str | int, ...]
) -> tuple[BranchItem, ...] | None:
    if not isinstance(raw, list) or not raw:
        r.problem(
            where,
            nid,
            "'branch' should be a list of '- if: <condition>' + 'next: <node>' "
            "items, ending with one '- next: <node>' for everything else",
        )
        return None
    items = []
    for index, item in enumerate(raw):
        at = (*where, index)
        if not isinstance(item, dict):
            r.problem(at, nid, f"branch item {index + 1} should have 'if' and 'next'")
            return None
        r.unknown_keys(item, BRANCH_ITEM_KEYS, at, nid, "a branch item")
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
        items.append(BranchItem(condition, target, r.doc.line(*at)))
    return tuple(items)


def _read_args(
    r: Reader, nid: str, raw: object, where: tuple[str | int, ...]
) -> dict[str, Arg] | None:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        r.problem(
            where,
            nid,
            "'with' should map each calculator input to an answer, like "
            "'with: {monthly_pay: monthly_pay}'",
        )
        return None
    args = {}
    for key, value in raw.items():
        if isinstance(value, bool):
            r.problem((*where, key), nid, f"input '{key}' should be an answer's name or a number")
            return None
        if isinstance(value, int | float):
            args[str(key)] = Arg(number=Decimal(str(value)))
        elif isinstance(value, str) and re.fullmatch(
            r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?", value
        ):
            args[str(key)] = Arg(variable=value)
        else:
            r.problem((*where, key), nid, f"input '{key}' should be an answer's name or a number")
            return None
    return args


def _number(r: Reader, raw: object, where: tuple[str | int, ...], nid: str) -> Decimal | None:
    if raw is None:
        return None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return Decimal(str(raw))
    r.problem(where, nid, f"'{where[-1]}' should be a number")
    return None


@dataclass(frozen=True, slots=True)
class _Parts:
    """What every node kind reads the same way, and where to report a problem."""

    r: Reader
    flow: str
    nid: str
    raw: dict[str, Any]
    say: Msg | None
    target: str | None
    store: Store
    purpose: str | None
    staff_label: str | None

    @property
    def where(self) -> tuple[str | int, ...]:
        return ("nodes", self.nid)

    @property
    def line(self) -> int:
        return self.r.doc.line(*self.where)

    def problem(self, message: str, *key: str) -> None:
        self.r.problem((*self.where, *key), self.nid, message)

    def needs_next(self) -> bool:
        """Report a missing 'next'; return whether there is a usable one."""
        if "next" not in self.raw:
            self.problem("leads nowhere: add 'next:' with the node that comes after it")
        return self.target is not None


def _buttons_node(p: _Parts) -> Node | None:
    if p.say is None:
        p.problem("a question with buttons needs 'say:' (the question)")
    buttons = _read_buttons(p.r, p.flow, p.nid, p.raw["buttons"], (*p.where, "buttons"))
    if p.say is None or buttons is None:
        return None
    return ButtonsNode(p.nid, p.line, p.say, buttons, p.store, p.purpose, p.staff_label)


def _ask_node(p: _Parts) -> Node | None:
    kind = next((k for k in ASK_KINDS if k.value == p.raw["ask"]), None)
    if kind is None:
        p.problem(f"'ask' should be one of {', '.join(ASK_KINDS)}, not '{p.raw['ask']}'", "ask")
        return None
    if p.say is None:
        p.problem("a typed question needs 'say:' (the question)")
    if "store" not in p.raw:
        p.problem(
            "every typed question says what is kept: add 'store:' (never, conversation "
            "or case) and a 'purpose:'"
        )
    has_next = p.needs_next()
    retry = None
    if "retry" in p.raw:
        text = p.r.text(p.raw["retry"], (*p.where, "retry"), p.nid, "the re-prompt text")
        retry = Msg(f"{p.flow}.{p.nid}", text, p.r.doc.line(*p.where, "retry")) if text else None
    low = _number(p.r, p.raw.get("min"), (*p.where, "min"), p.nid)
    high = _number(p.r, p.raw.get("max"), (*p.where, "max"), p.nid)
    if p.say is None or not has_next or p.target is None or "store" not in p.raw:
        return None
    return AskNode(
        p.nid, p.line, p.say, kind, p.target, p.store, p.purpose, retry, low, high, p.staff_label
    )


def _compute_node(p: _Parts) -> Node | None:
    calculator = p.r.name(p.raw["compute"], (*p.where, "compute"), p.nid, "calculator name")
    args = _read_args(p.r, p.nid, p.raw.get("with"), (*p.where, "with"))
    if not p.needs_next() or p.target is None or calculator is None or args is None:
        return None
    return ComputeNode(p.nid, p.line, calculator, args, p.target)


def _branch_node(p: _Parts) -> Node | None:
    items = _read_branch_items(p.r, p.nid, p.raw["branch"], (*p.where, "branch"))
    return BranchNode(p.nid, p.line, items) if items else None


def _handoff_node(p: _Parts) -> Node | None:
    if p.raw["handoff"] not in ("urgent", "normal"):
        p.problem("'handoff' should be 'urgent' or 'normal'", "handoff")
        return None
    if not p.needs_next() or p.target is None:
        return None
    return HandoffNode(p.nid, p.line, p.raw["handoff"] == "urgent", p.target, p.say)


def _jump_node(p: _Parts) -> Node | None:
    flow_name = p.r.name(p.raw["jump"], (*p.where, "jump"), p.nid, "flow name")
    return JumpNode(p.nid, p.line, flow_name, p.say) if flow_name else None


def _end_node(p: _Parts) -> Node | None:
    if p.raw["end"] is not True:
        p.problem("'end' can only be 'true'; to go on, use 'next:'", "end")
        return None
    return EndNode(p.nid, p.line, p.say)


def _say_node(p: _Parts) -> Node | None:
    if "say" not in p.raw:
        p.problem(
            "this node does nothing: give it 'say:' and 'next:', or one of "
            + ", ".join(ACTION_KEYS)
        )
        return None
    if "next" not in p.raw:
        p.problem(
            "dead end: after saying this, the conversation has nowhere to go; add "
            "'next:', 'buttons:' or 'end: true'"
        )
        return None
    if p.say is None or p.target is None:
        return None
    return SayNode(p.nid, p.line, p.say, p.target)


_READERS = {
    "buttons": _buttons_node,
    "ask": _ask_node,
    "compute": _compute_node,
    "branch": _branch_node,
    "handoff": _handoff_node,
    "jump": _jump_node,
    "end": _end_node,
    "say": _say_node,
}


def _store(r: Reader, raw: dict[str, Any], where: tuple[str | int, ...], nid: str) -> Store:
    if "store" not in raw:
        return Store.NEVER
    try:
        return Store(str(raw["store"]))
    except ValueError:
        r.problem(
            (*where, "store"),
            nid,
            f"'store' should be one of never, conversation, case, not '{raw['store']}'",
        )
        return Store.NEVER


def read_node(r: Reader, flow: str, nid: str, raw: object) -> Node | None:
    """Read one node; return None (after reporting why) if it cannot be used."""
    where: tuple[str | int, ...] = ("nodes", nid)
    if not isinstance(raw, dict):
        r.problem(where, nid, "a node should be a mapping of keys like 'say:' and 'next:'")
        return None
    r.unknown_keys(raw, NODE_KEYS, where, nid, "a node")
    actions = [key for key in ACTION_KEYS if key in raw]
    if len(actions) > 1:
        r.problem(
            where,
            nid,
            f"a node does one thing, but this one has "
            f"{' and '.join(actions)}; split it into separate nodes joined by 'next:'",
        )
        return None
    kind = actions[0] if actions else "say"
    for key in raw:
        if key in NODE_KEYS and key not in KEYS_BY_KIND[kind]:
            what = "a message" if kind == "say" else repr(kind)
            r.problem((*where, key), nid, f"'{key}' does not go with {what}; remove it")
    say = None
    if "say" in raw:
        text = r.text(raw["say"], (*where, "say"), nid, "the text to show")
        say = Msg(f"{flow}.{nid}", text, r.doc.line(*where, "say")) if text else None
    target = r.name(raw["next"], (*where, "next"), nid, "node name") if "next" in raw else None
    purpose = raw.get("purpose")
    if purpose is not None:
        purpose = r.text(purpose, (*where, "purpose"), nid, "a short reason for keeping it")
    label = raw.get("staff_label")
    if label is not None:
        label = r.text(label, (*where, "staff_label"), nid, "a short Japanese label")
    parts = _Parts(r, flow, nid, raw, say, target, _store(r, raw, where, nid), purpose, label)
    return _READERS[kind](parts)
