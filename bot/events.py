"""What adapters hand the service: the events of a chat.

The service-level events (``Opened``, ``ResumeAsked``, ``DeleteAsked``, ``HelpAsked``) beside
the engine's (typed text, a pressed button, a command, media). What the service answers with is
``bot.effects``. Plain frozen dataclasses; no behaviour.
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
