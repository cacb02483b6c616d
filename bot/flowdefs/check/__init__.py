"""Check how the flows fit together: links, reachability, loops, variables, limits, dates.

Works on loaded ``Flow`` values (``bot.flowdefs.load`` has already checked each file's shape)
and returns ``Problem``s; it never raises for a mistake in the files. Translations are checked
by ``bot.i18n.check``, which may use babel; this package may not. Pure: no I/O, no clock
(``today`` is passed in), no logging.

Messages speak the maintainer's words: YAML keys (``'branch'``, ``'buttons'``), never class
names, and kinds of answers as ``docs/flows.md`` names them (``a_kind``: "a yes/no result",
not the ``flag`` of ``bot.values``).

``check`` runs every check; the checks live by concern:

* ``analysis``: what a flow sets, reads and reaches (no problems of its own);
* ``context``: the limits, the words for kinds, and ``FlowCheck``, which collects problems;
* ``nodes``: each node's shape: review date, links, store and purpose, buttons, calculators;
* ``texts``: text length, placeholders, phone numbers;
* ``variables``: variables set before use, of the right kind, compared sensibly;
* ``paths``: required flows, unreachable nodes, loops that never wait;
* ``first_lines`` and ``lengths``: what a phone shows (a neutral first line, at most 3 messages
  a step and 700 characters a message). They need the translations and the renderer, so
  ``check`` does not run them: ``bot.content_tools`` (``helpline flows check``) does.
"""

from __future__ import annotations

from datetime import date

from bot.flowdefs.check.analysis import VariableInfo, definitely_set, reachable, variables_of
from bot.flowdefs.check.context import (
    MAX_CALLBACK_BYTES,
    MAX_MESSAGE,
    REVIEW_PERIOD,
    FlowCheck,
    a_kind,
)
from bot.flowdefs.check.nodes import check_header, check_links, check_node
from bot.flowdefs.check.paths import check_loops, check_required_flows, check_unreachable
from bot.flowdefs.check.texts import check_texts
from bot.flowdefs.check.variables import check_variables
from bot.flowdefs.model import Flow, FlowSet
from bot.flowdefs.problems import Problem

__all__ = [
    "MAX_CALLBACK_BYTES",
    "MAX_MESSAGE",
    "REVIEW_PERIOD",
    "VariableInfo",
    "a_kind",
    "check",
    "definitely_set",
    "reachable",
    "variables_of",
]


def check_flow(flows: FlowSet, flow: Flow, today: date) -> list[Problem]:
    """Return the problems of one flow, in the setting of the whole flow set."""
    c = FlowCheck(flows, flow, today)
    c.link(flow.line, None, flow.start, "'start'")
    check_header(c)
    for node in flow.nodes.values():
        check_links(c, node)
        check_node(c, node)
        check_texts(c, node)
    check_variables(c)
    check_unreachable(c)
    return c.problems


def check(flows: FlowSet, today: date, flows_dir: str = "flows") -> list[Problem]:
    """Return every problem in how the flows fit together, sorted by file and line."""
    problems = check_required_flows(flows, flows_dir)
    for flow in flows.flows.values():
        problems.extend(check_flow(flows, flow, today))
    problems.extend(check_loops(flows))
    return sorted(set(problems))
