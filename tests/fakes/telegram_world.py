"""A fake Telegram that enforces the Bot API rules the helpline depends on.

Used in process as a python-telegram-bot ``BaseRequest`` (no network): the real PTB stack builds
requests, parses our answers into real ``Message`` objects, and maps errors to exceptions. The
world keeps every chat's messages, so tests assert on what a phone would show, not on mocks.

Rules enforced (as documented for the Bot API):
* message text 1–4,096 characters; callback data 1–64 bytes;
* ``deleteMessages``: 1–100 ids; only messages younger than 48 hours are deleted;
  incoming messages may be deleted in private chats;
* every callback query should be answered (tests check ``unanswered_callbacks``).

Issue 5 grows this into the full world (topics, 429s, blocked users, loopback HTTP).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

BOT_ID = 7_000_000_001
DELETE_WINDOW = 48 * 3600


@dataclass
class StoredMessage:
    """One message in a chat, as a phone would show it."""

    message_id: int
    from_bot: bool
    text: str
    date: int
    buttons: list[tuple[str, str]] = field(default_factory=list)
    protected: bool = False
    deleted: bool = False


class BotApiError(Exception):
    """An error answer of the Bot API (HTTP status and description)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


@dataclass
class FakeTelegram:
    """Users, their private chats with the bot, and a clock."""

    now: int = 1_800_000_000
    chats: dict[int, list[StoredMessage]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    unanswered_callbacks: set[str] = field(default_factory=set)
    _next_message_id: int = 1
    _next_update_id: int = 1
    _next_callback_id: int = 1

    # What a phone shows.

    def visible(self, chat_id: int) -> list[StoredMessage]:
        return [m for m in self.chats.get(chat_id, []) if not m.deleted]

    def bot_texts(self, chat_id: int) -> list[str]:
        return [m.text for m in self.visible(chat_id) if m.from_bot]

    def last_buttons(self, chat_id: int) -> list[tuple[str, str]]:
        with_buttons = [m for m in self.visible(chat_id) if m.from_bot and m.buttons]
        return with_buttons[-1].buttons if with_buttons else []

    # Updates a user causes.

    def _store(self, chat_id: int, *, from_bot: bool, text: str) -> StoredMessage:
        message = StoredMessage(self._next_message_id, from_bot, text, self.now)
        self._next_message_id += 1
        self.chats.setdefault(chat_id, []).append(message)
        return message

    def _update_id(self) -> int:
        self._next_update_id += 1
        return self._next_update_id

    @staticmethod
    def _user(user_id: int, language_code: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Test name"}
        if language_code:
            user["language_code"] = language_code
        return user

    def user_sends(
        self, user_id: int, text: str, language_code: str | None = "vi", **extra: Any
    ) -> dict[str, Any]:
        stored = self._store(user_id, from_bot=False, text=text)
        message: dict[str, Any] = {
            "message_id": stored.message_id,
            "date": self.now,
            "chat": {"id": user_id, "type": "private", "first_name": "Test name"},
            "from": self._user(user_id, language_code),
            **extra,
        }
        if text:
            message["text"] = text
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": self._update_id(), "message": message}

    def user_sends_sticker(self, user_id: int) -> dict[str, Any]:
        sticker = {
            "file_id": "s1",
            "file_unique_id": "u1",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
        return self.user_sends(user_id, "", sticker=sticker)

    def user_presses(self, user_id: int, data: str) -> dict[str, Any]:
        shown = [m for m in self.visible(user_id) if m.from_bot and m.buttons]
        message = shown[-1] if shown else StoredMessage(0, True, "", self.now)
        query_id = str(self._next_callback_id)
        self._next_callback_id += 1
        self.unanswered_callbacks.add(query_id)
        return {
            "update_id": self._update_id(),
            "callback_query": {
                "id": query_id,
                "from": self._user(user_id, "vi"),
                "chat_instance": "ci",
                "data": data,
                "message": {
                    "message_id": message.message_id,
                    "date": message.date,
                    "chat": {"id": user_id, "type": "private"},
                    "from": {"id": BOT_ID, "is_bot": True, "first_name": "Helper"},
                    "text": message.text or "x",
                },
            },
        }

    # The Bot API methods the helpline calls.

    def call(self, method: str, params: dict[str, Any]) -> Any:
        self.calls.append((method, params))
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            raise BotApiError(404, f"Not Found: method {method} is not in the fake")
        return handler(params)

    def api_getMe(self, _: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Helper",
            "username": "helper_bot",
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        text = str(params.get("text", ""))
        if not 1 <= len(text) <= 4096:
            raise BotApiError(400, "Bad Request: message text is empty or too long")
        buttons: list[tuple[str, str]] = []
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data", "")
                if not 1 <= len(data.encode()) <= 64:
                    raise BotApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                buttons.append((button["text"], data))
        chat_id = int(params["chat_id"])
        stored = self._store(chat_id, from_bot=True, text=text)
        stored.buttons = buttons
        stored.protected = bool(params.get("protect_content"))
        return {
            "message_id": stored.message_id,
            "date": self.now,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Helper"},
            "text": text,
            "has_protected_content": stored.protected or None,
        }

    def api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        self.unanswered_callbacks.discard(str(params["callback_query_id"]))
        return True

    def api_deleteMessages(self, params: dict[str, Any]) -> bool:
        ids = params["message_ids"]
        if isinstance(ids, str):
            ids = json.loads(ids)
        if not 1 <= len(ids) <= 100:
            raise BotApiError(400, "Bad Request: too many message identifiers")
        for message in self.chats.get(int(params["chat_id"]), []):
            if message.message_id in ids and self.now - message.date < DELETE_WINDOW:
                message.deleted = True  # older ones are skipped, as the Bot API says
        return True


class FakeRequest(BaseRequest):
    """Hands PTB's requests to the fake world instead of the network."""

    def __init__(self, world: FakeTelegram) -> None:
        self.world = world

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        del method, read_timeout, write_timeout, connect_timeout, pool_timeout
        params = dict(request_data.parameters) if request_data else {}
        try:
            result = self.world.call(url.rsplit("/", 1)[-1], params)
        except BotApiError as error:
            body = {"ok": False, "error_code": error.status, "description": error.description}
            return error.status, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()
