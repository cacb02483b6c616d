"""The Bot API methods of the fake Telegram, each checked the way Telegram checks it.

Every ``api_<method>`` takes the decoded parameters and returns the ``result`` JSON, or raises
``BotApiError`` with Telegram's status and description. Callers hold ``WorldState.lock``
(``FakeTelegram.call`` does). The rules and the assumptions behind them are listed in the
docstring of ``telegram_world.py``.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .telegram_model import (
    BOT_USER,
    CAPTION_LIMIT,
    DELETE_WINDOW,
    NOT_MODIFIED,
    BotApiError,
    StoredMessage,
    Topic,
    UploadedFile,
    WorldState,
    as_int,
    as_json,
    bad_request,
    flag,
    language_code,
)

_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_SCOPES = {
    "default",
    "all_private_chats",
    "all_group_chats",
    "all_chat_administrators",
    "chat",
    "chat_administrators",
    "chat_member",
}
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
ICON_COLORS = (0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F)
WEBHOOK_PORTS = (80, 88, 443, 8443)
WRONG_PORT = "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
NAME_LIMITS = {"name": 64, "description": 512, "short_description": 120}
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active;"
    " use deleteWebhook to delete the webhook first"
)
CONFLICT_OTHER_POLL = (
    "Conflict: terminated by other getUpdates request;"
    " make sure that only one bot instance is running"
)


@dataclass
class TelegramMethods(WorldState):
    """The Bot API methods the fake implements (``api_<method>``)."""

    # The bot itself.

    def api_getMe(self, _: dict[str, Any]) -> dict[str, Any]:
        return {
            **BOT_USER,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    # Messages.

    def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, thread_id = self._recipient(params)
        text = self._text(params.get("text"))
        if params.get("parse_mode") not in {None, "", "HTML", "Markdown", "MarkdownV2"}:
            raise bad_request("unsupported parse_mode")
        buttons, markup = self._keyboard(params.get("reply_markup"))
        self._check_reply(chat_id, params)
        stored = self._store(chat_id, from_bot=True, text=text, thread_id=thread_id)
        stored.buttons, stored.markup = buttons, markup
        stored.protected = flag(params.get("protect_content"))
        preview = as_json(params.get("link_preview_options")) or {}
        stored.preview = not flag(preview.get("is_disabled"))
        self._sent(chat_id)
        return self._message_json(chat_id, stored)

    def api_copyMessage(self, params: dict[str, Any]) -> dict[str, int]:
        source_chat = self._chat_id(params.get("from_chat_id"))
        source = self._find(source_chat, as_int(params.get("message_id"), "message_id"))
        if source is None:
            raise bad_request("message to copy not found")
        if source.kind == "service":
            raise bad_request("message can't be copied")
        if source.protected:
            raise bad_request("message has protected content and can't be forwarded")
        chat_id, thread_id = self._recipient(params)
        text = source.text
        if source.kind != "text" and "caption" in params:
            text = str(params.get("caption") or "")
            if len(text) > CAPTION_LIMIT:
                raise bad_request("message caption is too long")
        buttons, markup = self._keyboard(params.get("reply_markup"))
        self._check_reply(chat_id, params)
        copied = self._store(
            chat_id,
            from_bot=True,
            text=text,
            kind=source.kind,
            thread_id=thread_id,
            media=copy.deepcopy(source.media),
        )
        copied.buttons, copied.markup = buttons, markup
        copied.protected = flag(params.get("protect_content"))
        copied.copied_from = (source_chat, source.message_id)
        self._sent(chat_id)
        return {"message_id": copied.message_id}

    def _own_message(self, params: dict[str, Any]) -> tuple[int, StoredMessage]:
        if params.get("inline_message_id") is not None:
            raise bad_request("inline messages are not modelled by the fake")
        chat_id = self._chat_id(params.get("chat_id"))
        message = self._find(chat_id, as_int(params.get("message_id"), "message_id"))
        if message is None:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return chat_id, message

    def api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, message = self._own_message(params)
        if message.kind != "text":
            raise bad_request("there is no text in the message to edit")
        text = self._text(params.get("text"))
        buttons, markup = self._keyboard(params.get("reply_markup"))
        if text == message.text and markup == message.markup:
            raise bad_request(NOT_MODIFIED)
        message.text, message.buttons, message.markup = text, buttons, markup
        message.edit_date = self.now
        return self._message_json(chat_id, message)

    def api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, message = self._own_message(params)
        buttons, markup = self._keyboard(params.get("reply_markup"))
        if markup == message.markup:
            raise bad_request(NOT_MODIFIED)
        message.buttons, message.markup = buttons, markup
        message.edit_date = self.now
        return self._message_json(chat_id, message)

    def api_deleteMessage(self, params: dict[str, Any]) -> bool:
        chat_id = self._chat_id(params.get("chat_id"))
        message = self._find(chat_id, as_int(params.get("message_id"), "message_id"))
        if message is None:
            raise bad_request("message to delete not found")
        if message.kind == "service" and "forum_topic_created" in message.media:
            raise bad_request("message can't be deleted")
        if self.now - message.date >= DELETE_WINDOW:
            raise bad_request("message can't be deleted for everyone")
        message.deleted = True
        return True

    def api_deleteMessages(self, params: dict[str, Any]) -> bool:
        ids = as_json(params.get("message_ids"))
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("too many message identifiers")
        wanted = {as_int(value, "message_ids") for value in ids}
        for message in self.chats.get(self._chat_id(params.get("chat_id")), []):
            undeletable = message.kind == "service" and "forum_topic_created" in message.media
            fresh = self.now - message.date < DELETE_WINDOW
            if message.message_id in wanted and fresh and not undeletable:
                message.deleted = True  # the others are skipped, as the Bot API says
        return True

    def api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self.unanswered_callbacks:
            raise bad_request(QUERY_INVALID)
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self.unanswered_callbacks.discard(query_id)
        self.callback_answers[query_id] = {
            "text": None if text is None else str(text),
            "show_alert": flag(params.get("show_alert")),
            "url": params.get("url"),
            "cache_time": params.get("cache_time"),
        }
        return True

    def api_sendChatAction(self, params: dict[str, Any]) -> bool:
        self._recipient(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    # Commands, name and descriptions.

    @staticmethod
    def _scope(params: dict[str, Any]) -> str:
        scope = as_json(params.get("scope")) or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
            raise bad_request("unsupported bot command scope type")
        key = str(scope["type"])
        for part in ("chat_id", "user_id"):
            if part in scope:
                key += f":{scope[part]}"
        return key

    def api_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = as_json(params.get("commands"))
        if not isinstance(commands, list):
            raise bad_request("commands is empty")
        if len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        stored: list[dict[str, str]] = []
        for command in commands:
            name, description = str(command.get("command", "")), command.get("description")
            if not _COMMAND.fullmatch(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            stored.append({"command": name, "description": description})
        self.commands[self._scope(params), language_code(params)] = stored
        return True

    def api_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        key = (self._scope(params), language_code(params))
        return [dict(command) for command in self.commands.get(key, [])]

    def api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        self.commands.pop((self._scope(params), language_code(params)), None)
        return True

    def _set_text(self, store: dict[str, str], field_name: str, params: dict[str, Any]) -> bool:
        value = str(params.get(field_name) or "")
        if len(value) > NAME_LIMITS[field_name]:
            raise bad_request(f"{field_name} is too long")
        code = language_code(params)
        if value:
            store[code] = value
        else:
            store.pop(code, None)
        return True

    def _get_text(self, store: dict[str, str], params: dict[str, Any], default: str) -> str:
        code = language_code(params)
        return store.get(code, store.get("", default))

    def api_setMyName(self, params: dict[str, Any]) -> bool:
        return self._set_text(self.names, "name", params)

    def api_getMyName(self, params: dict[str, Any]) -> dict[str, str]:
        return {"name": self._get_text(self.names, params, str(BOT_USER["first_name"]))}

    def api_setMyDescription(self, params: dict[str, Any]) -> bool:
        return self._set_text(self.descriptions, "description", params)

    def api_getMyDescription(self, params: dict[str, Any]) -> dict[str, str]:
        return {"description": self._get_text(self.descriptions, params, "")}

    def api_setMyShortDescription(self, params: dict[str, Any]) -> bool:
        return self._set_text(self.short_descriptions, "short_description", params)

    def api_getMyShortDescription(self, params: dict[str, Any]) -> dict[str, str]:
        return {"short_description": self._get_text(self.short_descriptions, params, "")}

    # Getting updates.

    def api_getUpdates(self, params: dict[str, Any], *, wait: bool = False) -> list[Any]:
        """Telegram's getUpdates; long-polls only when ``wait`` (the HTTP server's threads)."""
        with self.changed:
            if self.webhook_url:
                raise BotApiError(409, CONFLICT_WEBHOOK)
            offset = as_int(params.get("offset") or 0, "offset")
            limit = min(max(as_int(params.get("limit") or 100, "limit"), 1), 100)
            timeout = max(float(params.get("timeout") or 0), 0.0)
            self._confirm(offset)
            self._poll_generation += 1
            generation, epoch = self._poll_generation, self._wake_epoch
            self.changed.notify_all()  # an older long poll ends with 409, as on Telegram
            if wait and timeout > 0 and not self._has_updates():
                self.changed.wait_for(
                    lambda: (
                        self._has_updates()
                        or self._poll_generation != generation
                        or self._wake_epoch != epoch
                        or bool(self.webhook_url)
                    ),
                    timeout,
                )
                if self._poll_generation != generation:
                    raise BotApiError(409, CONFLICT_OTHER_POLL)
                if self.webhook_url:
                    raise BotApiError(409, "Conflict: terminated by setWebhook request")
            again, self._redeliver = self._redeliver[:limit], self._redeliver[limit:]
            fresh = self.pending_updates[: limit - len(again)]
            return copy.deepcopy(again + fresh)

    def _has_updates(self) -> bool:
        return bool(self._redeliver or self.pending_updates)

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]
            self.confirmed_offset = max(self.confirmed_offset, offset)
        elif offset < 0:
            self.pending_updates = self.pending_updates[offset:]

    def wake_long_polls(self) -> None:
        """End every waiting getUpdates now with an empty answer (used on server shutdown)."""
        with self.changed:
            self._wake_epoch += 1
            self.changed.notify_all()

    # Webhooks.

    def api_setWebhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return self.api_deleteWebhook(params)
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if (parts.port or 443) not in WEBHOOK_PORTS:
            raise bad_request(WRONG_PORT)
        secret = params.get("secret_token")
        if secret is not None and not _SECRET.fullmatch(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        connections = as_int(params.get("max_connections") or 40, "max_connections")
        if not 1 <= connections <= 100:
            raise bad_request("invalid max_connections specified")
        allowed = as_json(params.get("allowed_updates"))
        with self.changed:
            if flag(params.get("drop_pending_updates")):
                self.pending_updates.clear()
            self.webhook_url, self.webhook_secret = url, None if secret is None else str(secret)
            self.webhook_max_connections = connections
            self.webhook_allowed_updates = allowed if isinstance(allowed, list) else None
            certificate = params.get("certificate")
            self.webhook_certificate = (
                certificate if isinstance(certificate, UploadedFile) else None
            )
            self.changed.notify_all()
        return True

    def api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        if flag(params.get("drop_pending_updates")):
            self.pending_updates.clear()
        self.webhook_url, self.webhook_secret = "", None
        self.webhook_allowed_updates = self.webhook_certificate = None
        return True

    def api_getWebhookInfo(self, _: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": self.webhook_certificate is not None,
            "pending_update_count": len(self.pending_updates),
        }
        if self.webhook_url:
            info["max_connections"] = self.webhook_max_connections
            if self.webhook_allowed_updates is not None:
                info["allowed_updates"] = self.webhook_allowed_updates
            if self.webhook_last_error is not None:
                info["last_error_date"], info["last_error_message"] = self.webhook_last_error
        return info

    # Forum topics of a staff supergroup.

    def _topic(self, params: dict[str, Any]) -> tuple[int, Topic]:
        chat_id = self._chat_id(params.get("chat_id"))
        group = self.groups.get(chat_id)
        if group is None:
            raise bad_request("the chat is not a forum")
        thread_id = as_int(params.get("message_thread_id"), "message_thread_id")
        topic = group.topics.get(thread_id)
        if topic is None or topic.deleted:
            raise bad_request("message thread not found")
        return chat_id, topic

    @staticmethod
    def _topic_name(value: Any) -> str:
        name = "" if value is None else str(value)
        if not 1 <= len(name) <= 128:
            raise bad_request("TOPIC_TITLE_INVALID" if name else "TOPIC_TITLE_EMPTY")
        return name

    def api_getChat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params.get("chat_id"))
        group = self.groups.get(chat_id)
        if group is None:
            raise bad_request("chat not found")
        return {
            "id": chat_id,
            "type": "supergroup",
            "title": group.title,
            "is_forum": group.is_forum,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def api_getChatMember(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params.get("chat_id"))
        user_id = as_int(params.get("user_id"), "user_id")
        group = self.groups.get(chat_id)
        if group is None:
            raise bad_request("chat not found")
        if user_id != BOT_USER["id"]:
            return {"status": "member", "user": self._user(user_id, None)}
        if group.bot_status != "administrator":
            return {"status": group.bot_status, "user": dict(BOT_USER)}
        rights = {
            "can_be_edited": False,
            "is_anonymous": False,
            "can_manage_chat": True,
            "can_delete_messages": False,
            "can_manage_video_chats": False,
            "can_restrict_members": False,
            "can_promote_members": False,
            "can_change_info": False,
            "can_invite_users": False,
            "can_post_stories": False,
            "can_edit_stories": False,
            "can_delete_stories": False,
            "can_manage_topics": False,
            "can_pin_messages": False,
        }
        return {"status": "administrator", "user": dict(BOT_USER), **rights, **group.bot_rights}

    def api_createForumTopic(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params.get("chat_id"))
        group = self.groups.get(chat_id)
        if group is None or not group.is_forum:
            raise bad_request("the chat is not a forum")
        if group.bot_status != "administrator" or not group.bot_rights.get("can_manage_topics"):
            raise bad_request("not enough rights to create a topic")
        name = self._topic_name(params.get("name"))
        color = as_int(params.get("icon_color") or ICON_COLORS[0], "icon_color")
        if color not in ICON_COLORS:
            raise bad_request("TOPIC_ICON_COLOR_INVALID")
        emoji = params.get("icon_custom_emoji_id")
        created: dict[str, Any] = {"name": name, "icon_color": color}
        if emoji:
            created["icon_custom_emoji_id"] = str(emoji)
        service = self._store(
            chat_id, from_bot=True, text="", kind="service", media={"forum_topic_created": created}
        )
        service.thread_id = service.message_id
        topic = Topic(service.message_id, name, color, str(emoji) if emoji else None)
        group.topics[topic.message_thread_id] = topic
        return {"message_thread_id": topic.message_thread_id, **created}

    def api_editForumTopic(self, params: dict[str, Any]) -> bool:
        _, topic = self._topic(params)
        name = params.get("name")
        emoji = params.get("icon_custom_emoji_id")
        new_name = topic.name if name is None else self._topic_name(name)
        new_emoji = topic.icon_custom_emoji_id if emoji is None else (str(emoji) or None)
        if (new_name, new_emoji) == (topic.name, topic.icon_custom_emoji_id):
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.name, topic.icon_custom_emoji_id = new_name, new_emoji
        return True

    def api_closeForumTopic(self, params: dict[str, Any]) -> bool:
        _, topic = self._topic(params)
        if topic.closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.closed = True
        return True

    def api_reopenForumTopic(self, params: dict[str, Any]) -> bool:
        _, topic = self._topic(params)
        if not topic.closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.closed = False
        return True

    def api_deleteForumTopic(self, params: dict[str, Any]) -> bool:
        chat_id, topic = self._topic(params)
        topic.deleted = True
        for message in self.chats.get(chat_id, []):
            if message.thread_id == topic.message_thread_id:
                message.deleted = True
        return True

    def api_leaveChat(self, params: dict[str, Any]) -> bool:
        """The bot leaves a group: it is no longer there (``chat not found`` if it never was)."""
        chat_id = self._chat_id(params.get("chat_id"))
        if self.groups.pop(chat_id, None) is None:
            raise bad_request("chat not found")
        return True
