"""The Babel extractor for flow files, registered as the ``helpline_flows`` entry point.

``pybabel extract -F babel.cfg`` and ``helpline i18n extract`` both call it. It yields every
text of a flow file (or of ``system.yaml``) as ``pgettext("<flow>.<node>", text)``, with a
translator comment saying what the text is and what each ``{placeholder}`` holds.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterator, Mapping
from pathlib import PurePath
from typing import IO, Any

from bot.flowdefs.check import variables_of
from bot.flowdefs.load import read_flow, read_replies, read_system
from bot.flowdefs.model import (
    AskNode,
    ButtonsNode,
    Flow,
    Msg,
    Node,
    placeholders,
    says,
)
from bot.flowdefs.texts_needed import SYSTEM_KEYS
from bot.flowdefs.yamlsafe import YamlRefused, load
from bot.values import Kind

KIND_WORDS = {
    Kind.YEN: "an amount in yen, formatted for the language (¥120,000)",
    Kind.NUMBER: "a number, formatted for the language",
    Kind.DATE: "a date, formatted for the language",
    Kind.PREFECTURE: "a prefecture's name in the language",
    Kind.TEXT: "the trainee's own words",
}

Extracted = tuple[int, str, tuple[str, str], list[str]]


def _placeholder_notes(text: str, kinds: Mapping[str, Kind]) -> list[str]:
    notes = []
    for name in dict.fromkeys(placeholders(text)):
        kind = kinds.get(name)
        notes.append(
            f"{{{name}}} is {KIND_WORDS.get(kind, 'a value') if kind else 'a value'}; "
            "keep it exactly as written"
        )
    return notes


def _node_notes(node: Node, msg: Msg) -> list[str]:
    if isinstance(node, ButtonsNode):
        if msg is node.say:
            return ["A question; buttons with the answers follow."]
        return ["A button label: keep it short, it must fit on a phone's button."]
    if isinstance(node, AskNode):
        if msg is node.retry:
            return ["Shown again when the answer could not be read."]
        return [f"A question; the trainee types {KIND_WORDS[node.kind].split(',')[0]}."]
    return []


def flow_messages(flow: Flow) -> Iterator[tuple[Msg, list[str]]]:
    """Yield each text of a flow with its translator notes, in file order."""
    kinds = {name: info.kind for name, info in variables_of(flow).items()}
    items = [
        (msg, _node_notes(node, msg) + _placeholder_notes(msg.text, kinds))
        for node in flow.nodes.values()
        for msg in says(node)
    ]
    yield from sorted(items, key=lambda item: item[0].line)


def system_messages(system: Mapping[str, Msg]) -> Iterator[tuple[Msg, list[str]]]:
    """Yield each system text with a note on when it is shown."""
    for key, msg in system.items():
        yield msg, [f"System text: {SYSTEM_KEYS[key]}."]


def extract_flows(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    """Babel extractor: yield ``(line, "pgettext", (context, text), notes)`` for a flow file."""
    del keywords, comment_tags, options  # flow files have no source code to search
    name = PurePath(getattr(fileobj, "name", "flow.yaml"))
    try:
        doc = load(fileobj.read().decode("utf-8"))
    except (YamlRefused, UnicodeDecodeError):
        return  # `helpline flows check` reports it; extraction just skips the file
    if name.name == "system.yaml":
        system, _ = read_system(str(name), doc, SYSTEM_KEYS)
        replies, _ = read_replies(str(name), doc)
        pairs: Iterator[tuple[Msg, list[str]]] = itertools.chain(
            system_messages(system),
            (
                (msg, [f"A volunteer's ready-made reply (/reply {key})."])
                for key, msg in replies.items()
            ),
        )
    else:
        flow, _ = read_flow(str(name), name.stem, doc)
        if flow is None:
            return
        pairs = flow_messages(flow)
    for msg, notes in pairs:
        yield msg.line, "pgettext", (msg.context, msg.text), notes
