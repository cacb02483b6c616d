"""Replaying transcripts through the real service (in memory), and node coverage."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from bot import engine
from bot.effects import DeskRequest, Outgoing, Reply, Scrub, Turn, Wipe
from bot.events import DeleteAsked, HelpAsked, Incoming, Opened, ResumeAsked
from bot.flowdefs.model import ButtonsNode, FlowSet, callback_data
from bot.service import Helpline
from bot.transcripts.format import ByLanguage, Exchange, Scenario, Transcript

SERVICE_COMMANDS: dict[str, Incoming] = {
    "resume": ResumeAsked(),
    "delete": DeleteAsked(),
    "help": HelpAsked(),
}
CHAT = "transcript"


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
    """What replaying a transcript in one language found."""

    transcript: Transcript
    failures: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    """Paths and replies that differ or are missing: ``--update`` rewrites them."""
    visited: set[str] = field(default_factory=set)
    actual: list[Exchange] = field(default_factory=list)
    paths: list[tuple[str, ...] | None] = field(default_factory=list)
    """The nodes each turn went through; None for a turn that could not be played."""
    final_lang: str | None = None
    pressed: set[str] = field(default_factory=set)
    """The flow buttons pressed (``<flow>.<node>.<index>``)."""


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
    helpline.desk_connected = helpline.desk_connected or transcript.desk
    outcome = Outcome(transcript)
    last_buttons: tuple[tuple[str, str], ...] = ()
    for number, step in enumerate(transcript.steps, start=1):
        where = f"{transcript.path}:{step.line}: turn {number} ({step.action}"
        where += f" {step.value!r})" if step.value is not None else ")"
        where += f" in {transcript.lang}"
        event = _event(step, last_buttons)
        if isinstance(event, str):
            outcome.failures.append(f"{where}: {event}")
            outcome.actual.append(step)
            outcome.paths.append(None)
            continue
        turn: Turn = helpline.handle(CHAT, event)
        outcome.visited.update(turn.path)
        if isinstance(event, engine.ButtonPressed):
            outcome.pressed.add(event.data)
        for item in turn.out:
            if isinstance(item, Reply) and item.buttons:
                last_buttons = item.buttons
        text = render(turn.out)
        outcome.actual.append(replace(step, path=turn.path, reply=text))
        outcome.paths.append(turn.path)
        outcome.stale.extend(f"{where}: {problem}" for problem in _stale(step, turn, text))
        outcome.failures.extend(f"{where}: {problem}" for problem in _unwanted(step, text))
    with helpline.records.unit() as unit:
        conversation = unit.conversation(CHAT)
    outcome.final_lang = conversation.lang if conversation else None
    if outcome.final_lang not in (None, transcript.lang):
        outcome.failures.append(
            f"{transcript.path}: the conversation ended in '{outcome.final_lang}', "
            f"but this run is in {transcript.lang}"
        )
    return outcome


def _stale(step: Exchange, turn: Turn, text: str) -> list[str]:
    """Return how the path and reply differ from what the bot did (``--update`` fixes these)."""
    problems = []
    if step.path is not None and tuple(step.path) != turn.path:
        problems.append(
            f"the path differs:\n    expected {list(step.path)}\n    actual   {list(turn.path)}"
        )
    if step.reply_missing:
        problems.append(
            "no reply is written for this language; write it, or let "
            "'helpline flows test --update' write it"
        )
    if step.reply is not None and step.reply != text:
        diff = difflib.unified_diff(
            step.reply.splitlines(), text.splitlines(), "expected", "actual", lineterm="", n=1
        )
        problems.append("the reply differs:\n    " + "\n    ".join(diff))
    return problems


def _unwanted(step: Exchange, text: str) -> list[str]:
    """Return the maintainer's checks (``contains``, ``not_contains``) that fail."""
    return [
        *(f"the reply does not contain {word!r}" for word in step.contains if word not in text),
        *(f"the reply contains {word!r}" for word in step.not_contains if word in text),
    ]


def coverage(
    flows: FlowSet, outcomes: Iterable[Outcome]
) -> Mapping[str, tuple[set[str], set[str]]]:
    """Return, per language, (nodes reached, nodes never reached) across all flows."""
    every = {f"{flow.name}.{nid}" for flow in flows.flows.values() for nid in flow.nodes}
    reached: dict[str, set[str]] = {}
    for outcome in outcomes:
        reached.setdefault(outcome.transcript.lang, set()).update(outcome.visited & every)
    return {lang: (nodes, every - nodes) for lang, nodes in sorted(reached.items())}


def button_coverage(
    flows: FlowSet, outcomes: Iterable[Outcome]
) -> Mapping[str, tuple[set[str], set[str]]]:
    """Return, per language, (buttons pressed, buttons never pressed), as ``flow.node.index``."""
    every = {
        callback_data(flow.name, node.id, index)
        for flow in flows.flows.values()
        for node in flow.nodes.values()
        if isinstance(node, ButtonsNode)
        for index in range(len(node.buttons))
    }
    pressed: dict[str, set[str]] = {}
    for outcome in outcomes:
        pressed.setdefault(outcome.transcript.lang, set()).update(outcome.pressed & every)
    return {lang: (done, every - done) for lang, done in sorted(pressed.items())}


@dataclass
class Result:
    """What running a scenario in each of its languages found."""

    scenario: Scenario
    outcomes: list[Outcome]
    failures: list[str] = field(default_factory=list)
    """Problems of the scenario as a whole: the languages going different ways."""

    def problems(self, *, updating: bool = False) -> list[str]:
        """Return every problem, language by language; when updating, not the stale ones."""
        found = list(self.failures)
        for outcome in self.outcomes:
            found += outcome.failures if updating else outcome.failures + outcome.stale
        return found

    def updated(self) -> Scenario:
        """Return the scenario with the path and replies the bot gave (for ``--update``)."""
        steps = []
        for index, step in enumerate(self.scenario.steps):
            replies = {
                outcome.transcript.lang: reply
                for outcome in self.outcomes
                if (reply := outcome.actual[index].reply) is not None
            }
            once = len(replies) == len(self.outcomes) and len(set(replies.values())) == 1
            played = [o.paths[index] for o in self.outcomes if o.paths[index] is not None]
            steps.append(
                replace(
                    step,
                    path=played[0] if played else step.path,
                    reply=ByLanguage(replies, once) if replies else None,
                )
            )
        return replace(self.scenario, steps=tuple(steps))


def run(helpline_factory: Callable[[date], Helpline], scenario: Scenario) -> Result:
    """Replay a scenario in each of its languages, each in a fresh service."""
    outcomes = [
        replay(helpline_factory, scenario.in_language(lang)) for lang in scenario.languages
    ]
    result = Result(scenario, outcomes)
    for number, step in enumerate(scenario.steps, start=1):
        paths = {
            outcome.transcript.lang: outcome.paths[number - 1]
            for outcome in outcomes
            if outcome.paths[number - 1] is not None
        }
        if len(set(paths.values())) > 1:
            ways = "\n".join(f"    {lang:8} {list(path or ())}" for lang, path in paths.items())
            result.failures.append(
                f"{scenario.path}:{step.line}: turn {number} ({step.action}): the languages "
                f"went different ways; a path is the same in every language, so split the "
                f"scenario by 'languages' if this is meant:\n{ways}"
            )
    return result
