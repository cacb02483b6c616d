"""Draw a flow as a Mermaid flowchart (renders on GitHub and GitLab) or as Graphviz DOT.

Shapes tell node kinds apart: a question is a rhombus, a typed question a parallelogram, a
message a box, a calculator a box with side bars, a branch a hexagon, a handoff a stadium, a jump
a flag and an end a circle (a legend says so in every chart). Each node shows its id, then its
text wrapped by display width (a CJK character counts two columns) to a few lines. Buttons and
branch conditions label the arrows; a danger answer points to the emergency flow in red.
``overview`` draws the flows themselves and how they lead into one another. Texts come in
English, or in a language through the ``text`` function the caller passes. Pure: returns text.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.display import wrap_line
from bot.flowdefs.model import (
    EMERGENCY_FLOW,
    AskNode,
    BranchNode,
    Button,
    ButtonsNode,
    ComputeNode,
    EndNode,
    Flow,
    FlowSet,
    HandoffNode,
    JumpNode,
    Msg,
    Node,
    SayNode,
)

COLUMNS = 30
"""Display columns of one line inside a node."""
LINES = 4
"""Lines of text shown inside a node (after its id); more is cut with "…"."""

Text = Callable[[Msg], str]
"""Gives a text in the chart's language (English: ``lambda msg: msg.text``)."""


def english(msg: Msg) -> str:
    """The source text: the default language of a chart."""
    return msg.text


def wrap(text: str, columns: int = COLUMNS, lines: int = LINES) -> list[str]:
    """Wrap ``text`` into at most ``lines`` lines of ``columns`` display columns.

    Breaks at spaces where there are any, and anywhere in CJK text (which has none); the last
    line ends with "…" when text is left over.
    """
    out = [line for line in wrap_line(" ".join(text.split()), columns) if line]
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: max(1, len(out[-1]) - 1)] + "…"
    return out


def _short(text: str, columns: int) -> str:
    return " ".join(wrap(text, columns, 1))


def _lines(node: Node, text: Text) -> list[str]:
    match node:
        case ButtonsNode() | SayNode():
            return wrap(text(node.say))
        case AskNode():
            return [f"ask {node.kind}:", *wrap(text(node.say), lines=LINES - 1)]
        case ComputeNode():
            return [f"compute {node.calculator}"]
        case BranchNode():
            return ["branch"]
        case HandoffNode():
            return [f"handoff ({'urgent' if node.urgent else 'normal'})"]
        case JumpNode():
            return [f"go to flow {node.flow}"]
        case EndNode():
            return ["end"]


def _button_target(button: Button) -> str:
    if button.exit:
        return "exit"
    return button.next if button.next and not button.danger else f"flow:{EMERGENCY_FLOW}"


def _edges(node: Node, text: Text = english) -> list[tuple[str, str, bool]]:
    """Return (target, label, danger) for every arrow out of ``node``."""
    match node:
        case ButtonsNode():
            return [(_button_target(b), _short(text(b.label), 28), b.danger) for b in node.buttons]
        case BranchNode():
            return [
                (c.next, c.condition.source if c.condition else "otherwise", False)
                for c in node.items
            ]
        case AskNode() | SayNode() | ComputeNode() | HandoffNode():
            return [(node.next, "", False)]
        case JumpNode():
            return [(f"flow:{node.flow}", "", False)]
        case _:
            return []


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


_MERMAID_SHAPES = {
    ButtonsNode: ('{"', '"}'),
    AskNode: ('[/"', '"/]'),
    SayNode: ('["', '"]'),
    ComputeNode: ('[["', '"]]'),
    BranchNode: ('{{"', '"}}'),
    HandoffNode: ('(["', '"])'),
    JumpNode: ('>"', '"]'),
    EndNode: ('(("', '"))'),
}


def _mermaid_id(target: str) -> str:
    # Prefixed, because Mermaid reserves words such as "end" as node ids.
    return f"f_{target[5:]}" if target.startswith("flow:") else f"n_{target}"


_LEGEND = (
    (ButtonsNode, "question with buttons"),
    (AskNode, "question typed"),
    (SayNode, "message"),
    (ComputeNode, "calculator"),
    (BranchNode, "branch"),
    (HandoffNode, "to the union desk"),
    (JumpNode, "to another flow"),
    (EndNode, "end"),
)


def _mermaid_legend() -> list[str]:
    lines = [
        '  subgraph legend ["Legend: shapes; a red arrow is a danger answer"]',
        "    direction LR",
    ]
    for number, (kind, name) in enumerate(_LEGEND):
        opening, closing = _MERMAID_SHAPES[kind]
        lines.append(f"    k{number}{opening}{name}{closing}")
    lines.append("  end")
    return lines


def mermaid(flow: Flow, text: Text = english) -> str:
    """Return a Mermaid flowchart of ``flow``, its texts given by ``text``."""
    lines = ["flowchart TD", *_mermaid_legend(), f"  s0((start)) --> {_mermaid_id(flow.start)}"]
    outside: set[str] = set()
    danger_edges: list[int] = []
    edge_count = 1
    for nid, node in flow.nodes.items():
        opening, closing = _MERMAID_SHAPES[type(node)]
        label = "<br/>".join(_mermaid_text(line) for line in [f"{nid}", *_lines(node, text)])
        lines.append(f"  {_mermaid_id(nid)}{opening}{label}{closing}")
    for nid, node in flow.nodes.items():
        for target, label, danger in _edges(node, text):
            if target.startswith("flow:"):
                outside.add(target)
            arrow = f' -->|"{_mermaid_text(label)}"| ' if label else " --> "
            lines.append(f"  {_mermaid_id(nid)}{arrow}{_mermaid_id(target)}")
            if danger:
                danger_edges.append(edge_count)
            edge_count += 1
    lines.extend(f'  {_mermaid_id(target)}[["flow {target[5:]}"]]' for target in sorted(outside))
    lines.extend(f"  linkStyle {index} stroke:#c00,stroke-width:2px" for index in danger_edges)
    return "\n".join(lines) + "\n"


_DOT_SHAPES = {
    ButtonsNode: "diamond",
    AskNode: "parallelogram",
    SayNode: "box",
    ComputeNode: "box3d",
    BranchNode: "hexagon",
    HandoffNode: "oval",
    JumpNode: "cds",
    EndNode: "doublecircle",
}


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _dot_legend() -> list[str]:
    lines = ['  subgraph cluster_legend { label="Legend (a red arrow is a danger answer)";']
    lines += [
        f'    "legend_{number}" [shape={_DOT_SHAPES[kind]}, label="{name}"];'
        for number, (kind, name) in enumerate(_LEGEND)
    ]
    return [*lines, "  }"]


def dot(flow: Flow, text: Text = english) -> str:
    """Return a Graphviz DOT graph of ``flow``, its texts given by ``text``."""
    lines = [
        f'digraph "{flow.name}" {{',
        "  rankdir=TB;",
        '  node [fontname="sans-serif"];',
        *_dot_legend(),
        f'  "start" [shape=point]; "start" -> "{flow.start}";',
    ]
    outside: set[str] = set()
    for nid, node in flow.nodes.items():
        label = "\\n".join(_dot_text(line) for line in [nid, *_lines(node, text)])
        lines.append(f'  "{nid}" [shape={_DOT_SHAPES[type(node)]}, label="{label}"];')
    for nid, node in flow.nodes.items():
        for target, label, danger in _edges(node, text):
            if target.startswith("flow:"):
                outside.add(target)
            style = ", color=red, fontcolor=red" if danger else ""
            lines.append(f'  "{nid}" -> "{target}" [label="{_dot_text(label)}"{style}];')
    lines.extend(
        f'  "{target}" [shape=folder, label="flow {target[5:]}"];' for target in sorted(outside)
    )
    lines.append("}")
    return "\n".join(lines) + "\n"


def overview(flowset: FlowSet) -> str:
    """Return a Mermaid chart of the flows and how they lead into one another."""
    lines = ["flowchart LR", '  desk(["union desk"])']
    links: set[tuple[str, str, bool]] = set()
    for name, flow in sorted(flowset.flows.items()):
        lines.append(f'  f_{name}["{name}<br/>{len(flow.nodes)} nodes"]')
        for node in flow.nodes.values():
            if isinstance(node, HandoffNode):
                links.add((name, "desk", node.urgent))
            for target, _, danger in _edges(node):
                if target.startswith("flow:"):
                    links.add((name, f"f_{target[5:]}", danger))
    danger_edges = []
    for number, (source, target, danger) in enumerate(sorted(links)):
        lines.append(f"  f_{source} --> {target}")
        if danger:
            danger_edges.append(number)
    lines.extend(f"  linkStyle {index} stroke:#c00,stroke-width:2px" for index in danger_edges)
    return "\n".join(lines) + "\n"
