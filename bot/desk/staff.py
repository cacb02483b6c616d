"""Reading what happens in the desk's group: who may act, and what a message asks for.

Only the allowlisted volunteers (``HELPLINE_STAFF_USER_IDS``) act, and only in the desk's
group. Refused, each with an audit row: anyone else; the anonymous group admin and Telegram's
own service account; posts on behalf of a channel or the group; bots; the right people in the
wrong chat (goal A1). A message from a volunteer in a case's topic is then one of:

* a command: ``/claim``, ``/unclaim``, ``/close``, ``/note``, ``/reply NAME``, ``/card``
  (commands are never relayed, unknown ones neither);
* an internal note: text starting with ``!`` (or the full-width ``！``), and ``/note``:
  never relayed;
* a reply: relayed to the trainee without the volunteer's name.

Pure: the adapter fills in ``StaffMessage`` from the Telegram update.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

ANONYMOUS_ADMIN = 1087968824
"""The user id Telegram shows for "anonymous" group admins."""
TELEGRAM_SERVICE = 777000
"""Telegram's own account (channel posts forwarded into groups, service notices)."""
COMMANDS = ("claim", "unclaim", "close", "note", "reply", "card")


class Refused(StrEnum):
    """Why a message or press in a group is not acted on."""

    WRONG_CHAT = "wrong_chat"
    ANONYMOUS = "anonymous"
    SENDER_CHAT = "sender_chat"
    BOT = "bot"
    NOT_STAFF = "not_staff"


@dataclass(frozen=True, slots=True)
class StaffMessage:
    """A message (or button press) in a group, as far as the desk cares."""

    chat_id: int
    sender_id: int | None
    sender_is_bot: bool = False
    on_behalf_of_chat: bool = False
    thread_id: int | None = None
    message_id: int = 0
    text: str | None = None
    media: bool = False
    """A photo, file or voice message (its caption, if any, is ``text``)."""


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with a staff message."""

    kind: str  # "refuse", "command", "internal", "relay", "ignore"
    refused: Refused | None = None
    command: str = ""
    argument: str = ""


def allowed(message: StaffMessage, desk_chat: int, staff: frozenset[int]) -> Refused | None:
    """Return why the sender may not act here, or None if they may."""
    if message.chat_id != desk_chat:
        return Refused.WRONG_CHAT
    if message.on_behalf_of_chat:
        return Refused.SENDER_CHAT
    if message.sender_id in (None, ANONYMOUS_ADMIN, TELEGRAM_SERVICE):
        return Refused.ANONYMOUS
    if message.sender_is_bot:
        return Refused.BOT
    if message.sender_id not in staff:
        return Refused.NOT_STAFF
    return None


def decide(
    message: StaffMessage, desk_chat: int, staff: frozenset[int], bot_username: str | None
) -> Decision:
    """Decide what a message in a group is."""
    refused = allowed(message, desk_chat, staff)
    if refused is not None:
        return Decision("refuse", refused)
    if message.thread_id is None:
        return Decision("ignore")  # the group's general chat: not a case
    # Japanese keyboards type "！" and "／": NFKC reads them as "!" and "/", and invisible
    # characters in front must not turn a note into a reply (a note must never leak).
    text = unicodedata.normalize("NFKC", message.text or "")
    text = "".join(c for c in text if unicodedata.category(c) != "Cf").strip()
    if text.startswith("!"):
        return Decision("internal")
    if text.startswith("/"):
        word, _, argument = text[1:].partition(" ")
        name, _, addressee = word.partition("@")
        if addressee and bot_username and addressee.lower() != bot_username.lower():
            return Decision("internal")  # a command for another bot
        name = name.lower()
        if name == "note" or name not in COMMANDS:
            return Decision("internal")
        return Decision("command", command=name, argument=argument.strip())
    return Decision("relay")
