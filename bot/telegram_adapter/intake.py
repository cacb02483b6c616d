"""Taking updates in: long polling (or the webhook, ``webhook.py``) into the durable inbox.

Polling asks Telegram for updates after the last offset. A batch is written to the inbox in
one transaction *before* the next request, whose offset is what tells Telegram the batch
arrived; so an update Telegram forgets is always in the inbox already. A crash before the write
means Telegram sends the batch again; the inbox drops what it has seen (for 48 hours).

The inbox keeps only what the worker needs of an update (``kept``): never the sender's names
or username, never ``from`` beyond what the desk needs to know a volunteer.

Flood control happens here, before anything is stored: past 30 updates a minute from one chat,
updates are not kept, not even their ids, and their messages are deleted from the chat unread;
the first one dropped asks the worker for a single polite notice. Past the limit, one /exit,
exit word or /delete per chat every few seconds still goes through (an exit must always work);
a flood of them is dropped like any other.

Only the desk's group may reach the desk: updates from any other group or channel are dropped
here, unread and unstored (counted in ``helpline_foreign_updates_dropped_total``), and the bot
leaves that chat on its own, once per chat and process, with one audit row that names no chat.

When the database is unreachable, the offset does not move (Telegram keeps the updates), the
chats in the batch get one short "try again in a minute" each, sent directly in the language
their Telegram app suggests, and polling goes on with growing pauses until the database is back.
Those notices cannot be noted in the ledger (the database is down), so they are kept in memory
and deleted as soon as the database takes a batch again: their moment has passed, and no
``/exit`` would find them. (A crash while the database is down loses that memory: the notice
stays, a neutral line.)
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, TelegramError

from bot import engine
from bot.actions import DESK_QUEUE
from bot.events import DeleteAsked
from bot.failpoints import failpoint
from bot.service import Helpline
from bot.storage import Arrived, DatabaseError, Inbox, Keyring
from bot.telegram_adapter.kept import kept
from bot.telegram_adapter.limits import FloodGate, Verdict
from bot.telegram_adapter.loop import backoff, nap
from bot.telegram_adapter.metrics import Metrics
from bot.telegram_adapter.reading import Arrival, read
from bot.telegram_adapter.sender import delete_in_batches

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
"""The inbox and outbox key of everything in the union desk's group: it goes in order."""
POLL_SECONDS = 10


LONE_SURROGATE = re.compile("[\ud800-\udfff]")
"""Half of a UTF-16 pair, alone: JSON may carry one (``"\\ud800"``), UTF-8 cannot."""


def as_json(update: Update) -> bytes:
    """What the inbox keeps of an update, as JSON: ``kept`` (no names, no ``from``).

    Times are Unix seconds, as Telegram sends them. A lone surrogate becomes U+FFFD (one UTF-16
    unit, like it: entity offsets stay right); left in, it could not be encoded, and the batch
    would be retried again and again.
    """

    def plain(value: object) -> object:
        if isinstance(value, datetime):
            return int(value.timestamp())
        if isinstance(value, timedelta):
            return int(value.total_seconds())
        raise TypeError(type(value).__name__)

    whole = json.loads(json.dumps(update.to_dict(), default=plain))
    text = json.dumps(kept(whole), ensure_ascii=False)
    return LONE_SURROGATE.sub("\ufffd", text).encode()


class Intake:
    """Writes arriving updates to the inbox, with flood control and database-down notices."""

    def __init__(
        self,
        helpline: Helpline,
        bot: Bot,
        keyring: Keyring,
        *,
        inbox: Inbox,
        arrived: Callable[[], None],
        flood: FloodGate | None = None,
        desk_chat: int | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.helpline = helpline
        self.bot = bot
        self.keyring = keyring
        self.inbox = inbox
        self.arrived = arrived
        """Called when the inbox has something new."""
        self.flood = flood or FloodGate()
        self.desk_chat = desk_chat
        """The union desk's group, whose updates are kept for the desk (None: no desk)."""
        self.left: set[int] = set()
        """The groups this process has left (each is left once)."""
        self.told_busy: set[int] = set()
        self.busy_notices: dict[int, list[int]] = {}
        """The "try again" notices sent while the database was down, to delete once back."""
        self.offset: int | None = None
        self.metrics = metrics or Metrics()

    async def take(self, updates: Sequence[Update]) -> None:
        """Write a batch to the inbox (raises ``DatabaseError`` if it cannot)."""
        arrivals: list[Arrived] = []
        dropped: dict[int, list[int]] = {}
        foreign: dict[int, int] = {}  # updates from groups other than the desk's, by group
        for update in updates:
            try:
                arrival = read(update)
            except Exception as error:  # something PTB parsed but we cannot read: keep the id
                log.warning("update.unreadable", extra={"error": type(error).__name__})
                arrival = Arrival(update.update_id)
            if arrival.group_chat is not None and arrival.group_chat != self.desk_chat:
                foreign[arrival.group_chat] = foreign.get(arrival.group_chat, 0) + 1  # no id kept
                continue
            if arrival.group is not None:
                arrivals.append(Arrived(update.update_id, DESK_QUEUE, as_json(update)))
                continue
            if arrival.chat_id is None:
                arrivals.append(Arrived(update.update_id, None, None))
                continue
            chat = self.keyring.pseudonym("chat", arrival.chat_id)
            verdict = self.flood.check(chat, leaving=self.leaves(arrival))
            if verdict is Verdict.TAKE:
                arrivals.append(Arrived(update.update_id, chat, as_json(update)))
                continue
            if arrival.message_id is not None:
                dropped.setdefault(arrival.chat_id, []).append(arrival.message_id)
            if verdict is Verdict.NOTICE:
                notice = {"flood": {"chat": arrival.chat_id, "lang": arrival.language_code}}
                arrivals.append(Arrived(update.update_id, chat, json.dumps(notice).encode()))
        await asyncio.to_thread(self.inbox.take_in, arrivals)
        self.metrics.count("helpline_updates_received_total", len(arrivals))
        self.told_busy.clear()
        self.arrived()
        if dropped:
            log.warning("flood.dropped", extra={"updates": sum(map(len, dropped.values()))})
            await self.delete_unread(dropped)
        if self.busy_notices:
            notices, self.busy_notices = self.busy_notices, {}
            await self.delete_unread(notices)
        if foreign:
            self.metrics.count("helpline_foreign_updates_dropped_total", sum(foreign.values()))
            await self.leave(set(foreign))

    async def leave(self, chats: set[int]) -> None:
        """Leave groups and channels that are not the desk's: once each, audited without ids."""
        for chat_id in chats - self.left:
            if len(self.left) > 10_000:  # noqa: PLR2004 - keep memory bounded
                self.left.clear()
            self.left.add(chat_id)
            try:
                await self.bot.leave_chat(chat_id)
            except TelegramError as error:  # already gone, or Telegram is down: it stays dropped
                log.warning("group.leave_failed", extra={"error": type(error).__name__})
                continue
            log.info("group.left")
            try:
                await asyncio.to_thread(self.helpline.left_group)
            except DatabaseError:
                log.error("group.left_not_audited")

    async def delete_unread(self, dropped: dict[int, list[int]]) -> None:
        """Delete messages (a flood's, unread; stale busy notices): best effort, nothing kept."""
        for chat_id, message_ids in dropped.items():
            try:
                await delete_in_batches(self.bot, chat_id, message_ids)
            except TelegramError as error:  # best effort: the flood is not kept either way
                log.warning("flood.delete_failed", extra={"error": type(error).__name__})

    def leaves(self, arrival: Arrival) -> bool:
        """Whether an update asks to wipe or delete (a command, or the exit or delete word)."""
        match arrival.event:
            case engine.CommandGiven(command=engine.Command.EXIT) | DeleteAsked():
                return True
            case engine.TextEntered(text=text):
                return self.helpline.is_exit_word(text) or self.helpline.is_delete_word(text)
        return False

    async def take_or_wait(self, updates: Sequence[Update], stop: asyncio.Event) -> bool:
        """Write a batch, retrying while the database is down; False if stopped first."""
        failures = 0
        while True:
            try:
                await self.take(updates)
                return True
            except DatabaseError:
                failures += 1
                log.error("intake.database_unreachable")
                await self.tell_busy(updates)
                if stop.is_set():
                    return False
                await asyncio.sleep(backoff(failures))

    async def tell_busy(self, updates: Sequence[Update]) -> None:
        """Tell each chat once, while the database is down, to try again in a minute."""
        for update in updates:
            arrival: Arrival = read(update)
            if arrival.chat_id is None or arrival.chat_id in self.told_busy:
                continue
            self.told_busy.add(arrival.chat_id)
            try:
                notice = await self.bot.send_message(
                    arrival.chat_id,
                    self.helpline.text_for("busy", arrival.language_code),
                    protect_content=True,
                )
                self.busy_notices.setdefault(arrival.chat_id, []).append(notice.message_id)
            except TelegramError as error:
                log.warning("intake.busy_notice_failed", extra={"error": type(error).__name__})

    async def poll(self, stop: asyncio.Event) -> None:
        """Long-poll Telegram until ``stop`` is set."""
        failures = 0
        wake = asyncio.Event()
        while not stop.is_set():
            try:
                updates = await self.bot.get_updates(
                    offset=self.offset, timeout=POLL_SECONDS, allowed_updates=ALLOWED_UPDATES
                )
                failures = 0
            except InvalidToken:
                log.critical("telegram.invalid_token")
                stop.set()
                raise
            except Conflict:
                log.error("telegram.conflict")  # another process polls with this token
                failures += 1
                await nap(wake, 5.0)
                continue
            except TelegramError as error:  # network errors, timeouts, 5xx
                failures += 1
                log.warning("telegram.unreachable", extra={"error": type(error).__name__})
                await nap(wake, backoff(failures))
                continue
            if not updates:
                continue
            failpoint("intake.fetched")
            try:
                taken = await self.take_or_wait(updates, stop)
            except Exception as error:  # a bug must not stop the helpline from listening
                log.exception("intake.failed", extra={"error": type(error).__name__})
                failures += 1
                await nap(wake, backoff(failures))
                continue
            if taken:
                failpoint("intake.recorded")
                self.offset = updates[-1].update_id + 1

    async def confirm(self) -> None:
        """Tell Telegram that everything in the inbox arrived (on the way out)."""
        if self.offset is None:
            return
        try:
            await self.bot.get_updates(offset=self.offset, timeout=0, limit=1)
        except TelegramError as error:  # then Telegram sends them again; the inbox drops them
            log.warning("telegram.confirm_failed", extra={"error": type(error).__name__})
