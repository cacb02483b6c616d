"""The inbox keeps only what the worker needs of an update: no names, no username, no ``from``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from telegram import Update

from bot.telegram_adapter.raw import facts, seal
from bot.telegram_adapter.reading import read

TRAINEE = {
    "id": 7123456789,
    "is_bot": False,
    "first_name": "Canaryfirst",
    "last_name": "Canarylast",
    "username": "canary_user",
    "language_code": "vi",
    "is_premium": True,
}
PRIVATE = {
    "id": 7123456789,
    "type": "private",
    "first_name": "Canaryfirst",
    "last_name": "Canarylast",
    "username": "canary_user",
}
VOLUNTEER = {"id": 5550001, "is_bot": False, "first_name": "Canaryvolunteer", "username": "vol"}
GROUP = {"id": -100123, "type": "supergroup", "title": "Canarydesk", "is_forum": True}
SECRETS = (
    "Canaryfirst",
    "Canarylast",
    "canary_user",
    "is_premium",
    "Canaryvolunteer",
    "Canarydesk",
    "passport_scan",
    "AgADcanaryfile",
)


def message(**extra: Any) -> dict[str, Any]:
    return {"message_id": 41, "date": 1767225600, "chat": PRIVATE, "from": TRAINEE} | extra


UPDATES: dict[str, dict[str, Any]] = {
    "text": {"update_id": 1, "message": message(text="my wages are late")},
    "command": {
        "update_id": 2,
        "message": message(
            text="/delete",
            entities=[{"type": "bot_command", "offset": 0, "length": 7, "url": "x"}],
        ),
    },
    "document": {
        "update_id": 3,
        "message": message(
            caption="contract",
            document={
                "file_id": "AgADcanaryfile",
                "file_unique_id": "u1",
                "file_name": "passport_scan.jpg",
            },
        ),
    },
    "photo": {
        "update_id": 4,
        "message": message(
            photo=[{"file_id": "AgADcanaryfile", "file_unique_id": "u", "width": 9, "height": 9}]
        ),
    },
    "press": {
        "update_id": 5,
        "callback_query": {
            "id": "cb1",
            "from": TRAINEE,
            "chat_instance": "ci",
            "data": "yes",
            "message": message(text="Is it late?", **{"from": VOLUNTEER}),
        },
    },
    "blocked": {
        "update_id": 6,
        "my_chat_member": {
            "chat": PRIVATE,
            "from": TRAINEE,
            "date": 1767225600,
            "old_chat_member": {"status": "member", "user": VOLUNTEER},
            "new_chat_member": {"status": "kicked", "user": VOLUNTEER, "until_date": 0},
        },
    },
    "edited": {"update_id": 7, "edited_message": message(text="edited", edit_date=1767225700)},
    "desk": {
        "update_id": 8,
        "message": {
            "message_id": 9,
            "date": 1767225600,
            "chat": GROUP,
            "from": VOLUNTEER,
            "text": "/close",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            "message_thread_id": 77,
            "is_topic_message": True,
        },
    },
    "desk_press": {
        "update_id": 9,
        "callback_query": {
            "id": "cb2",
            "from": VOLUNTEER,
            "chat_instance": "ci",
            "data": "claim",
            "message": {
                "message_id": 10,
                "date": 1767225600,
                "chat": GROUP,
                "message_thread_id": 77,
                "text": "card",
            },
        },
    },
    "on_behalf": {
        "update_id": 10,
        "message": {
            "message_id": 11,
            "date": 1767225600,
            "chat": GROUP,
            "sender_chat": GROUP,
            "text": "hello",
        },
    },
}


@pytest.mark.parametrize("kind", sorted(UPDATES))
def test_the_inbox_keeps_no_name_and_reads_the_same(kind: str) -> None:
    whole = Update.de_json(UPDATES[kind], None)
    stored = seal(UPDATES[kind], facts(UPDATES[kind]))
    for secret in SECRETS:
        assert secret.encode() not in stored
    again = Update.de_json(json.loads(stored), None)
    assert read(again, "helper_bot") == read(whole, "helper_bot")


def test_a_private_message_keeps_no_sender_id() -> None:
    stored = json.loads(seal(UPDATES["text"], facts(UPDATES["text"])))
    assert stored["message"]["from"] == {
        "id": 0,
        "is_bot": False,
        "first_name": "",
        "language_code": "vi",
    }
    assert stored["message"]["chat"] == {"id": 7123456789, "type": "private"}
