"""The outbox's JSON form of the typed actions (``bot.actions``), serialised in this one place.

``encode`` writes ``{"type": "Send", "chat": ..., ...}``; ``decode`` reads it back (lists
become tuples again). Rows written before the actions were typed (``{"do": "send", ...}``)
are still read, so an upgrade never loses what was queued; the three old verbs that were
worked out only when sent (``desk_card``, ``desk_ping``, ``desk_canned``) decode to None and
are dropped by the sender, as their cases are announced again by the desk's clock.
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from bot.actions import (
    CHAT_ACTIONS,
    DESK_ACTIONS,
    Action,
    CloseTopic,
    CopyOut,
    Delete,
    ForgetTopic,
    OpenTopic,
    Post,
    RelayIn,
    Send,
    WipeChat,
)

_TYPES: dict[str, type[Action]] = {kind.__name__: kind for kind in (*CHAT_ACTIONS, *DESK_ACTIONS)}


def encode(action: Action) -> bytes:
    """Return the JSON form of an action."""
    data = {"type": type(action).__name__}
    data |= {f.name: getattr(action, f.name) for f in fields(action)}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def decode(payload: bytes) -> Action | None:
    """Return the action a JSON form holds; None for one this version does not know."""
    data: dict[str, Any] = json.loads(payload)
    if "do" in data:
        return _legacy(data)
    kind = _TYPES.get(str(data.pop("type", "")))
    if kind is None:
        return None
    return kind(**{key: _tuples(value) for key, value in data.items()})


def _tuples(value: Any) -> Any:
    return tuple(_tuples(item) for item in value) if isinstance(value, list) else value


def _legacy(data: dict[str, Any]) -> Action | None:
    """Read an outbox row written before the actions were typed."""
    match data["do"]:
        case "send":
            return Send(int(data["chat"]), str(data["text"]), _tuples(data.get("buttons", [])))
        case "copy_out":
            return CopyOut(int(data["chat"]), int(data["message_id"]), data.get("text"))
        case "delete":
            return Delete(int(data["chat"]), _tuples(data["ids"]))
        case "wipe":
            return WipeChat(int(data["chat"]))
        case "desk_open":
            return OpenTopic(str(data["case"]))
        case "desk_relay":
            return RelayIn(
                str(data["case"]),
                int(data["from"]),
                data.get("message_id"),
                data.get("text"),
                data.get("caption"),
            )
        case "desk_post":
            return Post(int(data["thread"]), str(data["text"]))
        case "desk_close_topic":
            return CloseTopic(int(data["thread"]))
        case "desk_forget":
            return ForgetTopic(int(data["thread"]))
    return None
