"""Checks of how the flows connect: the flows every helpline needs, dead nodes, endless loops.

``menu`` and ``emergency`` must exist; every node should be reachable from its flow's start
(a warning otherwise); and no loop of nodes may run without waiting for the trainee, across
jumps between flows too, or the engine's loop guard would stop the conversation. Pure: returns
or adds ``Problem``s, never raises for a mistake in the files.
"""

from __future__ import annotations

from bot.flowdefs.check.analysis import reachable
from bot.flowdefs.check.context import FlowCheck
from bot.flowdefs.model import (
    EMERGENCY_FLOW,
    MENU_FLOW,
    WAITING,
    Flow,
    FlowSet,
    JumpNode,
    Node,
    successors,
)
from bot.flowdefs.problems import Problem, Severity


def check_required_flows(flows: FlowSet, flows_dir: str) -> list[Problem]:
    """Report a missing ``menu`` or ``emergency`` flow (an unreadable one is reported already)."""
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
    return problems


def check_unreachable(c: FlowCheck) -> None:
    """Warn about nodes no path from the start leads to."""
    flow = c.flow
    live = reachable(flow)
    for nid, node in flow.nodes.items():
        if nid not in live and flow.start in flow.nodes:
            c.add(
                node.line,
                nid,
                "no path leads here from the start "
                f"('{flow.start}'); link it from another node or remove it",
                Severity.WARNING,
            )


def check_loops(flows: FlowSet) -> list[Problem]:
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
