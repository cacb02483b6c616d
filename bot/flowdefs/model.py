"""The flow definitions as typed values: flows, nodes, buttons, conditions, system texts.

Immutable dataclasses, built by ``bot.flowdefs.load`` and read by the engine, the checker, the
graph and the translation tools. No I/O and no imports beyond the standard library and other
pure modules of this project.

A node does one thing, and its kind follows from its keys. Each node class is named after the
YAML key that makes it that kind, plus ``Node``: a maintainer who writes ``branch:`` finds
``BranchNode``, and the checker speaks of the same keys. The suffix also keeps the node kinds
apart from the engine's effects of the same word (``engine.Handoff`` and ``engine.End`` are
things to carry out; ``HandoffNode`` and ``EndNode`` are places in a flow).

=================  ==============================================  =================
class              keys                                            waits for input?
=================  ==============================================  =================
``ButtonsNode``    ``buttons`` + ``say``                           yes
``AskNode``        ``ask`` + ``say`` + ``store`` + ``next``        yes
``SayNode``        ``say`` + ``next`` (none of the keys below)     no
``ComputeNode``    ``compute`` + ``with`` + ``next``               no
``BranchNode``     ``branch`` (``if`` … ``next``, last without)    no
``HandoffNode``    ``handoff`` (+ ``say``) + ``next``              no
``JumpNode``       ``jump`` (+ ``say``)                            no
``EndNode``        ``end: true`` (+ ``say``)                       no (ends)
=================  ==============================================  =================

``Node`` is the union of these kinds (match on it); ``NodeBase`` holds what they share.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TypeAlias

from bot.calculators.base import ReferenceData
from bot.values import Kind

MENU_FLOW = "menu"
"""The flow every conversation starts in, and where /menu leads."""

EMERGENCY_FLOW = "emergency"
"""The flow a ``danger: true`` answer jumps to, after an urgent handoff."""


PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def callback_data(flow: str, node: str, index: int) -> str:
    """Return the data a button carries back when pressed: ``<flow>.<node>.<index>``."""
    return f"{flow}.{node}.{index}"


def placeholders(text: str) -> list[str]:
    """Return the names inside ``{...}`` in ``text``, in order."""
    return PLACEHOLDER.findall(text)


class Store(StrEnum):
    """How long an answer is kept.

    ``never``: the answer only chooses the path. ``conversation``: kept while this conversation
    lasts. ``case``: also kept with the trainee's case for the union desk (after consent).
    """

    NEVER = "never"
    CONVERSATION = "conversation"
    CASE = "case"


@dataclass(frozen=True, slots=True)
class Msg:
    """A translatable text: English source and its gettext context ``<flow>.<node>``."""

    context: str
    text: str
    line: int = field(default=0, compare=False)


class Op(StrEnum):
    """Comparison operators in conditions."""

    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


Literal: TypeAlias = Decimal | bool | str


@dataclass(frozen=True, slots=True)
class Comparison:
    """``<variable> <op> <literal>``, e.g. ``check.shortfall_monthly > 0``."""

    variable: str
    op: Op
    literal: Literal


@dataclass(frozen=True, slots=True)
class Condition:
    """Comparisons joined by ``and``; the source text is kept for messages and graphs."""

    parts: tuple[Comparison, ...]
    source: str


@dataclass(frozen=True, slots=True)
class Button:
    """One choice of a question."""

    label: Msg
    next: str | None
    value: str | None = None
    danger: bool = False
    exit: bool = False
    """Like /exit: wipe the chat on both sides and forget the conversation."""
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class BranchItem:
    """One item of a ``branch`` list: ``- if: …`` + ``next:``; no condition means "otherwise".

    Not called ``Case``: a case is what the union desk keeps for a trainee.
    """

    condition: Condition | None
    next: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Arg:
    """A calculator argument: a variable's name or a literal number."""

    variable: str | None = None
    number: Decimal | None = None


@dataclass(frozen=True, slots=True)
class NodeBase:
    """What every node has: its id and the line it starts on."""

    id: str
    line: int = field(compare=False)


@dataclass(frozen=True, slots=True)
class ButtonsNode(NodeBase):
    """Say something and offer buttons; wait for a press."""

    say: Msg
    buttons: tuple[Button, ...]
    store: Store = Store.NEVER
    purpose: str | None = None
    staff_label: str | None = None
    """A short Japanese label for the union desk's case card (kept answers only)."""


@dataclass(frozen=True, slots=True)
class AskNode(NodeBase):
    """Ask for typed input (yen, number, date, prefecture, text); wait for a valid answer."""

    say: Msg
    kind: Kind
    next: str
    store: Store
    purpose: str | None = None
    retry: Msg | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    staff_label: str | None = None
    """A short Japanese label for the union desk's case card."""


@dataclass(frozen=True, slots=True)
class SayNode(NodeBase):
    """Say something and go on."""

    say: Msg
    next: str


@dataclass(frozen=True, slots=True)
class ComputeNode(NodeBase):
    """Run a named calculator; its outputs become ``<node>.<output>`` variables."""

    calculator: str
    args: Mapping[str, Arg]
    next: str


@dataclass(frozen=True, slots=True)
class BranchNode(NodeBase):
    """Go to the first item whose condition holds."""

    items: tuple[BranchItem, ...]


@dataclass(frozen=True, slots=True)
class HandoffNode(NodeBase):
    """Ask the union desk to take over (urgently or not), optionally say something, go on."""

    urgent: bool
    next: str
    say: Msg | None = None


@dataclass(frozen=True, slots=True)
class JumpNode(NodeBase):
    """Continue at the start of another flow."""

    flow: str
    say: Msg | None = None


@dataclass(frozen=True, slots=True)
class EndNode(NodeBase):
    """End the conversation (the next message starts again at the menu)."""

    say: Msg | None = None


Node: TypeAlias = (
    ButtonsNode | AskNode | SayNode | ComputeNode | BranchNode | HandoffNode | JumpNode | EndNode
)

WAITING = (ButtonsNode, AskNode)
"""Node kinds that wait for the trainee; every cycle must pass through one."""


@dataclass(frozen=True, slots=True)
class Flow:
    """One flow file."""

    name: str
    path: str
    title: str
    reviewed: date | None
    sources: tuple[str, ...]
    start: str
    nodes: Mapping[str, Node]
    line: int = field(default=1, compare=False)
    broken: frozenset[str] = frozenset()
    """Ids of nodes that could not be read; the checker has already reported them."""
    reviewed_line: int = 1


TRIGGER_LANGUAGES = {"vi": "vi", "zh": "zh_Hans", "ja": "ja", "en": "en"}
"""The languages of ``flows/data/triggers.yaml`` (Chinese in any script), and each one's
helpline language."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where a typed text may lead (``flows/data/triggers.yaml``): a node, or a command."""

    name: str
    go: str = ""
    """``<flow>.<node>`` a tap on the suggestion runs from; empty for a command."""
    command: str = ""
    """``exit`` or ``delete``: the suggestion works as that command."""
    phrases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Example phrases by trigger language (``TRIGGER_LANGUAGES``)."""
    line: int = 1
    phrase_lines: Mapping[str, int] = field(default_factory=dict, compare=False)
    """The line of each phrase, by ``<language>:<phrase>``, for the checker's messages."""


@dataclass(frozen=True, slots=True)
class Triggers:
    """The targets typed text can lead to, and the words of danger."""

    targets: Mapping[str, Target] = field(default_factory=dict)
    danger_words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    path: str = "flows/data/triggers.yaml"


@dataclass(frozen=True, slots=True)
class FlowSet:
    """Everything the engine runs on: the flows, the system texts and the reference data."""

    flows: Mapping[str, Flow]
    system: Mapping[str, Msg]
    data: ReferenceData
    system_path: str = "flows/system.yaml"
    unreadable: frozenset[str] = frozenset()
    """Names of flow files that could not be read at all (already reported)."""
    replies: Mapping[str, Msg] = field(default_factory=dict)
    """The union desk's canned replies (``/reply NAME``), by name."""
    desk: Mapping[str, Msg] = field(default_factory=dict)
    """The union desk's own texts (``texts_needed.DESK_KEYS``), in the desk's language."""
    triggers: Triggers = field(default_factory=Triggers)
    """What typed text may lead to (``flows/data/triggers.yaml``); empty without that file."""

    def desk_text(self, key: str, **params: str) -> str:
        """One of the desk's own texts, its placeholders filled in."""
        msg = self.desk.get(key)
        return msg.text.format(**params) if msg is not None else key

    def node(self, flow: str, node: str) -> Node | None:
        """Return a node, or None if the flow or node does not exist."""
        found = self.flows.get(flow)
        return found.nodes.get(node) if found else None


def says(node: Node) -> list[Msg]:
    """Return every translatable text of a node, in order."""
    texts: list[Msg] = []
    say = getattr(node, "say", None)
    if say is not None:
        texts.append(say)
    if isinstance(node, ButtonsNode):
        texts.extend(button.label for button in node.buttons)
    if isinstance(node, AskNode) and node.retry is not None:
        texts.append(node.retry)
    return texts


def all_messages(flowset: FlowSet) -> list[tuple[Msg, str, str | None]]:
    """Return every translatable text with its file and node, system texts first."""
    found: list[tuple[Msg, str, str | None]] = [
        (msg, flowset.system_path, None)
        for msg in (*flowset.system.values(), *flowset.replies.values())
    ]
    for flow in sorted(flowset.flows.values(), key=lambda f: f.path):
        texts = [(msg, flow.path, node.id) for node in flow.nodes.values() for msg in says(node)]
        found.extend(sorted(texts, key=lambda item: item[0].line))
    return found


def successors(node: Node) -> list[str]:
    """Return the ids of the nodes in the same flow that ``node`` can lead to."""
    match node:
        case ButtonsNode():
            return [b.next for b in node.buttons if b.next is not None]
        case AskNode() | SayNode() | ComputeNode() | HandoffNode():
            return [node.next]
        case BranchNode():
            return [item.next for item in node.items]
        case _:
            return []
