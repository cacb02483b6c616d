"""What of a Telegram update the inbox keeps: only what the worker needs to handle it.

An update as Telegram sends it names the person twice over: ``from`` (first and last name,
username, premium status, the user id) and the private chat (names and username again), and a
file can carry its own name. The inbox keeps none of that (goal D1), even sealed: ``kept``
builds a smaller update of the same shape, which ``telegram.Update.de_json`` reads back and
``bot.telegram_adapter.reading`` understands as it would the whole one.

What stays: the update and message ids, the date, the chat's id and type (the id is where to
answer; in a private chat it is the person's id, which the helpline needs anyway), the text and
its entities (commands), a caption, a button's data, the thread of a group message, whether a
group message was sent on behalf of a chat, whether the bot was blocked, and which kind of media
a message holds (as an empty stand-in: files are copied by message id). Of the sender only
``is_bot`` and ``language_code`` stay, and the id in a group, where the desk checks who a
volunteer is; names and usernames never. Pure: no I/O.
"""

from __future__ import annotations

from typing import Any

MEDIA: dict[str, Any] = {
    "photo": [{"file_id": "", "file_unique_id": "", "width": 0, "height": 0}],
    "document": {"file_id": "", "file_unique_id": ""},
    "voice": {"file_id": "", "file_unique_id": "", "duration": 0},
    "audio": {"file_id": "", "file_unique_id": "", "duration": 0},
    "video": {"file_id": "", "file_unique_id": "", "width": 0, "height": 0, "duration": 0},
    "video_note": {"file_id": "", "file_unique_id": "", "length": 0, "duration": 0},
    "animation": {"file_id": "", "file_unique_id": "", "width": 0, "height": 0, "duration": 0},
    "sticker": {
        "file_id": "",
        "file_unique_id": "",
        "type": "regular",
        "width": 0,
        "height": 0,
        "is_animated": False,
        "is_video": False,
    },
}
"""Empty stand-ins for the kinds of media ``reading`` asks about (their presence is all)."""

MESSAGE_FIELDS = ("message_id", "date", "text", "caption", "message_thread_id", "is_topic_message")
ENTITY_FIELDS = ("type", "offset", "length")


def _chat(chat: dict[str, Any]) -> dict[str, Any]:
    return {"id": chat.get("id"), "type": chat.get("type")}


def _user(user: dict[str, Any] | None, keep_id: bool) -> dict[str, Any] | None:
    """The sender, without names: its id only where it is needed (else 0)."""
    if user is None:
        return None
    stub: dict[str, Any] = {
        "id": user.get("id") if keep_id else 0,
        "is_bot": bool(user.get("is_bot")),
        "first_name": "",
    }
    if user.get("language_code"):
        stub["language_code"] = user["language_code"]
    return stub


def _message(message: dict[str, Any]) -> dict[str, Any]:
    chat = message.get("chat") or {}
    kept: dict[str, Any] = {k: message[k] for k in MESSAGE_FIELDS if k in message}
    kept["chat"] = _chat(chat)
    private = chat.get("type") == "private"
    user = _user(message.get("from"), keep_id=not private)
    if user is not None:
        kept["from"] = user
    if "sender_chat" in message:
        kept["sender_chat"] = _chat(message["sender_chat"])
    if "entities" in message:
        kept["entities"] = [
            {k: e[k] for k in ENTITY_FIELDS if k in e} for e in message["entities"]
        ]
    kept.update({kind: stub for kind, stub in MEDIA.items() if kind in message})
    return kept


def _callback(query: dict[str, Any]) -> dict[str, Any]:
    message = query.get("message")
    private = message is None or (message.get("chat") or {}).get("type") == "private"
    # Without its message, a private press is answered to its sender's id (the chat's).
    kept: dict[str, Any] = {
        "id": query.get("id"),
        "chat_instance": "",
        "from": _user(query.get("from"), keep_id=message is None or not private),
    }
    if "data" in query:
        kept["data"] = query["data"]
    if message is not None:
        kept["message"] = {
            k: message[k] for k in ("message_id", "date", "message_thread_id") if k in message
        } | {"chat": _chat(message.get("chat") or {})}
    return kept


def _member(update: dict[str, Any]) -> dict[str, Any]:
    nobody = {"id": 0, "is_bot": False, "first_name": ""}
    return {
        "chat": _chat(update.get("chat") or {}),
        "from": nobody,
        "date": update.get("date", 0),
        "old_chat_member": {**update["old_chat_member"], "user": nobody},
        "new_chat_member": {**update["new_chat_member"], "user": nobody},
    }


def kept(update: dict[str, Any]) -> dict[str, Any]:
    """The part of an update (as ``Update.to_dict`` gives it) the inbox keeps."""
    small: dict[str, Any] = {"update_id": update["update_id"]}
    for kind in ("message", "edited_message"):
        if kind in update:
            small[kind] = _message(update[kind])
    if "callback_query" in update:
        small["callback_query"] = _callback(update["callback_query"])
    if "my_chat_member" in update:
        small["my_chat_member"] = _member(update["my_chat_member"])
    return small
