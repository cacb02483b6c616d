"""What the helpline remembers about one chat between two messages, and its JSON form.

A ``Conversation`` holds the language, the dialog the service is in (choosing a language,
giving consent, setting a PIN, resuming), the engine's state (with the answers), what a dialog
holds between two of its steps, and the case the chat belongs to. Storage seals the JSON form
with the conversation's own key; this module only converts, and may import only the standard
library and this project's pure modules.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from bot.engine import State
from bot.values import Choice, Day, Flag, Kind, Number, Prefecture, Text, Value, Yen


class Mode(StrEnum):
    """Which dialog a chat is in; ``chat`` means the flows."""

    CHAT = "chat"
    LANGUAGE = "language"
    CONSENT = "consent"
    PIN = "pin"
    PIN_AGAIN = "pin_again"
    RESUME_CODE = "resume_code"
    RESUME_PIN = "resume_pin"
    DELETE_CODE = "delete_code"
    DELETE_PIN = "delete_pin"
    """/delete on a chat that holds no case: the case code and PIN find it."""
    NOTE = "note"
    REPLIES = "replies"
    HOURS = "hours"
    DESK = "desk"
    """What the trainee writes goes to the volunteers of their case."""


@dataclass(frozen=True, slots=True)
class Conversation:
    """One chat's memory between two messages."""

    lang: str
    state: State | None = None
    mode: Mode = Mode.CHAT
    scratch: Mapping[str, str] = field(default_factory=dict)
    """What a dialog holds between two steps (a first PIN, a typed case code)."""
    case: str | None = None
    """The public id of the case this chat is linked to, if any."""


def value_to_json(value: Value) -> list[Any]:
    """Return a JSON-ready ``[kind, payload]`` pair."""
    match value:
        case Yen(amount):
            return [Kind.YEN.value, amount]
        case Number(number):
            return [Kind.NUMBER.value, str(number)]
        case Day(day):
            return [Kind.DATE.value, day.isoformat()]
        case Prefecture(pref):
            return [Kind.PREFECTURE.value, pref]
        case Text(text):
            return [Kind.TEXT.value, text]
        case Choice(choice):
            return [Kind.CHOICE.value, choice]
        case Flag(flag):
            return [Kind.FLAG.value, flag]


_READERS: Mapping[str, Any] = {
    Kind.YEN: lambda p: Yen(int(p)),
    Kind.NUMBER: lambda p: Number(Decimal(p)),
    Kind.DATE: lambda p: Day(date.fromisoformat(p)),
    Kind.PREFECTURE: lambda p: Prefecture(str(p)),
    Kind.TEXT: lambda p: Text(str(p)),
    Kind.CHOICE: lambda p: Choice(str(p)),
    Kind.FLAG: lambda p: Flag(bool(p)),
}


def value_from_json(data: Any) -> Value:
    """Rebuild a value from ``value_to_json`` output."""
    kind, payload = data
    value: Value = _READERS[kind](payload)
    return value


def answers_to_json(answers: Mapping[str, Value]) -> dict[str, list[Any]]:
    """Return answers as JSON-ready data."""
    return {name: value_to_json(value) for name, value in answers.items()}


def answers_from_json(data: Mapping[str, Any]) -> dict[str, Value]:
    """Rebuild answers."""
    return {name: value_from_json(value) for name, value in data.items()}


def dumps(conversation: Conversation) -> bytes:
    """Return the JSON form of everything but the language and the case link."""
    state = conversation.state
    data = {
        "mode": conversation.mode.value,
        "scratch": dict(conversation.scratch),
        "state": None
        if state is None
        else {
            "flow": state.flow,
            "node": state.node,
            "answers": answers_to_json(state.answers),
            "trail": [list(pair) for pair in state.trail],
        },
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def loads(raw: bytes | None, lang: str, case: str | None) -> Conversation:
    """Rebuild a conversation from ``dumps`` output and the columns kept beside it."""
    if raw is None:
        return Conversation(lang, case=case)
    data = json.loads(raw)
    state = data.get("state")
    return Conversation(
        lang,
        None
        if state is None
        else State(
            state["flow"],
            state["node"],
            answers_from_json(state["answers"]),
            tuple((flow, node) for flow, node in state["trail"]),
        ),
        Mode(data.get("mode", Mode.CHAT)),
        dict(data.get("scratch", {})),
        case,
    )
