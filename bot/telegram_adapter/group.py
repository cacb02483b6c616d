"""The union desk's group on Telegram: forum topics, posts, mentions and copies, nothing more.

The desk's rules live in the service (``bot.service.desk``); this module only speaks Telegram:

* it carries out the desk's actions from the outbox (``perform``): opening a case's topic
  (asking the rules for its name, then for what to post in it at once), a trainee's message
  into its topic (a text as the bot's own message with invisible characters shown; a photo,
  file or voice message copied without its sender), posts (in a topic, or in General:
  ``GENERAL``), mentions (``text_mention`` entities, so Telegram notifies the volunteers),
  closing, reopening and deleting topics;
* it reads what happens in the group (``staff``) into a ``StaffMessage`` and hands it to the
  rules, in a worker thread; a button press gets its short answer.

Everything sent to the group goes through the outbox under one key (``DESK_QUEUE``), so it
keeps its order and Telegram's 20 messages a minute per group. ``announce`` alone posts at
once: it tells the desk that the database (and so the outbox) is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Sequence
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    MessageEntity,
    Update,
    User,
)
from telegram.constants import MessageEntityType
from telegram.error import BadRequest, TelegramError

from bot.actions import (
    GENERAL,
    CloseTopic,
    DeskAction,
    ForgetTopic,
    OpenTopic,
    Ping,
    Post,
    RelayIn,
    ReopenTopic,
)
from bot.desk import card as cards
from bot.desk.staff import StaffMessage
from bot.service.desk import DeskRules
from bot.service.desk_refused import Alert, topic_refused
from bot.telegram_adapter.limits import RateLimits
from bot.telegram_adapter.reading import read, username_of
from bot.telegram_adapter.sender import keyboard

log = logging.getLogger(__name__)

TRAINEE_SAYS = "本人：\n"
"""What a trainee's words are marked with in a topic."""


class Group:
    """Carries out the desk's actions in its group and reads what happens there."""

    def __init__(self, rules: DeskRules, *, bot: Bot, limits: RateLimits) -> None:
        self.rules = rules
        self.bot = bot
        self.limits = limits

    @property
    def chat_id(self) -> int:
        """The desk's group."""
        return self.rules.settings.chat_id

    # Actions from the outbox (called by the sender, which marks them done).

    async def perform(self, action: DeskAction) -> None:
        """Carry out one desk action; Telegram errors go back to the sender."""
        match action:
            case OpenTopic(case=case):
                await self._open(case)
            case RelayIn():
                await self._relay_in(action)
            case Post(thread=thread, text=text, buttons=buttons):
                await self._send(thread, text, keyboard(buttons))
            case Ping(thread=thread, people=people):
                await self._ping(thread, people)
            case CloseTopic(thread=thread):
                await self._quietly(self.bot.close_forum_topic(self.chat_id, thread))
            case ReopenTopic(thread=thread):
                await self._quietly(self.bot.reopen_forum_topic(self.chat_id, thread))
            case ForgetTopic(thread=thread):
                await self._quietly(self.bot.delete_forum_topic(self.chat_id, thread))

    async def refused(self, action: DeskAction) -> None:
        """The sender gave up a desk action: a case whose topic or card was refused stays.

        The rules keep it queued and tell the trainee (``bot.service.desk_refused``); the
        on-call list is mentioned in the group's General topic, which may still work.
        """
        if isinstance(action, OpenTopic):
            alert = await asyncio.to_thread(topic_refused, self.rules, action.case, action.retry)
            if alert is not None:
                await self._alert(alert)

    async def _alert(self, alert: Alert) -> None:
        text, entities = mentions(alert.text + "\n", alert.people)
        try:
            await self.limits.wait(self.chat_id)
            await self.bot.send_message(
                self.chat_id, text, entities=entities, protect_content=True
            )
        except Exception as error:  # the log event (desk.topic_refused) is out already
            log.error("desk.alert_failed", extra={"error": type(error).__name__})

    async def announce(self, text: str) -> None:
        """Post in the group's general topic straight away, not through the outbox.

        The outbox lives in the database: this is for telling the desk it is down.
        """
        try:
            await self.limits.wait(self.chat_id)
            await self.bot.send_message(self.chat_id, text, protect_content=True)
        except TelegramError as error:
            log.warning("desk.announce_failed", extra={"error": type(error).__name__})

    async def _quietly(self, call: Awaitable[Any]) -> None:
        try:
            await call
        except BadRequest as error:  # already closed or gone
            log.info("desk.topic_unchanged", extra={"error": type(error).__name__})

    async def _send(
        self,
        thread_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
        entities: Sequence[MessageEntity] | None = None,
    ) -> int:
        await self.limits.wait(self.chat_id)
        message = await self.bot.send_message(
            self.chat_id,
            text,
            message_thread_id=None if thread_id == GENERAL else thread_id,
            reply_markup=markup,
            entities=entities,
            protect_content=True,
            link_preview_options=LinkPreviewOptions(is_disabled=True),  # a trainee's link: text
        )
        return message.message_id

    async def _open(self, case: str) -> None:
        opening = await asyncio.to_thread(self.rules.opening, case)
        if opening is None:
            return
        thread = opening.thread
        if thread is None:
            await self.limits.wait(self.chat_id)
            topic = await self.bot.create_forum_topic(self.chat_id, opening.name)
            thread = topic.message_thread_id
        posts = await asyncio.to_thread(self.rules.opened, case, thread, opening.thread is None)
        for post in posts:
            await self.perform(post)

    async def _ping(self, thread: int, people: Sequence[tuple[int, str]]) -> None:
        """Mention volunteers by name, so that Telegram notifies them."""
        text, entities = mentions("通知：", people)
        await self._send(thread, text, entities=entities)

    async def _relay_in(self, action: RelayIn) -> None:
        thread = await asyncio.to_thread(self.rules.thread_of, action.case)
        if thread is None:
            return
        if action.text is not None:
            await self._send(thread, TRAINEE_SAYS + cards.visible(action.text))
            return
        if action.message_id is None:
            return
        caption = action.caption  # shown like a text: marked, invisible characters out
        await self.limits.wait(self.chat_id)
        await self.bot.copy_message(
            self.chat_id,
            action.chat,
            action.message_id,
            message_thread_id=thread,
            caption=(TRAINEE_SAYS + cards.visible(caption, 1000)) if caption else None,
            protect_content=True,
        )

    # What happens in the group (called by the worker).

    async def staff(self, update: Update) -> None:
        """Hand a message or button press in a group to the desk's rules."""
        arrival = read(update)
        message = arrival.group or StaffMessage(0, None)
        if arrival.callback_id is None:
            username = username_of(self.bot)
            await asyncio.to_thread(self.rules.message, update.update_id, message, username)
            return
        query = update.callback_query
        if query is not None and query.message is not None:
            thread = getattr(query.message, "message_thread_id", None)
            message = StaffMessage(
                message.chat_id, message.sender_id, message.sender_is_bot, thread_id=thread
            )
        data = arrival.group_data or ""
        answer = await asyncio.to_thread(self.rules.press, update.update_id, message, data)
        with contextlib.suppress(BadRequest):  # too late to answer: nothing else to do
            await self.bot.answer_callback_query(arrival.callback_id, text=answer)


def mentions(text: str, people: Sequence[tuple[int, str]]) -> tuple[str, list[MessageEntity]]:
    """``text`` followed by each person's name as a ``text_mention`` (Telegram notifies them)."""
    entities = []
    for user_id, name in people:
        offset = len(text.encode("utf-16-le")) // 2
        entities.append(
            MessageEntity(
                MessageEntityType.TEXT_MENTION,
                offset,
                len(name.encode("utf-16-le")) // 2,
                user=User(user_id, name, is_bot=False),
            )
        )
        text += name + " "
    return text.strip(), entities
