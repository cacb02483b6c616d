"""Reading and writing transcript files; the format is described in ``bot.transcripts``.

``read`` turns a file into a ``Scenario`` (turns written once, values per language);
``Scenario.in_language`` gives the plain conversation of one language (a ``Transcript`` of
``Exchange`` turns) that the runner replays; ``dump`` writes a scenario back in the same shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

from bot.flowdefs.yamlsafe import Document, YamlRefused, load
from bot.i18n.locales import LANGUAGES

ACTIONS = ("start", "type", "press", "command", "media")
CHECKS = ("note", "contains", "not_contains", "path", "reply")
HEADER = ("title", "today", "languages", "desk", "turns")

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class ByLanguage(Generic[V]):
    """A value written once for every language (``once``), or once per language.

    ``values`` maps each language to its value; a value written per language may leave some
    languages out (a reply not written yet, words checked in one language only).
    """

    values: Mapping[str, V]
    once: bool = True

    @staticmethod
    def same(value: V, languages: Iterable[str]) -> ByLanguage[V]:
        """Return ``value`` for every language, written once."""
        return ByLanguage(dict.fromkeys(languages, value))


@dataclass(frozen=True, slots=True)
class Exchange:
    """One turn in one language: an action and what to expect."""

    action: str
    value: str | None
    path: tuple[str, ...] | None = None
    reply: str | None = None
    contains: tuple[str, ...] = ()
    not_contains: tuple[str, ...] = ()
    note: str | None = None
    line: int = field(default=0, compare=False)
    reply_missing: bool = field(default=False, compare=False)
    """The file gives replies per language, but none for this language."""


@dataclass(frozen=True, slots=True)
class Transcript:
    """A whole conversation in one language, as the runner replays it."""

    path: Path
    title: str
    lang: str
    today: date
    steps: tuple[Exchange, ...]
    desk: bool = False
    """The union desk is connected, so a handoff puts the chat at the desk."""


@dataclass(frozen=True, slots=True)
class Step:
    """One turn of a scenario: written once, with what differs by language per language."""

    action: str
    value: ByLanguage[str | None]
    path: tuple[str, ...] | None = None
    reply: ByLanguage[str] | None = None
    contains: ByLanguage[tuple[str, ...]] = field(default_factory=lambda: ByLanguage({}))
    not_contains: ByLanguage[tuple[str, ...]] = field(default_factory=lambda: ByLanguage({}))
    note: str | None = None
    line: int = field(default=0, compare=False)

    def in_language(self, lang: str) -> Exchange:
        """Return this turn as ``lang`` sees it."""
        reply = None if self.reply is None else self.reply.values.get(lang)
        return Exchange(
            self.action,
            self.value.values[lang],
            self.path,
            reply,
            self.contains.values.get(lang, ()),
            self.not_contains.values.get(lang, ()),
            self.note,
            self.line,
            reply_missing=self.reply is not None and reply is None,
        )


@dataclass(frozen=True, slots=True)
class Scenario:
    """A conversation test: its turns once, run in each of its languages."""

    path: Path
    title: str
    today: date
    languages: tuple[str, ...]
    steps: tuple[Step, ...]
    desk: bool = False
    """``desk: true``: the union desk is connected (a handoff puts the chat at the desk)."""

    def in_language(self, lang: str) -> Transcript:
        """Return the conversation as it goes in ``lang``."""
        steps = tuple(step.in_language(lang) for step in self.steps)
        return Transcript(self.path, self.title, lang, self.today, steps, self.desk)


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


def _text(value: object) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class _Reader:
    """Reads one file; every mistake is raised with the file and line."""

    path: Path
    doc: Document
    languages: tuple[str, ...] = ()

    def fail(self, line: int, message: str) -> TranscriptError:
        return TranscriptError(f"{self.path}:{line}: {message}")

    def header(self) -> tuple[str, date, tuple[str, ...]]:
        data = self.doc.data
        if not isinstance(data, dict) or not isinstance(data.get("turns"), list):
            raise self.fail(1, "a transcript needs 'title', 'today', 'languages' and 'turns'")
        for key in data:
            if key not in HEADER:
                hint = " (the old one-language format: list it under 'languages')"
                raise self.fail(
                    self.doc.line(key),
                    f"unknown key '{key}'{hint if key == 'lang' else ''}; "
                    f"a transcript has {', '.join(HEADER)}",
                )
        if not isinstance(data.get("today"), date):
            raise self.fail(self.doc.line("today"), "'today' should be a date like 2026-11-27")
        languages = data.get("languages")
        if not isinstance(languages, list) or not languages:
            raise self.fail(
                self.doc.line("languages"),
                "'languages' lists the languages to run the turns in, "
                f"like [{', '.join(LANGUAGES)}]",
            )
        for index, lang in enumerate(languages):
            if lang not in LANGUAGES or languages.index(lang) != index:
                raise self.fail(
                    self.doc.line("languages", index),
                    f"'{lang}' is not a helpline language, or is listed twice "
                    f"(the languages are {', '.join(LANGUAGES)})",
                )
        return str(data.get("title", self.path.stem)), data["today"], tuple(languages)

    def by_language(
        self, at: tuple[str | int, ...], raw: object, convert: Callable[[object], V], every: bool
    ) -> ByLanguage[V]:
        """Read a value written once, or per language (a mapping whose keys are languages)."""
        if not isinstance(raw, dict):
            return ByLanguage.same(convert(raw), self.languages)
        for lang in raw:
            if lang not in self.languages:
                raise self.fail(
                    self.doc.line(*at, lang),
                    f"turn {int(at[1]) + 1}: '{at[-1]}' is given for '{lang}', but this "
                    f"transcript runs in {', '.join(self.languages)} (see 'languages' at the top)",
                )
        missing = [lang for lang in self.languages if lang not in raw]
        if every and missing:
            raise self.fail(
                self.doc.line(*at),
                f"turn {int(at[1]) + 1}: '{at[-1]}' has no value for {', '.join(missing)}; "
                "give one for each language, or one value for all",
            )
        values = {lang: convert(raw[lang]) for lang in self.languages if lang in raw}
        return ByLanguage(values, once=False)

    def step(self, index: int, raw: object) -> Step:
        line = self.doc.line("turns", index)
        if not isinstance(raw, dict):
            raise self.fail(line, f"turn {index + 1}: a turn is a mapping like '- type: hello'")
        actions = [key for key in ACTIONS if key in raw]
        unknown = [key for key in raw if key not in ACTIONS + CHECKS]
        if len(actions) != 1 or unknown:
            raise self.fail(
                line,
                f"turn {index + 1}: a turn has exactly one of {', '.join(ACTIONS)} "
                f"and may have {', '.join(CHECKS)}",
            )
        at = ("turns", index)
        path = raw.get("path")
        if path is not None and not isinstance(path, list):
            raise self.fail(
                self.doc.line(*at, "path"),
                f"turn {index + 1}: 'path' is one list of nodes, the same in every language",
            )
        reply = raw.get("reply")
        if isinstance(reply, dict):  # a language left empty has no reply yet
            reply = {lang: text for lang, text in reply.items() if text is not None}
        return Step(
            actions[0],
            self.by_language((*at, actions[0]), raw[actions[0]], _text, every=True),
            None if path is None else tuple(str(node) for node in path),
            None if reply is None else self.by_language((*at, "reply"), reply, str, every=False),
            self.by_language((*at, "contains"), raw.get("contains"), _strings, every=False),
            self.by_language(
                (*at, "not_contains"), raw.get("not_contains"), _strings, every=False
            ),
            _text(raw.get("note")),
            line,
        )


def read(path: Path) -> Scenario:
    """Read a transcript file; raise ``TranscriptError`` with the line of any mistake."""
    try:
        doc = load(path.read_text(encoding="utf-8"))
    except YamlRefused as error:
        raise TranscriptError(f"{path}:{error.line}: {error.message}") from None
    title, today, languages = _Reader(path, doc).header()
    reader = _Reader(path, doc, languages)
    steps = tuple(reader.step(index, raw) for index, raw in enumerate(doc.data["turns"]))
    return Scenario(path, title, today, languages, steps, doc.data.get("desk") is True)


def scenario_of(
    path: Path, title: str, lang: str, today: date, exchanges: Iterable[Exchange]
) -> Scenario:
    """Return a one-language scenario made of ``exchanges`` (a recorded conversation)."""
    languages = (lang,)
    steps = tuple(
        Step(
            step.action,
            ByLanguage.same(step.value, languages),
            step.path,
            None if step.reply is None else ByLanguage.same(step.reply, languages),
            ByLanguage.same(step.contains, languages),
            ByLanguage.same(step.not_contains, languages),
            step.note,
            step.line,
        )
        for step in exchanges
    )
    return Scenario(path, title, today, languages, steps)


class _Literal(str):
    """A string dumped in YAML's block style (|), which keeps replies readable."""


class _Flow(list[str]):
    """A list dumped on one line, like [en, vi]."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    _Literal, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", v, style="|")
)
_Dumper.add_representer(
    _Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)


def _written(value: ByLanguage[V], convert: Callable[[V], object]) -> object:
    """Return ``value`` as it goes in the file: once, or a mapping by language."""
    if value.once:
        return convert(next(iter(value.values.values())))
    return {lang: convert(item) for lang, item in value.values.items()}


def _turn(step: Step) -> dict[str, Any]:
    turn: dict[str, Any] = {step.action: _written(step.value, lambda v: v)}
    if step.note:
        turn["note"] = step.note
    for key, words in (("contains", step.contains), ("not_contains", step.not_contains)):
        if any(words.values.values()):
            turn[key] = _written(words, list)
    if step.path is not None:
        turn["path"] = list(step.path)
    if step.reply is not None and step.reply.values:
        turn["reply"] = _written(step.reply, _Literal)
    return turn


def dump(scenario: Scenario) -> str:
    """Write a transcript file (used by --update and --record)."""
    data = {
        "title": scenario.title,
        "today": scenario.today,
        "languages": _Flow(scenario.languages),
        **({"desk": True} if scenario.desk else {}),
        "turns": [_turn(step) for step in scenario.steps],
    }
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=99)
