"""Conversation tests that maintainers write: YAML transcripts in ``flows/tests/``.

A transcript is what a trainee does, turn by turn, and what the bot should answer::

    title: Monthly pay below the minimum wage in Aichi
    lang: vi                  # the language the conversation is in (for coverage)
    today: 2026-11-27         # the day the conversation happens (minimum wages depend on it)
    turns:
      - start: vi             # opens the chat; the value is Telegram's language code (or null)
      - press: Tiếng Việt     # a button, by its label or its number
      - type: "63000"         # typed text
        contains: [...]       # words the reply must contain (kept by --update)
        not_contains: [...]   # words it must not contain
        path: [...]           # nodes the engine went through (rewritten by --update)
        reply: |              # the whole reply (rewritten by --update)
      - command: menu         # menu, back, language, person, exit, resume, delete or help
      - media: sticker        # anything that is not text

``run`` replays a transcript through the real service (in memory) and reports differences;
``update`` rewrites ``path`` and ``reply``. Coverage counts the nodes reached per language.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot import engine
from bot.events import (
    DeleteAsked,
    DeskRequest,
    HelpAsked,
    Incoming,
    Opened,
    Outgoing,
    Reply,
    ResumeAsked,
    Scrub,
    Turn,
    Wipe,
)
from bot.flowdefs.model import FlowSet
from bot.flowdefs.yamlsafe import YamlRefused, load
from bot.service import Helpline

ACTIONS = ("start", "type", "press", "command", "media")
SERVICE_COMMANDS: dict[str, Incoming] = {
    "resume": ResumeAsked(),
    "delete": DeleteAsked(),
    "help": HelpAsked(),
}
CHECKS = ("contains", "not_contains", "path", "reply", "note")
CHAT = "transcript"


@dataclass(frozen=True, slots=True)
class Exchange:
    """One turn: an action and what to expect."""

    action: str
    value: str | None
    path: tuple[str, ...] | None = None
    reply: str | None = None
    contains: tuple[str, ...] = ()
    not_contains: tuple[str, ...] = ()
    note: str | None = None
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Transcript:
    """A whole conversation test."""

    path: Path
    title: str
    lang: str
    today: date
    steps: tuple[Exchange, ...]


class TranscriptError(ValueError):
    """A transcript file that cannot be read; the message names the file and line."""


def _strings(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return (str(value),)


def read(path: Path) -> Transcript:
    """Read a transcript file; raise ``TranscriptError`` with the line of any mistake."""
    try:
        doc = load(path.read_text(encoding="utf-8"))
    except YamlRefused as error:
        raise TranscriptError(f"{path}:{error.line}: {error.message}") from None
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("turns"), list):
        raise TranscriptError(f"{path}:1: a transcript needs 'lang', 'today' and 'turns'")
    if not isinstance(data.get("today"), date):
        raise TranscriptError(f"{path}:{doc.line('today')}: 'today' should be a date")
    steps = []
    for index, raw in enumerate(data["turns"]):
        line = doc.line("turns", index)
        if not isinstance(raw, dict):
            raise TranscriptError(f"{path}:{line}: each turn is a mapping like '- type: hello'")
        actions = [key for key in ACTIONS if key in raw]
        unknown = [key for key in raw if key not in ACTIONS + CHECKS]
        if len(actions) != 1 or unknown:
            raise TranscriptError(
                f"{path}:{line}: a turn has exactly one of "
                f"{', '.join(ACTIONS)} and may have {', '.join(CHECKS)}"
            )
        action = actions[0]
        value = raw[action]
        steps.append(
            Exchange(
                action,
                None if value is None else str(value),
                tuple(raw["path"]) if "path" in raw else None,
                raw.get("reply"),
                _strings(raw.get("contains")),
                _strings(raw.get("not_contains")),
                raw.get("note"),
                line,
            )
        )
    return Transcript(
        path,
        str(data.get("title", path.stem)),
        str(data.get("lang", "en")),
        data["today"],
        tuple(steps),
    )


def render(out: Iterable[Outgoing]) -> str:
    """Write what the bot sent as plain text: messages, then their buttons in brackets."""
    parts = []
    for item in out:
        match item:
            case Reply(text=text, buttons=buttons):
                parts.append("\n".join([text, *(f"[{label}]" for label, _ in buttons)]))
            case Wipe():
                parts.append("(the chat is wiped on both sides)")
            case Scrub():
                parts.append("(the message just sent is deleted)")
            case DeskRequest(urgent=urgent):
                parts.append(
                    f"(the union desk is asked to take over{': urgent' if urgent else ''})"
                )
    return "\n---\n".join(parts) + "\n"


@dataclass
class Outcome:
    """What replaying a transcript found."""

    transcript: Transcript
    failures: list[str] = field(default_factory=list)
    visited: set[str] = field(default_factory=set)
    actual: list[Exchange] = field(default_factory=list)
    final_lang: str | None = None


def _event(step: Exchange, last_buttons: tuple[tuple[str, str], ...]) -> Incoming | str:
    """Return the event for a step, or an error message."""
    match step.action:
        case "start":
            return Opened(step.value)
        case "type":
            return engine.TextEntered(step.value or "")
        case "media":
            return engine.MediaSent()
        case "command":
            if step.value in SERVICE_COMMANDS:
                return SERVICE_COMMANDS[step.value]
            try:
                return engine.CommandGiven(engine.Command(step.value or ""))
            except ValueError:
                names = [*engine.Command, *SERVICE_COMMANDS]
                return f"unknown command '{step.value}' (use {', '.join(names)})"
        case _:
            wanted = (step.value or "").strip()
            labels = [label for label, _ in last_buttons]
            if wanted.isdigit() and 1 <= int(wanted) <= len(last_buttons):
                return engine.ButtonPressed(last_buttons[int(wanted) - 1][1])
            for label, data in last_buttons:
                if label.strip() == wanted:
                    return engine.ButtonPressed(data)
            return f"no button '{wanted}' in the last message with buttons; it had {labels}"


def replay(helpline_factory: Callable[[date], Helpline], transcript: Transcript) -> Outcome:
    """Run a transcript through a fresh service and compare every turn."""
    helpline = helpline_factory(transcript.today)
    outcome = Outcome(transcript)
    last_buttons: tuple[tuple[str, str], ...] = ()
    for number, step in enumerate(transcript.steps, start=1):
        where = f"{transcript.path}:{step.line}: turn {number} ({step.action}"
        where += f" {step.value!r})" if step.value is not None else ")"
        event = _event(step, last_buttons)
        if isinstance(event, str):
            outcome.failures.append(f"{where}: {event}")
            outcome.actual.append(step)
            continue
        turn: Turn = helpline.handle(CHAT, event)
        outcome.visited.update(turn.path)
        for item in turn.out:
            if isinstance(item, Reply) and item.buttons:
                last_buttons = item.buttons
        text = render(turn.out)
        outcome.actual.append(replace(step, path=turn.path, reply=text))
        outcome.failures.extend(f"{where}: {problem}" for problem in _compare(step, turn, text))
    with helpline.records.unit() as unit:
        conversation = unit.conversation(CHAT)
    outcome.final_lang = conversation.lang if conversation else None
    if outcome.final_lang not in (None, transcript.lang):
        outcome.failures.append(
            f"{transcript.path}: the conversation ended in "
            f"'{outcome.final_lang}', but the transcript says lang: "
            f"{transcript.lang}"
        )
    return outcome


def _compare(step: Exchange, turn: Turn, text: str) -> list[str]:
    problems = []
    if step.path is not None and tuple(step.path) != turn.path:
        problems.append(
            f"the path differs:\n    expected {list(step.path)}\n    actual   {list(turn.path)}"
        )
    if step.reply is not None and step.reply != text:
        diff = difflib.unified_diff(
            step.reply.splitlines(), text.splitlines(), "expected", "actual", lineterm="", n=1
        )
        problems.append("the reply differs:\n    " + "\n    ".join(diff))
    problems.extend(
        f"the reply does not contain {wanted!r}" for wanted in step.contains if wanted not in text
    )
    problems.extend(
        f"the reply contains {unwanted!r}" for unwanted in step.not_contains if unwanted in text
    )
    return problems


class _Literal(str):
    """A string dumped in YAML's block style (|), which keeps replies readable."""


def _literal_representer(dumper: yaml.SafeDumper, value: _Literal) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Literal, _literal_representer)


def dump(transcript: Transcript, steps: Iterable[Exchange]) -> str:
    """Write a transcript file with the given steps (used by --update and --record)."""
    turns: list[dict[str, Any]] = []
    for step in steps:
        turn: dict[str, Any] = {step.action: step.value}
        if step.note:
            turn["note"] = step.note
        if step.contains:
            turn["contains"] = list(step.contains)
        if step.not_contains:
            turn["not_contains"] = list(step.not_contains)
        if step.path is not None:
            turn["path"] = list(step.path)
        if step.reply is not None:
            turn["reply"] = _Literal(step.reply)
        turns.append(turn)
    data = {
        "title": transcript.title,
        "lang": transcript.lang,
        "today": transcript.today,
        "turns": turns,
    }
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=99)


def coverage(
    flows: FlowSet, outcomes: Iterable[Outcome]
) -> Mapping[str, tuple[set[str], set[str]]]:
    """Return, per language, (nodes reached, nodes never reached) across all flows."""
    every = {f"{flow.name}.{nid}" for flow in flows.flows.values() for nid in flow.nodes}
    reached: dict[str, set[str]] = {}
    for outcome in outcomes:
        reached.setdefault(outcome.transcript.lang, set()).update(outcome.visited & every)
    return {lang: (nodes, every - nodes) for lang, nodes in sorted(reached.items())}
