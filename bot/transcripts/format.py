"""Reading and writing transcript files; the format is described in ``bot.transcripts``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.flowdefs.yamlsafe import YamlRefused, load

ACTIONS = ("start", "type", "press", "command", "media")
CHECKS = ("contains", "not_contains", "path", "reply", "note")


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
