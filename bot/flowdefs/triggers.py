"""Read and check ``flows/data/triggers.yaml``: what typed text may lead to, and danger words.

``read_triggers`` turns the file into ``Triggers`` (every problem with its line, nothing stops
at the first mistake); ``check_triggers`` checks it against the flows: a target that leads to an
unknown node or command, an empty or missing language, a phrase listed for two targets (after
the matcher's normalisation, so "hộ chiếu" and "ho chieu" are the same phrase), a target no
button names. ``label_for`` finds the button label a suggestion shows: the label of a button
that leads to the target's node (through a jump when the node starts a flow), so the suggestion
reads like the menu and is translated already. Pure: no I/O, no logging.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bot.flowdefs import model as m
from bot.flowdefs.problems import Problem, did_you_mean
from bot.flowdefs.yamlsafe import Document
from bot.matching.normalize import normalize

COMMANDS = {"exit": "exit", "delete": "delete", "menu": "menu"}
"""The commands a target may stand for (the same as /exit, /delete and /menu). A ``menu``
target catches small talk ("hello", "thanks"): text most like it is treated as matching
nothing, so it gets the menu rather than a wrong guess."""
COMMAND_LABELS = {"delete": "command_delete", "menu": "suggest_other"}
"""The system text that labels a command's suggestion; exit uses the menu's exit button."""
TARGET_KEYS = ("go", "command", "phrases")
TARGET_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
"""A target's name goes into a suggestion button's data (Telegram allows 64 bytes)."""


Phrases = tuple[dict[str, tuple[str, ...]], dict[str, int]]


def _phrases(path: str, doc: Document, name: str, raw: Any) -> tuple[Phrases, list[Problem]]:
    problems: list[Problem] = []
    found: dict[str, tuple[str, ...]] = {}
    lines: dict[str, int] = {}
    if not isinstance(raw, dict):
        line = doc.line("targets", name)
        problem = Problem(path, line, None, f"target '{name}' needs 'phrases' by language")
        return ({}, {}), [problem]
    for lang, items in raw.items():
        line = doc.line("targets", name, "phrases", lang)
        if lang not in m.TRIGGER_LANGUAGES:
            known = ", ".join(m.TRIGGER_LANGUAGES)
            problems.append(Problem(path, line, None, f"unknown language '{lang}' (use {known})"))
            continue
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            problems.append(Problem(path, line, None, f"'{lang}' should be a list of phrases"))
            continue
        found[str(lang)] = tuple(i.strip() for i in items if i.strip())
        for index, item in enumerate(items):
            lines[f"{lang}:{item.strip()}"] = doc.line("targets", name, "phrases", lang, index)
    return (found, lines), problems


def _target(
    path: str, doc: Document, name: str, raw: Any
) -> tuple[m.Target | None, list[Problem]]:
    line = doc.line("targets", name)
    if not isinstance(raw, dict):
        return None, [Problem(path, line, None, f"target '{name}' should be a mapping")]
    problems = [
        Problem(
            path, doc.line("targets", name, key), None, f"unknown key '{key}' in target '{name}'"
        )
        for key in raw
        if key not in TARGET_KEYS
    ]
    go, command = raw.get("go", ""), raw.get("command", "")
    if not isinstance(go, str) or not isinstance(command, str) or bool(go) == bool(command):
        problems.append(
            Problem(
                path, line, None, f"target '{name}' needs either 'go: <flow>.<node>' or 'command'"
            )
        )
        return None, problems
    (phrases, lines), found = _phrases(path, doc, name, raw.get("phrases"))
    return m.Target(str(name), go, command, phrases, line, lines), problems + found


def read_triggers(path: str, doc: Document) -> tuple[m.Triggers, list[Problem]]:
    """Read ``triggers.yaml``."""
    data = doc.data if isinstance(doc.data, dict) else {}
    raw_targets = data.get("targets")
    if not isinstance(raw_targets, dict):
        return m.Triggers(path=path), [Problem(path, 1, None, "'targets' should be a mapping")]
    problems: list[Problem] = []
    targets: dict[str, m.Target] = {}
    for name, raw in raw_targets.items():
        target, found = _target(path, doc, str(name), raw)
        problems += found
        if target is not None:
            targets[target.name] = target
    words: dict[str, tuple[str, ...]] = {}
    raw_words = data.get("danger_words")
    if not isinstance(raw_words, dict):
        problems.append(Problem(path, 1, None, "'danger_words' should list words by language"))
    else:
        for lang, items in raw_words.items():
            if lang in m.TRIGGER_LANGUAGES and isinstance(items, list):
                words[str(lang)] = tuple(str(i) for i in items)
    return m.Triggers(targets, words, path), problems


def _leads_to(flows: m.FlowSet, flow: str, node: str) -> Iterator[m.Msg]:
    """Labels of buttons that lead to ``flow.node`` (directly, or by a jump to its flow)."""
    starts = flows.flows[flow].start == node if flow in flows.flows else False
    order = [m.MENU_FLOW, flow, *sorted(flows.flows)]
    for name in dict.fromkeys(order):
        found = flows.flows.get(name)
        if found is None:
            continue
        for each in found.nodes.values():
            if not isinstance(each, m.ButtonsNode):
                continue
            for button in each.buttons:
                target = found.nodes.get(button.next or "")
                jumps = isinstance(target, m.JumpNode) and target.flow == flow and starts
                if (name == flow and button.next == node) or jumps:
                    yield button.label


def label_for(flows: m.FlowSet, target: m.Target) -> m.Msg | None:
    """The text of a suggestion's button for ``target``, or None if nothing names it."""
    if target.command == "exit":
        menu = flows.flows.get(m.MENU_FLOW)
        nodes = menu.nodes.values() if menu else ()
        buttons = (b for n in nodes if isinstance(n, m.ButtonsNode) for b in n.buttons)
        return next((b.label for b in buttons if b.exit), None)
    if target.command:
        return flows.system.get(COMMAND_LABELS.get(target.command, ""))
    flow, _, node = target.go.partition(".")
    return next(_leads_to(flows, flow, node), None)


def _check_target(flows: m.FlowSet, triggers: m.Triggers, target: m.Target) -> list[Problem]:
    path, line, name = triggers.path, target.line, target.name
    problems: list[Problem] = []
    if not TARGET_NAME.match(name):
        message = f"target '{name}': use lower-case letters, digits and _ (at most 40)"
        problems.append(Problem(path, line, None, message))
    if target.command and target.command not in COMMANDS:
        problems.append(
            Problem(
                path,
                line,
                None,
                f"target '{name}': unknown command '{target.command}'."
                + did_you_mean(target.command, COMMANDS),
            )
        )
    if target.go:
        flow, _, node = target.go.partition(".")
        if flows.node(flow, node) is None:
            known = [f"{f.name}.{n}" for f in flows.flows.values() for n in f.nodes]
            problems.append(
                Problem(
                    path,
                    line,
                    None,
                    f"target '{name}' leads to an unknown node '{target.go}'."
                    + did_you_mean(target.go, known),
                )
            )
        elif label_for(flows, target) is None:
            problems.append(
                Problem(
                    path,
                    line,
                    None,
                    f"target '{name}': no button leads to '{target.go}'"
                    ", so its suggestion would have no label",
                )
            )
    for lang in m.TRIGGER_LANGUAGES:
        if not target.phrases.get(lang):
            problems.append(
                Problem(path, line, None, f"target '{name}' has no phrases in '{lang}'")
            )
    return problems


def check_triggers(flows: m.FlowSet) -> list[Problem]:
    """Check the triggers against the flows: nodes, languages, labels and shared phrases."""
    triggers = flows.triggers
    problems: list[Problem] = []
    owner: dict[str, str] = {}
    for target in triggers.targets.values():
        problems += _check_target(flows, triggers, target)
        for lang, phrases in target.phrases.items():
            for phrase in phrases:
                key = normalize(phrase)
                first = owner.setdefault(key, target.name)
                if first != target.name:
                    line = target.phrase_lines.get(f"{lang}:{phrase}", target.line)
                    problems.append(
                        Problem(
                            triggers.path,
                            line,
                            None,
                            f"the phrase '{phrase}' ({lang}) is listed for '{first}'"
                            f" and '{target.name}': keep it under one",
                        )
                    )
    for lang in m.TRIGGER_LANGUAGES:
        if triggers.targets and not triggers.danger_words.get(lang):
            problems.append(
                Problem(triggers.path, 1, None, f"'danger_words' has no words in '{lang}'")
            )
    return problems
