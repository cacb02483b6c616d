"""The state of the fake Telegram world: chats, messages, topics, the update queue, and helpers.

``telegram_world.py`` describes the whole fake and the rules it enforces; this module holds the
records and the low-level helpers that the Bot API methods (``telegram_methods.py``) and the
update builders (``telegram_world.py``) share. Every change to the state happens while holding
``WorldState.lock``, because the loopback HTTP server answers from its own threads.
"""

from __future__ import annotations

import json
import re
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

BOT_ID = 7_000_000_001
DELETE_WINDOW = 48 * 3600


def identity(user_id: int) -> dict[str, str]:
    """A user's name and username as Telegram shows them: distinct, so leaks can be found."""
    return {
        "first_name": f"Given{user_id}",
        "last_name": f"Family{user_id}",
        "username": f"handle{user_id}",
    }


WORLDS: weakref.WeakValueDictionary[int, WorldState] = weakref.WeakValueDictionary()
"""Every world made during the test run, for the identity check in ``tests/conftest.py``."""

BOT_USER: dict[str, Any] = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Helper",
    "username": "helper_bot",
}
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are"
    " exactly the same as a current content and reply markup of the message"
)
_LANGUAGE = re.compile(r"[a-z]{2}")


@dataclass
class StoredMessage:
    """One message in a chat, as a phone would show it.

    ``text`` is the text, or the caption of a photo, voice note or document. ``kind`` names what
    the message is: ``text``, ``photo``, ``voice``, ``document``, ``sticker``, ``raw`` (built by
    ``user_sends_raw``) or ``service`` (for example a forum topic's creation message). ``media``
    holds the non-text fields exactly as Telegram sends them (``{"photo": [...]}``).
    """

    message_id: int
    from_bot: bool
    text: str
    date: int
    buttons: list[tuple[str, str]] = field(default_factory=list)
    protected: bool = False
    preview: bool = True
    """Whether Telegram would show a link preview (sendMessage without is_disabled)."""
    deleted: bool = False
    kind: str = "text"
    thread_id: int | None = None
    sender_id: int | None = None
    edit_date: int | None = None
    copied_from: tuple[int, int] | None = None
    media: dict[str, Any] = field(default_factory=dict)
    markup: dict[str, Any] | None = None


@dataclass
class Topic:
    """A forum topic of a staff supergroup."""

    message_thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    closed: bool = False
    deleted: bool = False


@dataclass
class StaffGroup:
    """A forum supergroup in which the bot is an administrator that may manage topics.

    ``is_forum`` (topics enabled) and the bot's ``bot_status`` and ``bot_rights`` can be
    changed to test what happens when an admin set the group up wrongly: creating a topic then
    fails as on Telegram.
    """

    chat_id: int
    title: str
    topics: dict[int, Topic] = field(default_factory=dict)
    is_forum: bool = True
    bot_status: str = "administrator"
    bot_rights: dict[str, bool] = field(
        default_factory=lambda: {"can_manage_topics": True, "can_delete_messages": True}
    )


@dataclass
class UploadedFile:
    """A file part of a ``multipart/form-data`` request (or of an in-process upload)."""

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


class BotApiError(Exception):
    """An error answer of the Bot API (HTTP status, description, optional ``retry_after``)."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram sends with this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(what: str) -> BotApiError:
    """A 400 answer, described the way Telegram describes it."""
    return BotApiError(400, f"Bad Request: {what}")


def standard_description(status: int, retry_after: int | None) -> str:
    """Telegram's usual description for an HTTP status (used by error injection)."""
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        return f"Too Many Requests: retry after {retry_after}"
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"


def flag(value: Any) -> bool:
    """A Bot API boolean: ``True`` natively, or ``"true"`` when it came as raw form text."""
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1"}
    return bool(value)


def as_json(value: Any) -> Any:
    """An object parameter that may still be JSON text (a raw form value); parsed if so."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request("can't parse JSON object") from None
    return value


def as_int(value: Any, name: str) -> int:
    """An integer parameter, from a native int or its decimal text."""
    if value is None or value == "":
        raise bad_request(f"{name} is empty")
    if isinstance(value, bool):
        raise bad_request(f"invalid {name} specified")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f"invalid {name} specified") from None


def language_code(params: dict[str, Any]) -> str:
    """The ``language_code`` of a setMy* / getMy* call: empty, or two lowercase letters."""
    code = str(params.get("language_code") or "")
    if code and not _LANGUAGE.fullmatch(code):
        raise bad_request("invalid language code specified")
    return code


@dataclass
class WorldState:
    """Everything the fake Telegram remembers, with the helpers that read and change it."""

    now: int = 1_800_000_000
    chats: dict[int, list[StoredMessage]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    unanswered_callbacks: set[str] = field(default_factory=set)
    callback_answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    private_chats: set[int] = field(default_factory=set)
    blocked: set[int] = field(default_factory=set)
    groups: dict[int, StaffGroup] = field(default_factory=dict)
    commands: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    short_descriptions: dict[str, str] = field(default_factory=dict)
    webhook_url: str = ""
    webhook_secret: str | None = None
    webhook_max_connections: int = 40
    webhook_allowed_updates: list[str] | None = None
    webhook_certificate: UploadedFile | None = None
    webhook_last_error: tuple[int, str] | None = None
    """When (Unix time) and why Telegram's last post to the webhook failed (getWebhookInfo)."""
    pending_updates: list[dict[str, Any]] = field(default_factory=list)
    confirmed_offset: int = 0
    send_times: dict[int, list[float]] = field(default_factory=dict)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)
    long_polls: bool = True
    """Whether getUpdates waits for updates (Telegram does; some servers answer at once)."""
    _next_update_id: int = 1
    _next_callback_id: int = 1
    _next_message_ids: dict[int, int] = field(default_factory=dict, repr=False)
    _redeliver: list[dict[str, Any]] = field(default_factory=list, repr=False)
    _failures: dict[str, list[BotApiError]] = field(default_factory=dict, repr=False)
    _outage: BotApiError | None = field(default=None, repr=False)
    _refused: dict[str, BotApiError] = field(default_factory=dict, repr=False)
    _garbled: dict[str, int] = field(default_factory=dict, repr=False)
    _poll_generation: int = field(default=0, repr=False)
    _wake_epoch: int = field(default=0, repr=False)
    changed: threading.Condition = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)
        WORLDS[id(self)] = self

    def leaks_to_groups(self) -> list[str]:
        """Every trainee name, username, id or shared phone number seen in a group (or topic)."""
        trainees = {uid: user for uid, user in self.users.items() if uid in self.private_chats}
        secrets = {str(uid) for uid in trainees}
        for user in trainees.values():
            secrets |= {
                str(user.get(k)) for k in ("first_name", "last_name", "username") if user.get(k)
            }
        for messages in self.chats.values():
            for message in messages:
                phone = (message.media or {}).get("contact", {}).get("phone_number")
                if phone and not message.from_bot:
                    secrets.add(str(phone))
        found = []
        for chat_id, group in self.groups.items():
            shown = [topic.name for topic in group.topics.values()]
            shown += [m.text for m in self.chats.get(chat_id, []) if m.from_bot]
            found += [f"{chat_id}: {s!r}" for s in secrets for text in shown if text and s in text]
        return found

    # Messages.

    def _store(
        self,
        chat_id: int,
        *,
        from_bot: bool,
        text: str,
        kind: str = "text",
        thread_id: int | None = None,
        sender_id: int | None = None,
        media: dict[str, Any] | None = None,
    ) -> StoredMessage:
        """Append a new message to a chat; ids are unique and increasing per chat."""
        with self.lock:
            message_id = self._next_message_ids.get(chat_id, 1)
            self._next_message_ids[chat_id] = message_id + 1
            message = StoredMessage(
                message_id,
                from_bot,
                text,
                self.now,
                kind=kind,
                thread_id=thread_id,
                sender_id=sender_id,
                media=dict(media or {}),
            )
            self.chats.setdefault(chat_id, []).append(message)
            return message

    def _find(self, chat_id: int, message_id: int) -> StoredMessage | None:
        """A message of a chat that has not been deleted, or ``None``."""
        for message in self.chats.get(chat_id, []):
            if message.message_id == message_id and not message.deleted:
                return message
        return None

    def _chat_json(self, chat_id: int) -> dict[str, Any]:
        group = self.groups.get(chat_id)
        if group is not None:
            return {"id": chat_id, "type": "supergroup", "title": group.title, "is_forum": True}
        first_name = self.users.get(chat_id, {}).get("first_name", f"Given{chat_id}")
        return {"id": chat_id, "type": "private", "first_name": first_name}

    def _message_json(self, chat_id: int, message: StoredMessage) -> dict[str, Any]:
        """A stored message as the Bot API returns it (so PTB builds a real ``Message``)."""
        sender = (
            BOT_USER
            if message.from_bot
            else self.users.get(message.sender_id or chat_id, self._user(chat_id, None))
        )
        result: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": self._chat_json(chat_id),
            "from": dict(sender),
        }
        if message.thread_id is not None:
            result["message_thread_id"] = message.thread_id
            result["is_topic_message"] = True
        if message.kind == "text":
            result["text"] = message.text
        else:
            result.update(message.media)
            if message.text and message.kind != "service":
                result["caption"] = message.text
        if message.protected:
            result["has_protected_content"] = True
        if message.edit_date is not None:
            result["edit_date"] = message.edit_date
        if message.markup is not None:
            result["reply_markup"] = message.markup
        return result

    # Users and chats.

    @staticmethod
    def _user(user_id: int, language_code: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, **identity(user_id)}
        if language_code:
            user["language_code"] = language_code
        return user

    def _chat_id(self, value: Any) -> int:
        """A ``chat_id`` parameter naming a chat the bot knows (usernames are not modelled)."""
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        try:
            chat_id = int(value)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        if chat_id in self.groups or chat_id in self.private_chats:
            return chat_id
        raise bad_request("chat not found")

    def _thread(self, chat_id: int, value: Any) -> int | None:
        """A ``message_thread_id`` parameter: an open topic of a forum chat, or absent."""
        if value is None:
            return None
        thread_id = as_int(value, "message_thread_id")
        group = self.groups.get(chat_id)
        topic = group.topics.get(thread_id) if group else None
        if topic is None or topic.deleted:
            raise bad_request("message thread not found")
        if topic.closed:
            raise bad_request("TOPIC_CLOSED")
        return thread_id

    def _recipient(self, params: dict[str, Any]) -> tuple[int, int | None]:
        """The chat (and topic) a send-type call writes to, checked like Telegram does."""
        chat_id = self._chat_id(params.get("chat_id"))
        if chat_id in self.blocked:
            raise BotApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id, self._thread(chat_id, params.get("message_thread_id"))

    def _check_reply(self, chat_id: int, params: dict[str, Any]) -> None:
        reply = as_json(params.get("reply_parameters"))
        if not isinstance(reply, dict):
            return
        target = as_int(reply.get("chat_id", chat_id), "chat_id")
        missing = self._find(target, as_int(reply.get("message_id"), "message_id")) is None
        if missing and not flag(reply.get("allow_sending_without_reply")):
            raise bad_request("message to be replied not found")

    @staticmethod
    def _keyboard(value: Any) -> tuple[list[tuple[str, str]], dict[str, Any] | None]:
        """The buttons of a ``reply_markup`` (inline keyboards are checked) and its JSON."""
        markup = as_json(value)
        if markup is None:
            return [], None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        buttons: list[tuple[str, str]] = []
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if "callback_data" in button:
                    data = str(button["callback_data"])
                    if not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
                        raise bad_request("BUTTON_DATA_INVALID")
                    buttons.append((str(button.get("text", "")), data))
                elif "url" in button:
                    url = str(button["url"])
                    if not url.startswith(("https://", "http://", "tg://")):
                        raise bad_request("BUTTON_URL_INVALID")
                    buttons.append((str(button.get("text", "")), url))
        return buttons, (markup if "inline_keyboard" in markup else None)

    @staticmethod
    def _text(value: Any, limit: int = TEXT_LIMIT) -> str:
        text = "" if value is None else str(value)
        if not text.strip():
            raise bad_request("message text is empty")
        if len(text) > limit:
            raise bad_request("message is too long")
        return text

    # Updates.

    def _update_id(self) -> int:
        with self.lock:
            self._next_update_id += 1
            return self._next_update_id

    def _queue(self, update: dict[str, Any]) -> dict[str, Any]:
        """Put an update in the getUpdates queue, wake long polls, and return it."""
        with self.changed:
            self.pending_updates.append(update)
            self.changed.notify_all()
        return update

    def _sent(self, chat_id: int) -> None:
        self.send_times.setdefault(chat_id, []).append(self.clock())
