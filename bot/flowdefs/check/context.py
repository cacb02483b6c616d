"""What every check of one flow shares: the limits, the words for kinds, and ``FlowCheck``.

``FlowCheck`` holds the flow being checked, the flow set around it and the problems found so
far; ``add`` records a problem and ``link`` reports a link to a node that does not exist, with a
"did you mean". ``a_kind`` names a kind the way ``docs/flows.md`` does. Pure: no I/O, no clock
(``today`` is passed in), never raises for a mistake in the files; no babel.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta

from bot.flowdefs.check.analysis import variables_of
from bot.flowdefs.model import Flow, FlowSet, Op
from bot.flowdefs.problems import Problem, Severity, did_you_mean
from bot.values import Kind

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


class FlowCheck:
    """The checks of one flow: what they look at and the problems they found."""

    def __init__(self, flows: FlowSet, flow: Flow, today: date) -> None:
        self.flows = flows
        self.flow = flow
        self.today = today
        self.problems: list[Problem] = []
        self.variables = variables_of(flow)

    def add(
        self, line: int, node: str | None, message: str, severity: Severity = Severity.ERROR
    ) -> None:
        """Record a problem in this flow's file."""
        self.problems.append(Problem(self.flow.path, line, node, message, severity))

    def known(self, nid: str) -> bool:
        """Tell whether ``nid`` is a node of this flow, even one that failed to load."""
        return nid in self.flow.nodes or nid in self.flow.broken

    def link(self, line: int, node: str | None, target: str, what: str) -> None:
        """Report ``what`` going to ``target`` if that is no node here, with a "did you mean"."""
        if not self.known(target):
            hint = did_you_mean(target, [*self.flow.nodes, *self.flow.broken])
            self.add(
                line, node, f"{what} goes to '{target}', which is not a node in this flow.{hint}"
            )
