"""Turn flow files and ``system.yaml`` into model values, reporting every shape mistake.

This module reads the file level (version, name, title, review date, sources, start, nodes) and
leaves each node to ``bot.flowdefs.nodes``; ``bot.flowdefs.check`` then checks how the pieces
fit together. Loading never stops at the first problem: a maintainer sees them all in one run.
A node that cannot be read is left out and remembered in ``Flow.broken``, so that it does not
cause a cascade of messages.

Pure: works on parsed documents. May not import the engine, babel, telegram, sqlalchemy or
cryptography.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import PurePath

from bot.flowdefs.model import PLACEHOLDER, Flow, Msg, Node
from bot.flowdefs.nodes import read_node
from bot.flowdefs.problems import Problem, did_you_mean
from bot.flowdefs.reader import NAME, Reader
from bot.flowdefs.texts_needed import DESK_KEYS
from bot.flowdefs.yamlsafe import Document

FLOW_VERSION = 1
FLOW_KEYS = ("version", "flow", "title", "reviewed", "sources", "start", "nodes", "description")


def _read_date(r: Reader, raw: object) -> date | None:
    if isinstance(raw, date):
        return raw
    if raw is not None:
        r.problem(("reviewed",), None, f"'reviewed' should be a date like 2026-11-27, not '{raw}'")
    return None


def _check_version_and_name(r: Reader, data: Mapping[str, object], stem: str) -> None:
    """Report a wrong ``version:`` or a ``flow:`` name that differs from the file name."""
    if data.get("version") != FLOW_VERSION:
        r.problem(
            ("version",),
            None,
            f"'version' should be {FLOW_VERSION} (the flow format "
            f"this helpline reads), not {data.get('version')!r}",
        )
    declared = r.name(data.get("flow"), ("flow",), None, "flow name")
    if declared is not None and declared != stem:
        r.problem(
            ("flow",),
            None,
            f"the flow is called '{declared}' but the file is '{stem}.yaml'; make them the same",
        )


def _read_sources(r: Reader, sources: object) -> list[str]:
    """Return the ``sources:`` list, or report it and return an empty one."""
    if isinstance(sources, list) and sources and all(isinstance(s, str) for s in sources):
        return sources
    r.problem(
        ("sources",),
        None,
        "'sources' should list the laws and pages this flow is "
        "based on, like [LSA Art. 24, https://...]",
    )
    return []


def _read_nodes(r: Reader, stem: str, nodes_raw: object) -> tuple[dict[str, Node], set[str]]:
    """Return the nodes that could be read, and the names of those that could not."""
    nodes: dict[str, Node] = {}
    broken: set[str] = set()
    if not isinstance(nodes_raw, dict) or not nodes_raw:
        r.problem(("nodes",), None, "'nodes' should hold the flow's nodes, one per key")
        return nodes, broken
    for raw_id, raw_node in nodes_raw.items():
        nid = str(raw_id)
        if not NAME.match(nid):
            r.problem(
                ("nodes", raw_id),
                nid,
                "a node name uses lowercase letters, digits and _ only, starting with a letter",
            )
            broken.add(nid)
            continue
        node = read_node(r, stem, nid, raw_node)
        if node is None:
            broken.add(nid)
        else:
            nodes[nid] = node
    return nodes, broken


def read_flow(path: str, stem: str, doc: Document) -> tuple[Flow | None, list[Problem]]:
    """Build a ``Flow`` from a parsed flow file, with every shape problem found."""
    r = Reader(path, doc)
    data = doc.data
    if not isinstance(data, dict):
        r.problem((), None, "a flow file should be a mapping starting with 'version: 1'")
        return None, r.problems
    r.unknown_keys(data, FLOW_KEYS, (), None, "a flow file")
    _check_version_and_name(r, data, stem)
    name = stem  # the file name wins, so that other flows can still refer to this one
    title = r.text(data.get("title"), ("title",), None, "a short title")
    sources = _read_sources(r, data.get("sources"))
    start = r.name(data.get("start"), ("start",), None, "node name")
    nodes, broken = _read_nodes(r, stem, data.get("nodes"))
    reviewed = _read_date(r, data.get("reviewed"))
    if title is None or start is None:
        return None, r.problems
    flow = Flow(
        name,
        path,
        title,
        reviewed,
        tuple(sources),
        start,
        nodes,
        broken=frozenset(broken),
        reviewed_line=doc.line("reviewed"),
    )
    return flow, r.problems


def read_system(
    path: str, doc: Document, required: Mapping[str, str], context: str = "system"
) -> tuple[dict[str, Msg], list[Problem]]:
    """Read ``flows/system.yaml`` (the texts the code itself shows) or the desk's texts.

    ``context`` names the texts' set: ``system``, or ``desk`` for the desk's own texts.
    """
    r = Reader(path, doc)
    data = doc.data
    label = PurePath(path).name
    if not isinstance(data, dict):
        r.problem((), None, f"{label} should be a mapping with 'version: 1' and 'messages:'")
        return {}, r.problems
    r.unknown_keys(data, ("version", "reviewed", "messages", "replies"), (), None, label)
    messages = data.get("messages")
    if not isinstance(messages, dict):
        r.problem(("messages",), None, "'messages' should map each system text's key to its text")
        return {}, r.problems
    found: dict[str, Msg] = {}
    for key, value in messages.items():
        key = str(key)  # noqa: PLW2901 - YAML may give a number; messages need the text
        if key not in required:
            r.problem(
                ("messages", key),
                None,
                f"'{key}' is not a {context} text the helpline uses.{did_you_mean(key, required)}",
            )
            continue
        text = r.text(value, ("messages", key), None, "the text to show")
        if text:
            found[key] = Msg(f"{context}.{key}", text, doc.line("messages", key))
    for key, use in required.items():
        if key not in messages:
            r.problem(("messages",), None, f"missing the {context} text '{key}' ({use})")
    return found, r.problems


def read_replies(path: str, doc: Document) -> tuple[dict[str, Msg], list[Problem]]:
    """Read the union desk's canned replies: ``replies:`` in ``flows/system.yaml``.

    Each has a short name (what a volunteer types after ``/reply``) and an English text that
    is translated like every other; the desk sends it in the trainee's language.
    """
    r = Reader(path, doc)
    data = doc.data
    replies = data.get("replies", {}) if isinstance(data, dict) else {}
    if not isinstance(replies, dict):
        r.problem(("replies",), None, "'replies' should map each reply's short name to its text")
        return {}, r.problems
    found: dict[str, Msg] = {}
    for key, value in replies.items():
        name = r.name(str(key), ("replies", key), None, "reply name")
        text = r.text(value, ("replies", key), None, "the reply to send")
        if name and text:
            found[name] = Msg(f"reply.{name}", text, doc.line("replies", key))
    return found, r.problems


def read_desk_texts(path: str, doc: Document) -> tuple[dict[str, Msg], list[Problem]]:
    """Read the union desk's own texts; each must keep the placeholders its use names."""
    found, problems = read_system(path, doc, DESK_KEYS, "desk")
    for key, msg in found.items():
        needed = set(PLACEHOLDER.findall(DESK_KEYS[key]))
        used = set(PLACEHOLDER.findall(msg.text))
        if used != needed:
            wanted = ", ".join(f"{{{name}}}" for name in sorted(needed)) or "no placeholder"
            wrong = ", ".join(f"{{{name}}}" for name in sorted(used - needed))
            extra = f" ({wrong} is not one of them)" if wrong else ""
            message = f"the desk text '{key}' must use {wanted}{extra}"
            problems.append(Problem(path, msg.line, None, message))
    return found, problems
