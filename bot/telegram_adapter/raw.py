"""Reading an update as it came (the Bot API's JSON), without python-telegram-bot's parser.

The intake never parses an update with the library: one it could not read (a button press
without ``chat_instance``, a date in milliseconds, a poll from an older server) would raise and
stop the intake for good. What the intake needs before an update is stored (its id, the chat
it came from and the chat's kind, for the flood gate and the desk's routing; the message id, to
delete a flood unread; the language, for a notice; the text, so an exit always passes)
is read here, defensively: any value of the wrong type counts as absent, and nothing here ever
raises. ``seal`` reduces the update to what the inbox keeps (``kept``), or, if even that fails,
to a marker that tells the worker the update could not be read and which chat to tell.

Pure: no I/O, no state.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.telegram_adapter.kept import kept

LONE_SURROGATE = re.compile("[\ud800-\udfff]")
"""Half of a UTF-16 pair, alone: JSON may carry one (``"\\ud800"``), UTF-8 cannot."""
GROUPS = frozenset({"group", "supergroup", "channel"})


@dataclass(frozen=True, slots=True)
class Facts:
    """What the intake reads of a raw update."""

    update_id: int | None
    chat_id: int | None = None
    """The chat it came from (in a private chat, the person's id)."""
    chat_type: str | None = None
    message_id: int | None = None
    language_code: str | None = None
    text: str | None = None
    """A new message's text (read for the exit and delete words, never stored from here)."""

    @property
    def group(self) -> bool:
        """Whether it came from a group or channel (only the desk's may reach the desk)."""
        return self.chat_type in GROUPS

    @property
    def command(self) -> str | None:
        """The command the text starts with (lower case, without / or @bot), if any."""
        words = self.text.split(maxsplit=1) if self.text else []
        if not words or not words[0].startswith("/"):
            return None
        return words[0][1:].partition("@")[0].lower() or None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def facts(update: object) -> Facts:
    """Read a raw update defensively; never raises."""
    raw = _dict(update)
    update_id = _int(raw.get("update_id"))
    message = _dict(raw.get("message")) or _dict(raw.get("edited_message"))
    query = _dict(raw.get("callback_query"))
    member = _dict(raw.get("my_chat_member"))
    sender = _dict(message.get("from")) or _dict(query.get("from")) or _dict(member.get("from"))
    chat = (
        _dict(message.get("chat"))
        or _dict(_dict(query.get("message")).get("chat"))
        or _dict(member.get("chat"))
    )
    chat_id, chat_type = _int(chat.get("id")), _str(chat.get("type"))
    if not chat and query:  # a press without its message: answered to its sender (private)
        chat_id, chat_type = _int(sender.get("id")), "private"
    return Facts(
        update_id,
        chat_id,
        chat_type,
        _int(message.get("message_id")) if "message" in raw else None,
        _str(sender.get("language_code")),
        _str(message.get("text")) if "message" in raw else None,
    )


def seal(update: dict[str, Any], found: Facts) -> bytes:
    """What the inbox keeps of a raw update, as JSON: ``kept`` (no names, no ``from``).

    An update ``kept`` cannot reduce is kept as a marker naming only its chat and language, so
    that the worker can tell the chat it was not understood. A lone surrogate becomes U+FFFD
    (one UTF-16 unit, like it: entity offsets stay right); left in, it could not be encoded,
    and the batch would be retried again and again.
    """
    try:
        text = json.dumps(kept(update), ensure_ascii=False)
    except Exception:  # any shape kept cannot reduce is simply unreadable
        marker = {"chat": found.chat_id, "type": found.chat_type, "lang": found.language_code}
        text = json.dumps({"update_id": found.update_id, "unreadable": marker})
    return LONE_SURROGATE.sub("\ufffd", text).encode()
