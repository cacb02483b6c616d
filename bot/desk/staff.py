"""Reading what happens in the desk's group: who may act, and what a message asks for.

Only the allowlisted volunteers (``HELPLINE_STAFF_USER_IDS``) act, and only in the desk's
group. Refused, each with an audit row: anyone else; the anonymous group admin and Telegram's
own service account; posts on behalf of a channel or the group; bots; the right people in the
wrong chat (goal A1). In the group's General topic only ``GENERAL_COMMANDS`` are read (the
rest is the volunteers' talk). A message from a volunteer in a case's topic is then one of:

* a command: ``/claim``, ``/unclaim``, ``/close``, ``/note``, ``/reply NAME``, ``/card``, and
  the day-one ones (``NEW_COMMANDS``) (commands are never relayed, unknown ones neither);
* an internal note: text starting with ``!`` (or the full-width ``！``), and ``/note``:
  never relayed. What comes before it that nobody can see does not count: every default
  ignorable code point (Unicode's ``Default_Ignorable_Code_Point``: zero-width characters, the
  combining grapheme joiner, variation selectors, tags, fillers), whitespace of any kind, other
  format, control, private-use and unassigned characters, combining marks with nothing to sit
  on, and blank-looking symbols (the braille blank);
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
NEW_COMMANDS = ("handover", "reopen", "cases", "away", "back", "mute", "unmute", "help", "preview")
"""The day-one commands (``bot.service.desk_commands``)."""
GENERAL_COMMANDS = ("cases", "help", "away", "back", "preview", "reopen", "mute", "unmute")
"""Commands that also work in the group's General topic (the others need a case's topic)."""
COMMANDS = ("claim", "unclaim", "close", "note", "reply", "card", *NEW_COMMANDS)
DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
"""Unicode's ``Default_Ignorable_Code_Point`` ranges (DerivedCoreProperties.txt, Unicode 15.1):
characters that show nothing when a font has no glyph for them."""
UNSEEN_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Mn", "Me", "Zs", "Zl", "Zp"})
"""Controls, formats, unassigned, private use, surrogates, marks without a base, spaces."""
BLANKS = frozenset("\u2800")
"""Symbols that look like nothing (the braille pattern blank)."""


def ignorable(char: str) -> bool:
    """Whether a character is default ignorable: it shows nothing, wherever it is."""
    code = ord(char)
    return any(low <= code <= high for low, high in DEFAULT_IGNORABLE)


def unseen(char: str) -> bool:
    """Whether a character at the start of a text leaves nothing a reader could see."""
    return (
        ignorable(char)
        or char.isspace()
        or char in BLANKS
        or unicodedata.category(char) in UNSEEN_CATEGORIES
    )


def visible_start(text: str) -> str:
    """The text from its first character a reader can see (NFKC, ignorables taken out)."""
    text = "".join(c for c in unicodedata.normalize("NFKC", text) if not ignorable(c))
    start = 0
    while start < len(text) and unseen(text[start]):
        start += 1
    return text[start:].rstrip()


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
    reply_to: int | None = None
    """The person (never a bot) whose message this one answers, if any (``/handover``)."""


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
    # Japanese keyboards type "！" and "／": NFKC reads them as "!" and "/", and invisible
    # characters in front must not turn a note into a reply (a note must never leak).
    text = visible_start(message.text or "")
    if message.thread_id is None:  # the group's general chat: not a case, a few commands
        command = _command(text, bot_username) if text.startswith("/") else Decision("ignore")
        return command if command.command in GENERAL_COMMANDS else Decision("ignore")
    if text.startswith("!"):
        return Decision("internal")
    if text.startswith("/"):
        return _command(text, bot_username)
    return Decision("relay")


def _command(text: str, bot_username: str | None) -> Decision:
    """A text starting with ``/``: a command of this bot, or internal (never relayed)."""
    word, _, argument = text[1:].partition(" ")
    name, _, addressee = word.partition("@")
    if addressee and bot_username and addressee.lower() != bot_username.lower():
        return Decision("internal")  # a command for another bot
    name = name.lower()
    if name == "note" or name not in COMMANDS:
        return Decision("internal")
    return Decision("command", command=name, argument=argument.strip())
