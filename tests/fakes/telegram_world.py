"""A fake Telegram that enforces the Bot API rules the helpline depends on.

One in-memory world (``FakeTelegram``) holds users, their private chats with the bot, a staff
forum supergroup with topics, every chat's messages, a clock, the getUpdates queue and a log of
every API call. Tests drive it two ways, and assert on what a phone would show, not on mocks:

* in process, as a python-telegram-bot ``BaseRequest`` (``FakeRequest``): the real PTB stack
  builds requests, parses our answers into real ``Message`` objects and maps errors to
  exceptions; ``app.process_update(Update.de_json(world.user_sends(...), app.bot))``;
* over loopback HTTP (``FakeTelegramServer`` in ``telegram_server.py``): the real ``Bot`` with
  its default ``HTTPXRequest``, form encoding, long polling and offsets, pointed at
  ``server.base_url``. ``post_update`` POSTs an update to a webhook like Telegram does.

Builders (``user_sends``, ``user_presses``, ``user_blocks_bot``, ...) return the update dict and
also queue it for getUpdates. ``fail_next``/``fail_all`` inject errors; ``send_times`` and
``max_sends_in_window`` check flood limits afterwards (the fake does not throttle by itself).

Rules enforced (as documented for the Bot API):
* message text 1–4,096 characters (``len``, after stripping: blank is empty); captions ≤ 1,024;
  callback data 1–64 bytes; URL buttons need http(s):// or tg://;
* a private chat exists once its user has sent anything, else 400 ``chat not found``; a user
  who blocked the bot gives 403 ``Forbidden: bot was blocked by the user`` on every send;
* ``message_thread_id`` must name an existing topic of a forum chat (400 ``message thread not
  found``) that is open (400 ``TOPIC_CLOSED``);
* ``reply_parameters`` must name an existing message unless ``allow_sending_without_reply``;
* ``deleteMessage``: missing or already deleted → 400 ``message to delete not found``; 48 hours
  or older → 400 ``message can't be deleted for everyone``; topic creation messages can't be
  deleted; ``deleteMessages``: 1–100 ids, those that can't be deleted are skipped silently;
  incoming messages may be deleted in private chats and (as admin) in the staff group;
* edits only of the bot's own messages that exist; an edit that changes nothing is 400
  ``message is not modified``; ``editMessageText`` without ``reply_markup`` drops the keyboard;
* ``copyMessage``: the source must exist and not be a service or protected message; the copy is
  sent by the bot, carries no sender identity and no keyboard unless ``reply_markup`` is given;
* every callback query must be answered once (``unanswered_callbacks``); an unknown or already
  answered id is 400 ``query is too old ...``; answer text ≤ 200 characters;
* commands: names ``^[a-z0-9_]{1,32}$``, descriptions 1–256 characters, ≤ 100 per (scope,
  language); ``language_code`` empty or two lowercase letters; name ≤ 64, description ≤ 512,
  short description ≤ 120 characters, per language;
* webhooks: HTTPS on port 80, 88, 443 or 8443; secret token 1–256 of ``A-Z a-z 0-9 _ -``;
  getUpdates while a webhook is set is 409 ``Conflict: can't use getUpdates method while
  webhook is active; ...``;
* getUpdates: ``offset`` confirms every update with a smaller id; a negative offset keeps only
  the last ``-offset`` updates; ``limit`` is clamped to 1–100; ``timeout`` long-polls (HTTP
  only); a newer getUpdates ends a waiting one with 409 ``terminated by other getUpdates
  request``; setWebhook ends it with 409 ``terminated by setWebhook request``;
* forum topics: name 1–128 characters; icon colour one of the six Telegram colours; closing a
  closed topic (or reopening an open one, or an edit that changes nothing) is 400
  ``TOPIC_NOT_MODIFIED``; deleting a topic deletes its messages.

Telegram semantics assumed by the fake (re-check these by hand in Telegram's test environment):
* the descriptions above are the ones real Telegram sends; those marked in capitals come from
  MTProto error names and are the least certain (``TOPIC_CLOSED``, ``TOPIC_NOT_MODIFIED``,
  ``TOPIC_TITLE_EMPTY``/``TOPIC_TITLE_INVALID``, ``TOPIC_ICON_COLOR_INVALID``,
  ``BOT_COMMAND_INVALID``, ``BOT_COMMAND_DESCRIPTION_INVALID``, ``BOT_COMMANDS_TOO_MUCH``,
  ``MESSAGE_TOO_LONG``), as are ``message can't be deleted for everyone`` (too old),
  ``message has protected content and can't be forwarded`` (copy of a protected message) and
  the setMy*/setWebhook length and secret descriptions;
* a closed topic refuses the bot's messages (Telegram may let an admin bot with
  ``can_manage_topics`` post there: the fake is stricter on purpose);
* message ids are unique and increasing per chat, starting at 1 (Telegram numbers private
  messages per user across chats; nobody should rely on either); a topic's
  ``message_thread_id`` is the id of its creation service message; update ids increase globally;
* the text length is ``len(text)`` of the text as sent: ``parse_mode`` markup is neither parsed
  nor counted out, and entities are ignored;
* a user cannot send while they block the bot (builders raise ``ValueError``); blocking and
  unblocking send ``my_chat_member`` updates (``kicked`` / ``member``);
* a callback query on a message that no longer exists carries an inaccessible message
  (``date`` 0);
* getMy* without a value for that language fall back to the default language, then to the
  bot's first name (name) or "" (descriptions); getMyCommands returns exactly what was set for
  that (scope, language) or [];
* a webhook set on the fake is only recorded: the fake never POSTs to it (use ``post_update``);
* 5xx outages answer Telegram-style JSON (real outages often answer HTML; PTB maps both to
  ``NetworkError``);
* staff can post in closed topics (``staff_sends`` does not check) and topic messages carry
  ``is_topic_message`` without a ``reply_to_message`` to the creation message;
* flood limits (1 message/s per chat, 30/s overall, 20/min per group) are not enforced, only
  recorded: ``max_sends_in_window`` / ``max_sends_overall``.
"""

from __future__ import annotations

import asyncio
import bisect
import copy
import json
from dataclasses import dataclass
from typing import Any

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

from .telegram_methods import TelegramMethods
from .telegram_model import (
    BOT_ID,
    BOT_USER,
    DELETE_WINDOW,
    BotApiError,
    StaffGroup,
    StoredMessage,
    Topic,
    UploadedFile,
    identity,
    standard_description,
)

__all__ = [
    "BOT_ID",
    "DELETE_WINDOW",
    "BotApiError",
    "FakeRequest",
    "FakeTelegram",
    "StaffGroup",
    "StoredMessage",
    "Topic",
    "UploadedFile",
]

_ENVELOPE = frozenset({"text", "caption", "message_id", "date", "chat", "from", "entities"})


@dataclass
class FakeTelegram(TelegramMethods):
    """Users, their private chats with the bot, a staff forum group, a clock and an update queue.

    Thread-safe: every public method takes ``lock``; the HTTP server calls ``respond`` from its
    own threads while a test changes the world from the main thread.
    """

    # What a phone shows.

    def visible(self, chat_id: int, thread_id: int | None = None) -> list[StoredMessage]:
        """The messages of a chat (or of one topic) that have not been deleted."""
        with self.lock:
            return [
                m
                for m in self.chats.get(chat_id, [])
                if not m.deleted and (thread_id is None or m.thread_id == thread_id)
            ]

    def bot_texts(self, chat_id: int, thread_id: int | None = None) -> list[str]:
        """The texts (or captions) of the bot's visible messages in a chat or topic."""
        return [m.text for m in self.visible(chat_id, thread_id) if m.from_bot]

    def last_buttons(self, chat_id: int) -> list[tuple[str, str]]:
        """The (text, data or URL) buttons of the bot's latest visible message with buttons."""
        with_buttons = [m for m in self.visible(chat_id) if m.from_bot and m.buttons]
        return with_buttons[-1].buttons if with_buttons else []

    # Updates a user causes.

    def _incoming(
        self,
        user_id: int,
        text: str,
        language_code: str | None,
        kind: str,
        fields: dict[str, Any],
    ) -> dict[str, Any]:
        """Store a message a user sends in their private chat and build its update."""
        with self.lock:
            if user_id in self.blocked:
                raise ValueError(f"user {user_id} blocked the bot: call user_unblocks_bot first")
            self.users[user_id] = self._user(user_id, language_code)
            self.private_chats.add(user_id)
            media = {k: v for k, v in fields.items() if k not in _ENVELOPE}
            stored = self._store(
                user_id, from_bot=False, text=text, kind=kind, sender_id=user_id, media=media
            )
            message: dict[str, Any] = {
                "message_id": stored.message_id,
                "date": self.now,
                "chat": {"id": user_id, "type": "private", **identity(user_id)},
                "from": self._user(user_id, language_code),
                **fields,
            }
            return self._queue({"update_id": self._update_id(), "message": message})

    def user_sends(
        self, user_id: int, text: str, language_code: str | None = "vi", **extra: Any
    ) -> dict[str, Any]:
        """A user types ``text`` (commands get a ``bot_command`` entity); ``extra`` is merged."""
        fields: dict[str, Any] = dict(extra)
        if text:
            fields["text"] = text
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        kind = "sticker" if "sticker" in extra else "text" if text else "raw"
        return self._incoming(user_id, text, language_code, kind, fields)

    def user_sends_sticker(self, user_id: int, language_code: str | None = "vi") -> dict[str, Any]:
        """A user sends a sticker."""
        sticker = {
            "file_id": "s1",
            "file_unique_id": "u1",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
        return self._incoming(user_id, "", language_code, "sticker", {"sticker": sticker})

    def _with_caption(self, media: dict[str, Any], caption: str | None) -> dict[str, Any]:
        return {**media, "caption": caption} if caption else media

    def user_sends_photo(
        self, user_id: int, caption: str | None = None, language_code: str | None = "vi"
    ) -> dict[str, Any]:
        """A user sends a photo (two sizes), with an optional caption."""
        photo = [
            {"file_id": f"p{size}", "file_unique_id": f"pu{size}", "width": size, "height": size}
            for size in (90, 1280)
        ]
        fields = self._with_caption({"photo": photo}, caption)
        return self._incoming(user_id, caption or "", language_code, "photo", fields)

    def user_sends_voice(self, user_id: int, language_code: str | None = "vi") -> dict[str, Any]:
        """A user sends a voice note."""
        voice = {
            "file_id": "v1",
            "file_unique_id": "vu1",
            "duration": 3,
            "mime_type": "audio/ogg",
            "file_size": 4_000,
        }
        return self._incoming(user_id, "", language_code, "voice", {"voice": voice})

    def user_sends_document(
        self, user_id: int, caption: str | None = None, language_code: str | None = "vi"
    ) -> dict[str, Any]:
        """A user sends a document (a PDF), with an optional caption."""
        document = {
            "file_id": "d1",
            "file_unique_id": "du1",
            "file_name": "contract.pdf",
            "mime_type": "application/pdf",
            "file_size": 20_000,
        }
        fields = self._with_caption({"document": document}, caption)
        return self._incoming(user_id, caption or "", language_code, "document", fields)

    def user_sends_raw(
        self, user_id: int, message_fields: dict[str, Any], language_code: str | None = "vi"
    ) -> dict[str, Any]:
        """A private message with arbitrary fields merged in (they win), for hostile inputs."""
        text = message_fields.get("text")
        return self._incoming(
            user_id, text if isinstance(text, str) else "", language_code, "raw", message_fields
        )

    def user_edits(
        self, user_id: int, message_id: int, new_text: str, language_code: str | None = "vi"
    ) -> dict[str, Any]:
        """A user edits one of their text messages: an ``edited_message`` update."""
        with self.lock:
            stored = self._find(user_id, message_id)
            if stored is None or stored.from_bot:
                raise ValueError(f"user {user_id} has no message {message_id} to edit")
            stored.text, stored.edit_date = new_text, self.now
            message = {
                "message_id": message_id,
                "date": stored.date,
                "edit_date": self.now,
                "chat": {"id": user_id, "type": "private", **identity(user_id)},
                "from": self._user(user_id, language_code),
                "text": new_text,
            }
            return self._queue({"update_id": self._update_id(), "edited_message": message})

    def _callback(
        self, user_id: int, data: str, message: dict[str, Any], language_code: str | None
    ) -> dict[str, Any]:
        with self.lock:
            query_id = str(self._next_callback_id)
            self._next_callback_id += 1
            self.unanswered_callbacks.add(query_id)
            query = {
                "id": query_id,
                "from": self._user(user_id, language_code),
                "chat_instance": "ci",
                "data": data,
                "message": message,
            }
            return self._queue({"update_id": self._update_id(), "callback_query": query})

    def user_presses(self, user_id: int, data: str) -> dict[str, Any]:
        """A user presses a button (``data``) under the bot's latest message with buttons."""
        with self.lock:
            shown = [m for m in self.visible(user_id) if m.from_bot and m.buttons]
            stored = shown[-1] if shown else StoredMessage(0, True, "", self.now)
            message = {
                "message_id": stored.message_id,
                "date": stored.date,
                "chat": {"id": user_id, "type": "private"},
                "from": dict(BOT_USER),
                "text": stored.text or "x",
            }
            return self._callback(user_id, data, message, "vi")

    def user_presses_raw(
        self, user_id: int, data: str, message_id: int | None = None
    ) -> dict[str, Any]:
        """A callback with any data, on any message id (a missing one arrives inaccessible)."""
        with self.lock:
            if message_id is None:
                shown = [m for m in self.visible(user_id) if m.from_bot]
                message_id = shown[-1].message_id if shown else 0
            stored = self._find(user_id, message_id)
            chat = {"id": user_id, "type": "private", **identity(user_id)}
            message = (
                self._message_json(user_id, stored)
                if stored is not None
                else {"chat": chat, "message_id": message_id, "date": 0}
            )
            return self._callback(user_id, data, message, "vi")

    def _membership(self, user_id: int, old: str, new: str) -> dict[str, Any]:
        def member(status: str) -> dict[str, Any]:
            result: dict[str, Any] = {"user": dict(BOT_USER), "status": status}
            if status == "kicked":
                result["until_date"] = 0
            return result

        update = {
            "chat": {"id": user_id, "type": "private", **identity(user_id)},
            "from": self.users.get(user_id, self._user(user_id, None)),
            "date": self.now,
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        return self._queue({"update_id": self._update_id(), "my_chat_member": update})

    def user_blocks_bot(self, user_id: int) -> dict[str, Any]:
        """A user blocks the bot: sends fail with 403, and a ``my_chat_member`` is queued."""
        with self.lock:
            self.users.setdefault(user_id, self._user(user_id, None))
            self.private_chats.add(user_id)
            self.blocked.add(user_id)
            return self._membership(user_id, "member", "kicked")

    def user_unblocks_bot(self, user_id: int) -> dict[str, Any]:
        """A user unblocks the bot (a ``my_chat_member`` back to ``member`` is queued)."""
        with self.lock:
            self.blocked.discard(user_id)
            return self._membership(user_id, "kicked", "member")

    # The staff side.

    def add_staff_group(self, chat_id: int, title: str = "Staff") -> StaffGroup:
        """A forum supergroup in which the bot is an admin that can manage topics."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        with self.lock:
            return self.groups.setdefault(chat_id, StaffGroup(chat_id, title))

    def staff_sends(
        self, chat_id: int, user_id: int, text: str, message_thread_id: int | None = None
    ) -> dict[str, Any]:
        """A staff member writes in the staff group, optionally inside a topic."""
        with self.lock:
            if chat_id not in self.groups:
                raise ValueError(f"no staff group {chat_id}: call add_staff_group first")
            self.users.setdefault(user_id, self._user(user_id, None))
            stored = self._store(
                chat_id, from_bot=False, text=text, thread_id=message_thread_id, sender_id=user_id
            )
            message = self._message_json(chat_id, stored)
            return self._queue({"update_id": self._update_id(), "message": message})

    def staff_sends_photo(
        self, chat_id: int, user_id: int, caption: str = "", thread: int | None = None
    ) -> dict[str, Any]:
        """A staff member sends a photo (with a caption) in the staff group, inside a topic."""
        photo = [{"file_id": "sp", "file_unique_id": "spu", "width": 90, "height": 90}]
        with self.lock:
            self.users.setdefault(user_id, self._user(user_id, None))
            stored = self._store(
                chat_id,
                from_bot=False,
                text=caption,
                kind="photo",
                thread_id=thread,
                sender_id=user_id,
                media={"photo": photo},
            )
            message = self._message_json(chat_id, stored)
            return self._queue({"update_id": self._update_id(), "message": message})

    def staff_presses(self, chat_id: int, user_id: int, data: str) -> dict[str, Any]:
        """Someone in a staff group presses a button (``data``) under the bot's latest message
        that has it (Telegram only sends presses of buttons that exist)."""
        with self.lock:
            shown = [
                m for m in self.visible(chat_id) if m.from_bot and data in dict(m.buttons).values()
            ]
            if not shown:
                raise ValueError(f"no message in {chat_id} has a button {data!r}")
            self.users.setdefault(user_id, self._user(user_id, None))
            return self._callback(user_id, data, self._message_json(chat_id, shown[-1]), None)

    # Redelivery, error injection and rates.

    def deliver_raw(self, body: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update body (anything Telegram might send), giving it the next id.

        A private chat it comes from counts as opened (the bot may answer it).
        """
        for kind in ("message", "edited_message", "callback_query"):
            part = body.get(kind)
            sender = part.get("from") if isinstance(part, dict) else None
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                with self.lock:
                    self.private_chats.add(sender["id"])
        return self._queue({**body, "update_id": self._update_id()})

    def deliver_again(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a copy of an already delivered update: the next getUpdates returns it once."""
        again = copy.deepcopy(update)
        with self.changed:
            self._redeliver.append(again)
            self.changed.notify_all()
        return again

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int | None = 1,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` calls of ``method`` fail (429s carry ``retry_after``)."""
        after = retry_after if status == 429 else None
        error = BotApiError(status, description or standard_description(status, after), after)
        with self.lock:
            self._failures.setdefault(method, []).extend([error] * times)

    def refuse(self, method: str, status: int = 404, description: str | None = None) -> None:
        """Every call of ``method`` fails with ``status`` until ``heal`` (a method refused)."""
        error = BotApiError(status, description or standard_description(status, None))
        with self.lock:
            self._refused[method] = error

    def garble_next(self, method: str, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` are carried out, but their answer cannot be
        read (a message without ``date`` or ``chat``, as a server of another shape answers)."""
        with self.lock:
            self._garbled[method] = self._garbled.get(method, 0) + times

    def fail_all(self, status: int = 502) -> None:
        """Telegram is unreachable: every call fails with ``status`` until ``heal``."""
        with self.lock:
            self._outage = BotApiError(status, standard_description(status, None))

    def heal(self) -> None:
        """End an outage (``fail_all``) and each ``refuse`` (pending ``fail_next`` errors stay)."""
        with self.lock:
            self._outage = None
            self._refused.clear()

    def max_sends_in_window(self, chat_id: int, seconds: float) -> int:
        """The most sends (sendMessage, copyMessage) to one chat within any ``seconds``."""
        with self.lock:
            return _busiest(self.send_times.get(chat_id, []), seconds)

    def max_sends_overall(self, seconds: float) -> int:
        """The most sends to all chats together within any window of ``seconds``."""
        with self.lock:
            return _busiest([t for times in self.send_times.values() for t in times], seconds)

    # The Bot API.

    def call(self, method: str, params: dict[str, Any], *, wait: bool = False) -> Any:
        """Record and run one Bot API call; ``wait`` lets getUpdates long-poll."""
        with self.lock:
            self.calls.append((method, params))
            if self._outage is not None:
                raise self._outage
            planned = self._failures.get(method)
            if planned:
                raise planned.pop(0)
            if method in self._refused:
                raise self._refused[method]
            if method == "getUpdates":
                return self.api_getUpdates(params, wait=wait)
            handler = getattr(self, f"api_{method}", None)
            if handler is None:
                raise BotApiError(404, f"Not Found: method {method} is not in the fake")
            return handler(params)

    def respond(
        self, method: str, params: dict[str, Any], *, wait: bool = False
    ) -> tuple[int, dict[str, Any]]:
        """One call as Telegram answers it: the HTTP status and the JSON body."""
        try:
            result = self.call(method, params, wait=wait)
        except BotApiError as error:
            return error.status, error.payload()
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            # Parameters of the wrong shape: Telegram answers 400; the fake names the trouble.
            unreadable = BotApiError(400, f"Bad Request: unreadable parameters ({error!r})")
            return unreadable.status, unreadable.payload()
        with self.lock:
            garbled = self._garbled.get(method, 0)
            if garbled:
                self._garbled[method] = garbled - 1
                result = {"message_id": "unreadable"}
        return 200, {"ok": True, "result": result}


def _busiest(times: list[float], seconds: float) -> int:
    """The largest number of instants inside any half-open window ``[t, t + seconds)``."""
    ordered = sorted(times)
    return max(
        (bisect.bisect_left(ordered, t + seconds) - i for i, t in enumerate(ordered)), default=0
    )


class FakeRequest(BaseRequest):
    """Hands PTB's requests to the fake world instead of the network (getUpdates waits 10 ms)."""

    def __init__(self, world: FakeTelegram) -> None:
        self.world = world

    @property
    def read_timeout(self) -> float | None:
        """PTB adds this to getUpdates' ``timeout``; the fake answers at once anyway."""
        return 1.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def _long_poll(self, params: dict[str, Any]) -> None:
        """Wait, as Telegram does, until an update is there or ``timeout`` passes.

        Done here, on the event loop (10 ms at a time), rather than in the world's threads, so
        that a cancelled poll ends at once. The offset is confirmed first, as Telegram does.
        """
        world = self.world
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        with world.lock:
            world._confirm(offset)
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            with world.lock:
                planned = world._failures.get("getUpdates")
                if world._has_updates() or world.webhook_url or world._outage or planned:
                    return
            await asyncio.sleep(0.01)

    async def shutdown(self) -> None:
        """Nothing to close."""

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
        """Answer one request from the world, as JSON bytes with Telegram's status."""
        del method, read_timeout, write_timeout, connect_timeout, pool_timeout
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.contains_files:
            for name, (filename, content, mime_type) in request_data.multipart_data.items():
                data = content if isinstance(content, bytes) else content.read()
                params[name] = UploadedFile(filename, data, mime_type)
        name = url.rsplit("/", 1)[-1]
        if name == "getUpdates" and self.world.long_polls:
            await self._long_poll(params)
        status, body = self.world.respond(name, params)
        if name == "getUpdates" and not body.get("result"):
            await asyncio.sleep(0.01)  # a tiny long poll, so a polling loop never spins
        return status, json.dumps(body).encode()
