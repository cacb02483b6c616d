"""The sender: carries out the outbox on Telegram, in order per chat, within the rate limits.

Each chat's actions go one at a time, oldest first; different chats go in parallel. Every
message is sent with ``protect_content`` and without link previews. What Telegram answers
decides what happens next:

* sent or deleted: the action is marked done, and the ledger learns the message ids (a send
  is marked in the outbox before it is tried, so a copy sent just before a crash is found by
  the wipe as well: ``Outbox.sending``);
* anything else, by its class (``bot.telegram_adapter.outcomes``): a 429 waits as told, a 403
  drops the chat's queue, a network error or 5xx is retried for 30 s at most, a refusal (400,
  404...) is given up, and a reply the library cannot read marks the action done unconfirmed,
  never repeated; each given-up action is a log event (``send.given_up``) and a metric;
* a wipe Telegram refused still leaves its neutral line, after the text that tells the trainee
  to delete the chat by hand (``WipeChat.refused``);
* the database unreachable: the action stays; the loop tries again.

``to_actions`` turns what the service returns to a chat into typed outbox actions
(``bot.actions``); the sender matches on their types.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Protocol

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import MessageLimit
from telegram.error import BadRequest, RetryAfter

from bot.actions import (
    DESK_ACTIONS,
    Action,
    Buttons,
    CopyOut,
    Delete,
    DeskAction,
    ForgetTopic,
    OpenTopic,
    RelayIn,
    Send,
    WipeChat,
)
from bot.effects import DeskForget, DeskRequest, Forward, Relay, Reply, Scrub, Turn, Wipe
from bot.failpoints import failpoint
from bot.storage import DatabaseError, Ledger, Outbox, Queued
from bot.telegram_adapter.limits import RateLimits
from bot.telegram_adapter.loop import nap
from bot.telegram_adapter.metrics import Metrics
from bot.telegram_adapter.outcomes import Outcome, outcome, retry_wait

log = logging.getLogger(__name__)

DELETE_BATCH = 100
"""``deleteMessages`` takes at most 100 ids."""


def to_actions(
    turn: Turn,
    chat_id: int,
    message_id: int | None,
    copyable: bool = False,
    caption: str | None = None,
) -> list[Action]:
    """Return the outbox actions for what the service said to a chat.

    The union desk's actions are among them (``DESK_ACTIONS``); the caller queues those under
    the desk's key, so they keep their order and the group's rate limit. What follows a wipe
    in the same turn is the neutral line it leaves (``Send.parting``).
    """
    actions: list[Action] = []
    parting = False
    for item in turn.out:
        match item:
            case Reply(text=text, buttons=buttons):
                parts = split(text)
                for index, part in enumerate(parts):
                    last = index == len(parts) - 1
                    actions.append(Send(chat_id, part, buttons if last else (), parting))
            case Wipe(refused=refused):
                parting = True
                actions.append(WipeChat(chat_id, refused=refused))
            case Scrub() if message_id is not None:
                actions.append(Delete(chat_id, (message_id,)))
            case DeskRequest(case=case):
                actions.append(OpenTopic(case))
            case Relay(case=case, text=text) if text is not None or copyable:
                actions.append(RelayIn(case, chat_id, message_id, text, caption))
            case Forward(text=text, desk_message_id=int(desk_message_id)):
                actions.append(CopyOut(chat_id, desk_message_id, text))
            case Forward(text=str(text)):
                actions.append(Send(chat_id, text))
            case DeskForget(thread_id=thread_id):
                actions.append(ForgetTopic(thread_id))
    return actions


async def delete_in_batches(bot: Bot, chat_id: int, ids: Sequence[int]) -> bool:
    """Delete messages, 100 a call; ones already gone or too old are skipped by Telegram.

    Return False if Telegram refused a batch (400): the others are still tried. Other errors
    (the network, a 429, a 404) are the caller's to retry or let go.
    """
    whole = True
    for start in range(0, len(ids), DELETE_BATCH):
        try:
            await bot.delete_messages(chat_id, ids[start : start + DELETE_BATCH])
        except BadRequest as error:
            log.warning("wipe.partial", extra={"error": type(error).__name__})
            whole = False
    return whole


def split(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Split a text into messages Telegram accepts, at paragraph or line breaks if possible."""
    parts: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n\n", 0, limit), text.rfind("\n", 0, limit))
        cut = cut if cut > limit // 2 else limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n")
    return [*parts, text] if text or not parts else parts


def keyboard(buttons: Buttons) -> InlineKeyboardMarkup | None:
    """One button a row: labels are long in Vietnamese, and phones are narrow."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data)] for label, data in buttons]
    )


class DeskActions(Protocol):
    """What the sender needs of the union desk's group (``bot.telegram_adapter.group``)."""

    @property
    def chat_id(self) -> int:
        """The desk's group."""

    async def perform(self, action: DeskAction) -> None:
        """Carry out one desk action."""

    async def refused(self, action: DeskAction) -> None:
        """The sender gave up a desk action (a case's topic refused: keep it, alert)."""


class Sender:
    """Drains the outbox."""

    def __init__(
        self,
        bot: Bot,
        outbox: Outbox,
        ledger: Ledger,
        limits: RateLimits,
        desk: DeskActions | None = None,
        *,
        metrics: Metrics | None = None,
    ) -> None:
        self.bot = bot
        self.outbox = outbox
        self.ledger = ledger
        self.limits = limits
        self.metrics = metrics or Metrics()
        self.leading: Callable[[], bool] = lambda: True
        """Whether this process leads (``bot.storage.locks``): only the leader sends."""
        self.desk = desk
        """Carries out the union desk's actions (None: no desk; they are dropped)."""
        self.wake = asyncio.Event()
        self.unconfirmed: set[str] = set()
        """Chats whose last send may have gone out unseen (its reply could not be read)."""
        self.failing: dict[int, float] = {}
        """When each failing action (by outbox row) first failed, on the monotonic clock."""
        self.busy: set[str] = set()
        self.turned: float | None = None
        """When (Unix time) the loop last turned: ``helpline health``."""
        self.tasks: set[asyncio.Task[None]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        """Carry out due actions until ``stop`` is set and nothing more is due."""
        while True:
            self.turned = time.time()
            try:
                due = []
                if self.leading():  # one process sends: Telegram's limits are per bot
                    due = await asyncio.to_thread(self.outbox.due, 100, frozenset(self.busy))
            except DatabaseError:
                due = []
                await asyncio.sleep(1)
            for action in due:
                self.busy.add(action.chat_key)
                task = asyncio.create_task(self._one(action))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            if stop.is_set() and not due and not self.tasks:
                return
            await nap(self.wake, 0.5)

    async def _copy_out(self, action: CopyOut) -> int:
        """Copy a volunteer's message to a trainee; if that fails, send its text (if any)."""
        desk = self.desk.chat_id if self.desk else 0
        chat_id, text = action.chat, action.text
        try:
            copied = await self.bot.copy_message(
                chat_id, desk, action.message_id, caption=action.caption, protect_content=True
            )
            return copied.message_id
        except BadRequest:
            if text is None:
                raise
        message = await self.bot.send_message(
            chat_id,
            text,
            protect_content=True,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
        return message.message_id

    async def _one(self, action: Queued) -> None:
        try:
            await self.perform(action)
        except DatabaseError:
            await asyncio.sleep(1)  # the action stays queued
        finally:
            self.busy.discard(action.chat_key)
            self.wake.set()

    async def perform(self, queued: Queued) -> None:
        """Carry out one action and record the outcome."""
        outbox = self.outbox
        try:
            match queued.action:
                case Send(chat=chat, text=text, buttons=buttons, parting=parting):
                    queued = await self._before_sending(queued, chat)
                    message = await self.bot.send_message(
                        chat,
                        text,
                        reply_markup=keyboard(buttons),
                        protect_content=True,
                        link_preview_options=LinkPreviewOptions(is_disabled=True),
                    )
                    failpoint("sender.sent")
                    sent = [message.message_id]
                    await asyncio.to_thread(
                        outbox.done, queued, sent, address=chat, parting=parting
                    )
                case Delete(chat=chat, ids=ids):
                    await self._delete(chat, ids)
                    await asyncio.to_thread(outbox.done, queued, (), ids)
                case WipeChat(chat=chat, sweep=sweep):
                    known = await asyncio.to_thread(self.ledger.deletable, queued.chat_key, sweep)
                    if not await self._delete(chat, known):
                        await self._not_cleared(queued)
                    await asyncio.to_thread(outbox.done, queued, (), known)
                case CopyOut(chat=chat) as copy if self.desk is not None:
                    queued = await self._before_sending(queued, chat)
                    sent = [await self._copy_out(copy)]
                    await asyncio.to_thread(outbox.done, queued, sent, address=chat)
                case action if isinstance(action, DESK_ACTIONS) and self.desk is not None:
                    await self.desk.perform(action)
                    await asyncio.to_thread(outbox.done, queued)
                case _:  # no desk, or a row this version cannot read
                    await asyncio.to_thread(outbox.done, queued)
            self.metrics.count("helpline_messages_sent_total")
            self.failing.pop(queued.id, None)
        except DatabaseError:
            raise
        except Exception as error:  # every class has its rule (bot.telegram_adapter.outcomes)
            await self._failed(queued, error)

    async def _before_sending(self, queued: Queued, chat: int) -> Queued:
        """Mark a send in the outbox before its first try (so a wipe finds it), then wait.

        After a send left unconfirmed in this chat, the returned action carries its floor at
        once, so that marking it done notes the ids below it: the unconfirmed message's too.
        """
        if queued.floor is None:
            floor = await asyncio.to_thread(self.outbox.sending, queued)
            if queued.chat_key in self.unconfirmed:
                self.unconfirmed.discard(queued.chat_key)
                queued = replace(queued, floor=floor)
        await self.limits.wait(chat)
        return queued

    async def _failed(self, action: Queued, error: Exception) -> None:
        """Obey a 429, drop a blocked chat's queue, retry for 30 s at most, give up the rest."""
        kind = outcome(error)
        self.metrics.count("helpline_send_failures_total", kind=kind.value)
        match kind:
            case Outcome.RETRY_AFTER:
                after = error.retry_after if isinstance(error, RetryAfter) else 1
                wait = after.total_seconds() if isinstance(after, timedelta) else float(after)
                self.limits.pause(wait)
                log.warning("send.retry_after", extra={"seconds": wait})
                await asyncio.to_thread(self.outbox.later, action, timedelta(seconds=wait))
            case Outcome.BLOCKED:
                self.failing.pop(action.id, None)
                dropped = await asyncio.to_thread(self.outbox.drop_chat, action.chat_key)
                log.info("send.blocked", extra={"dropped": dropped})
            case Outcome.RETRY:
                first = self.failing.setdefault(action.id, time.monotonic())
                retry = retry_wait(action.attempts, time.monotonic() - first)
                if retry is None:
                    await self._give_up(action, error, kind)
                    return
                log.warning("send.failed", extra={"error": type(error).__name__})
                await asyncio.to_thread(self.outbox.later, action, timedelta(seconds=retry))
            case _:
                await self._give_up(action, error, kind)

    async def _give_up(self, action: Queued, error: Exception, kind: Outcome) -> None:
        """Mark an action done without doing it (or unsure it was done): the operator is told."""
        self.failing.pop(action.id, None)
        do = type(action.action).__name__
        extra = {"error": type(error).__name__, "do": do, "outcome": kind.value}
        log.error("send.given_up", extra=extra)
        self.metrics.count("helpline_actions_given_up_total", outcome=kind.value, do=do)
        if isinstance(action.action, Send | CopyOut) and kind is Outcome.UNCONFIRMED:
            self.unconfirmed.add(action.chat_key)  # the next send notes its id for the wipe
        if isinstance(action.action, WipeChat) and kind is not Outcome.UNCONFIRMED:
            await self._not_cleared(action)
        if isinstance(action.action, DESK_ACTIONS) and self.desk is not None:
            await self.desk.refused(action.action)
        await asyncio.to_thread(self.outbox.done, action)

    async def _not_cleared(self, queued: Queued) -> None:
        """Tell the trainee, neutrally, that the chat could not be cleared (if there is a text)."""
        action = queued.action
        if not isinstance(action, WipeChat) or not action.refused:
            return
        try:
            message = await self.bot.send_message(
                action.chat, action.refused, protect_content=True
            )
        except Exception as error:  # the wipe is given up either way
            log.warning("wipe.notice_failed", extra={"error": type(error).__name__})
            return
        await asyncio.to_thread(self.outbox.done, queued, [message.message_id], parting=True)

    async def _delete(self, chat_id: int, ids: Sequence[int]) -> bool:
        return await delete_in_batches(self.bot, chat_id, ids)
