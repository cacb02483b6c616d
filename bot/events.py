"""What passes between the adapters and the service: events in, replies and orders out.

Incoming: the service-level events (``Opened``, ``ResumeAsked``, ``DeleteAsked``,
``HelpAsked``) beside the engine's (typed text, a pressed button, a command, media).
Outgoing: ``Reply`` (a text with buttons), ``Wipe`` (delete the chat on both sides),
``Scrub`` (delete the trainee's last message), and the union desk's: ``DeskRequest`` (the desk
should take over), ``Relay`` (pass the trainee's message on), ``Forward`` (a volunteer's reply
into the chat), ``DeskForget`` (remove a deleted case from the desk). Plain frozen
dataclasses; no behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from bot.engine import Event


@dataclass(frozen=True, slots=True)
class Opened:
    """A chat was opened (/start), with Telegram's language code if known."""

    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class ResumeAsked:
    """/resume: come back to a case with its code and PIN."""

    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class DeleteAsked:
    """/delete: destroy everything kept about this chat and its case."""

    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class HelpAsked:
    """/help: how the chat works."""


Incoming: TypeAlias = Opened | ResumeAsked | DeleteAsked | HelpAsked | Event


@dataclass(frozen=True, slots=True)
class Reply:
    """A message to send: text and buttons as (label, data) pairs."""

    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    node: str = ""
    """``<flow>.<node>`` that produced it, or ``system.<key>``; for transcripts, never sent."""


@dataclass(frozen=True, slots=True)
class Wipe:
    """Delete this conversation from the chat, both sides."""


@dataclass(frozen=True, slots=True)
class Scrub:
    """Delete the message the trainee just sent (it held a case code or a PIN)."""


@dataclass(frozen=True, slots=True)
class DeskRequest:
    """Ask the union desk to take over this chat's case."""

    urgent: bool
    reason: str
    case: str


@dataclass(frozen=True, slots=True)
class Relay:
    """Pass the trainee's message on to the volunteers of a case (``text`` None: not text)."""

    case: str
    text: str | None


@dataclass(frozen=True, slots=True)
class Forward:
    """A volunteer's reply into this chat: its text, or a desk message (photo, file) to copy."""

    text: str | None = None
    desk_message_id: int | None = None


@dataclass(frozen=True, slots=True)
class DeskForget:
    """Delete a deleted case's topic, card and all, from the desk's group."""

    thread_id: int


Outgoing: TypeAlias = Reply | Wipe | Scrub | DeskRequest | Relay | Forward | DeskForget


@dataclass(frozen=True, slots=True)
class Turn:
    """The result of one event: what to send, and the nodes the engine went through."""

    out: tuple[Outgoing, ...]
    path: tuple[str, ...] = ()
