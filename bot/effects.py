"""What the service answers a chat with: replies and orders, relative to that chat.

``Reply`` (a text with buttons), ``Wipe`` (delete the chat on both sides; the engine asks for it
too, when a trainee exits), ``Scrub`` (delete the trainee's last message), and the union desk's:
``DeskRequest`` (the desk should take over), ``Relay`` (pass the trainee's message on),
``Forward`` (a volunteer's reply into the chat), ``DeskForget`` (remove a deleted case from the
desk). An adapter turns them into what its channel needs (the Telegram adapter: the typed
outbox actions of ``bot.actions``). Plain frozen dataclasses; no behaviour; imports nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias


@dataclass(frozen=True, slots=True)
class Reply:
    """A message to send: text and buttons as (label, data) pairs."""

    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    node: str = ""
    """``<flow>.<node>`` that produced it, or ``system.<key>``; for transcripts, never sent."""


@dataclass(frozen=True, slots=True)
class Wipe:
    """Delete this conversation from the chat, both sides.

    ``refused``: what to tell the trainee if Telegram refuses (delete the chat by hand).
    """

    refused: str = ""


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
