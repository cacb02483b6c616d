"""The engine's vocabulary: events in, effects out, and the state a conversation rests in.

Plain frozen data and nothing else: no logic, no I/O, no clock, no randomness, no logging. This
module may import only the standard library, ``bot.flowdefs.model`` (for ``Msg``) and
``bot.values``; it never imports ``bot.engine.run``, so anything may import it (the service, the
storage codecs, the transcripts) without pulling in the runner.

Names: events say what happened (``TextEntered``); effects say what to do, in short imperative
words (``Say``, ``Handoff``, ``End``). The flow nodes that lead to them carry a ``Node`` suffix
(``m.HandoffNode``, ``m.EndNode``), so a ``Handoff`` here is always the effect. The effect that
asks for a log line is ``LogEvent``, not ``Flag``: ``bot.values.Flag`` is the yes/no result a
calculator returns, and keeps its name along with its kind ``flag``, which saved conversations
carry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeAlias

from bot.effects import Wipe
from bot.flowdefs import model as m
from bot.values import Kind, Value


class Command(StrEnum):
    """Commands that work from every node."""

    MENU = "menu"
    BACK = "back"
    LANGUAGE = "language"
    PERSON = "person"
    EXIT = "exit"


# Events: what happened.


@dataclass(frozen=True, slots=True)
class Started:
    """The trainee opened the chat or sent /start."""


@dataclass(frozen=True, slots=True)
class TextEntered:
    """The trainee typed something."""

    text: str


@dataclass(frozen=True, slots=True)
class ButtonPressed:
    """The trainee pressed a button carrying ``data``."""

    data: str


@dataclass(frozen=True, slots=True)
class CommandGiven:
    """The trainee gave one of the global commands."""

    command: Command


@dataclass(frozen=True, slots=True)
class Repeat:
    """Show the current question again (after a language change)."""


@dataclass(frozen=True, slots=True)
class MediaSent:
    """A sticker, photo, voice message, file or anything else that is not text arrived."""

    copyable: bool = False
    """The union desk may receive a copy of it (a photo or file: never a contact or location)."""


@dataclass(frozen=True, slots=True)
class GoTo:
    """The trainee tapped a suggestion made from what they typed: go on from ``flow.node``.

    The service makes these from ``flows/data/triggers.yaml``, only after a tap: the engine
    never jumps on typed text by itself.
    """

    flow: str
    node: str


Event: TypeAlias = Started | TextEntered | ButtonPressed | CommandGiven | Repeat | MediaSent | GoTo

# Effects: what should happen.


@dataclass(frozen=True, slots=True)
class ButtonOut:
    """A button to show: its label and the data it sends back."""

    label: m.Msg
    data: str


@dataclass(frozen=True, slots=True)
class Say:
    """Show a text (with buttons, or expecting typed input of a kind)."""

    text: m.Msg
    params: Mapping[str, Value] = field(default_factory=dict)
    buttons: tuple[ButtonOut, ...] = ()
    expects: Kind | None = None
    node: str = ""
    """``<flow>.<node>`` that said it (empty for system texts); transcripts record the path."""


@dataclass(frozen=True, slots=True)
class ChooseLanguage:
    """Show the language picker."""


@dataclass(frozen=True, slots=True)
class Handoff:
    """Ask the union desk to take over; ``reason`` is asked, flow or danger."""

    urgent: bool
    reason: str
    flow: str
    node: str


@dataclass(frozen=True, slots=True)
class End:
    """The conversation is over; forget what it held."""


@dataclass(frozen=True, slots=True)
class LogEvent:
    """Log an event by its name, never content: something worth knowing happened.

    ``serious`` marks a fault in the flows (a loop, a missing node, a failed calculator) that a
    maintainer must look at; the others are ordinary events (a stale button, a danger answer).
    """

    event: str
    serious: bool = False


Effect: TypeAlias = Say | ChooseLanguage | Handoff | Wipe | End | LogEvent
"""``Wipe`` is the service's own (``bot.effects``): the engine asks for the same wipe."""


@dataclass(frozen=True, slots=True)
class State:
    """Where a conversation rests (always a question) and what it has been told."""

    flow: str
    node: str
    answers: Mapping[str, Value] = field(default_factory=dict)
    """Answers and results by ``<flow>.<variable>``."""
    trail: tuple[tuple[str, str], ...] = ()
    """Earlier questions, oldest first, for /back."""


@dataclass(frozen=True, slots=True)
class Step:
    """The result of one event: the new state (None when the conversation ended) and effects."""

    state: State | None
    effects: tuple[Effect, ...]
    path: tuple[str, ...] = ()
    """``<flow>.<node>`` of every node run or shown, in order (for transcripts and coverage)."""
