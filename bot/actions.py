"""What an adapter must still do on Telegram: typed actions, queued in the outbox.

The service and the adapter's worker turn what was decided into these actions inside the unit
of work that decided it, so they are committed with the new state (``Unit.send_later``); the
sender carries them out afterwards and matches on their types. Serialising them to the outbox
happens in one place, at the storage edge (``bot.storage.outbox``).

Two queues keep their own order: each trainee's chat (actions with a ``chat``), and the union
desk's group (``DESK_QUEUE``: the actions in ``DESK_ACTIONS``), which also keeps Telegram's 20
messages a minute per group. Plain frozen dataclasses of ints and strings; no behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

DESK_QUEUE = "desk"
"""The outbox (and inbox) key of the union desk's group."""

Buttons: TypeAlias = tuple[tuple[str, str], ...]
"""Inline buttons as (label, data) pairs, one a row."""


# In a trainee's chat.


@dataclass(frozen=True, slots=True)
class Send:
    """Send a text (with buttons) to a chat.

    ``parting``: the neutral line a wipe leaves ("Goodbye."); a later sweep spares it.
    """

    chat: int
    text: str
    buttons: Buttons = ()
    parting: bool = False


@dataclass(frozen=True, slots=True)
class CopyOut:
    """Copy a volunteer's message from the desk's group to a trainee (no sender shown).

    ``caption`` replaces the copy's caption (a neutral first line, then the volunteer's);
    ``text`` is sent instead if the copy fails (a protected group, a deleted message, a kind
    of message that takes no caption).
    """

    chat: int
    message_id: int
    text: str | None = None
    caption: str | None = None


@dataclass(frozen=True, slots=True)
class Delete:
    """Delete some messages of a chat (a PIN or a code the trainee typed)."""

    chat: int
    ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class WipeChat:
    """Delete every message of the chat the ledger knows, both sides.

    ``sweep``: a chat left earlier (no conversation), swept by the clock: its parting line
    stays.
    """

    chat: int
    sweep: bool = False
    refused: str = ""
    """Sent if Telegram refuses the deletion: the chat could not be cleared (a neutral text)."""


# In the union desk's group.


@dataclass(frozen=True, slots=True)
class OpenTopic:
    """Open a case's topic (or tell it the trainee asked again), with its card and a ping."""

    case: str
    retry: bool = False
    """Queued by the reminder round after the group refused the topic (the trainee was told)."""


@dataclass(frozen=True, slots=True)
class RelayIn:
    """Pass a trainee's message into their case's topic: its text, or a copy of the media."""

    case: str
    chat: int
    message_id: int | None
    text: str | None = None
    caption: str | None = None


@dataclass(frozen=True, slots=True)
class Post:
    """Post a text (with buttons) in a case's topic (``GENERAL``: the group's General topic)."""

    thread: int
    text: str
    buttons: Buttons = ()


@dataclass(frozen=True, slots=True)
class Ping:
    """Mention volunteers (user id, name) in a case's topic, so Telegram notifies them."""

    thread: int
    people: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class CloseTopic:
    """Close a case's topic (the case is closed)."""

    thread: int


@dataclass(frozen=True, slots=True)
class ReopenTopic:
    """Open a closed case's topic again (the case was reopened)."""

    thread: int


@dataclass(frozen=True, slots=True)
class ForgetTopic:
    """Delete a deleted or purged case's topic, card and all."""

    thread: int


ChatAction: TypeAlias = Send | CopyOut | Delete | WipeChat
DeskAction: TypeAlias = OpenTopic | RelayIn | Post | Ping | CloseTopic | ReopenTopic | ForgetTopic
Action: TypeAlias = ChatAction | DeskAction
CHAT_ACTIONS: tuple[type[ChatAction], ...] = (Send, CopyOut, Delete, WipeChat)
DESK_ACTIONS: tuple[type[DeskAction], ...] = (
    OpenTopic,
    RelayIn,
    Post,
    Ping,
    CloseTopic,
    ReopenTopic,
    ForgetTopic,
)
GENERAL = 0
"""``Post.thread`` for the group's General topic (Telegram takes no thread id for it)."""
