"""Draw a flow as a Mermaid flowchart (renders on GitHub and GitLab) or as Graphviz DOT.

Shapes tell node kinds apart: a question is a rhombus, a typed question a parallelogram, a
message a box, a calculator a box with side bars, a branch a hexagon, a handoff a stadium, a jump
a flag and an end a circle. Buttons and branch conditions label the arrows; a danger answer
points to the emergency flow in red. Pure: returns text.
"""

from __future__ import annotations

from bot.flowdefs.model import (
    EMERGENCY_FLOW,
    AskNode,
    BranchNode,
    Button,
    ButtonsNode,
    ComputeNode,
    EndNode,
    Flow,
    HandoffNode,
    JumpNode,
    Node,
    SayNode,
)

WIDTH = 48
"""Longest text shown inside a node."""


def _short(text: str, width: int = WIDTH) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _label(node: Node) -> str:
    match node:
        case ButtonsNode() | SayNode():
            return _short(node.say.text)
        case AskNode():
            return f"ask {node.kind}: {_short(node.say.text, WIDTH - 10)}"
        case ComputeNode():
            return f"compute {node.calculator}"
        case BranchNode():
            return f"branch {node.id}"
        case HandoffNode():
            return f"handoff ({'urgent' if node.urgent else 'normal'})"
        case JumpNode():
            return f"go to flow {node.flow}"
        case EndNode():
            return "end"


def _button_target(button: Button) -> str:
    if button.exit:
        return "exit"
    return button.next if button.next and not button.danger else f"flow:{EMERGENCY_FLOW}"


def _edges(flow: Flow, node: Node) -> list[tuple[str, str, bool]]:
    """Return (target, label, danger) for every arrow out of ``node``."""
    match node:
        case ButtonsNode():
            return [(_button_target(b), _short(b.label.text, 28), b.danger) for b in node.buttons]
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


def mermaid(flow: Flow) -> str:
    """Return a Mermaid flowchart of ``flow``."""
    lines = ["flowchart TD", f"  s0((start)) --> {_mermaid_id(flow.start)}"]
    outside: set[str] = set()
    danger_edges: list[int] = []
    edge_count = 1
    for nid, node in flow.nodes.items():
        opening, closing = _MERMAID_SHAPES[type(node)]
        lines.append(f"  {_mermaid_id(nid)}{opening}{_mermaid_text(_label(node))}{closing}")
    for nid, node in flow.nodes.items():
        for target, label, danger in _edges(flow, node):
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


def dot(flow: Flow) -> str:
    """Return a Graphviz DOT graph of ``flow``."""
    lines = [
        f'digraph "{flow.name}" {{',
        "  rankdir=TB;",
        '  node [fontname="sans-serif"];',
        f'  "start" [shape=point]; "start" -> "{flow.start}";',
    ]
    outside: set[str] = set()
    for nid, node in flow.nodes.items():
        lines.append(
            f'  "{nid}" [shape={_DOT_SHAPES[type(node)]}, label="{_dot_text(_label(node))}"];'
        )
    for nid, node in flow.nodes.items():
        for target, label, danger in _edges(flow, node):
            if target.startswith("flow:"):
                outside.add(target)
            style = ", color=red, fontcolor=red" if danger else ""
            lines.append(f'  "{nid}" -> "{target}" [label="{_dot_text(label)}"{style}];')
    lines.extend(
        f'  "{target}" [shape=folder, label="flow {target[5:]}"];' for target in sorted(outside)
    )
    lines.append("}")
    return "\n".join(lines) + "\n"
