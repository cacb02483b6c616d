"""Taking updates in: long polling (or the webhook, ``webhook.py``) into the durable inbox.

Polling asks Telegram for updates after the last offset. A batch is written to the inbox in
one transaction *before* the next request, whose offset is what tells Telegram the batch
arrived; so an update Telegram forgets is always in the inbox already. A crash before the write
means Telegram sends the batch again; the inbox drops what it has seen (for 48 hours).

Updates are fetched as raw JSON and never parsed with the library here: what the intake needs
(the update id, the chat and its kind, the text for an exit) is read defensively (``raw``), so
one update the library cannot read can never stop the intake; the worker parses each one. The
inbox keeps only what the worker needs of an update (``kept``): never the sender's names or
username, never ``from`` beyond what the desk needs to know a volunteer. An empty answer that
comes back at once is followed by a short pause; a new server counting update ids from 1 again
makes the inbox forget the old ones (``Intake._restarted``).

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
import time
from collections.abc import Callable, Sequence
from typing import Any

from telegram import Bot
from telegram.error import Conflict, InvalidToken, TelegramError

from bot.actions import DESK_QUEUE
from bot.failpoints import failpoint
from bot.service import Helpline
from bot.storage import Arrived, DatabaseError, Inbox, Keyring
from bot.telegram_adapter.client import POLL_SECONDS
from bot.telegram_adapter.limits import FloodGate, Verdict
from bot.telegram_adapter.loop import backoff, nap
from bot.telegram_adapter.metrics import Metrics
from bot.telegram_adapter.raw import Facts, facts, seal
from bot.telegram_adapter.sender import delete_in_batches

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
"""The inbox and outbox key of everything in the union desk's group: it goes in order."""
RESTART_GAP = 1000
"""Update ids this far below the offset come from a new server (see ``Intake._restarted``)."""
EMPTY_POLL_PAUSE = 1.0
"""The longest pause after an empty answer that came back at once (a server that does not
long-poll): 0.5 s, then 1 s each time; at most a second's delay for the next update."""


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
        self.polled: float | None = None
        self.checked_restart = False
        """When (Unix time) the last poll or webhook call came back: ``helpline health``."""
        self.metrics = metrics or Metrics()

    async def take(self, updates: Sequence[dict[str, Any]]) -> None:
        """Write a batch of raw updates to the inbox (raises ``DatabaseError`` if it cannot)."""
        arrivals: list[Arrived] = []
        dropped: dict[int, list[int]] = {}
        foreign: dict[int, int] = {}  # updates from groups other than the desk's, by group
        following: set[int] = set()
        for update in updates:
            found = facts(update)
            if found.update_id is None:  # nothing to store it under (see ``ids``)
                log.warning("update.unreadable", extra={"error": "no_update_id"})
                continue
            if found.group and found.chat_id != self.desk_chat:
                if found.chat_id is not None:
                    foreign[found.chat_id] = foreign.get(found.chat_id, 0) + 1  # no id kept
                continue
            if found.group:
                arrivals.append(Arrived(found.update_id, DESK_QUEUE, seal(update, found)))
                continue
            if found.chat_id is None or found.chat_type != "private":
                arrivals.append(Arrived(found.update_id, None, None))
                continue
            chat = self.keyring.pseudonym("chat", found.chat_id)
            if len(self.keyring.index_ids) > 1:
                following.add(found.chat_id)
            verdict = self.flood.check(chat, leaving=self.leaves(found))
            if verdict is Verdict.TAKE:
                arrivals.append(Arrived(found.update_id, chat, seal(update, found)))
                continue
            if found.message_id is not None:
                dropped.setdefault(found.chat_id, []).append(found.message_id)
            if verdict is Verdict.NOTICE:
                notice = {"flood": {"chat": found.chat_id, "lang": found.language_code}}
                arrivals.append(Arrived(found.update_id, chat, json.dumps(notice).encode()))
        if following:  # an index-key rotation: these chats' rows move to the new key first
            await asyncio.to_thread(self.inbox.follow, following)
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

    def leaves(self, found: Facts) -> bool:
        """Whether an update asks to wipe or delete (a command, or the exit or delete word)."""
        if found.command is not None:
            return found.command in ("exit", "delete")
        return found.text is not None and self.helpline.word_command(found.text) is not None

    async def take_or_wait(self, updates: Sequence[dict[str, Any]], stop: asyncio.Event) -> bool:
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

    async def tell_busy(self, updates: Sequence[dict[str, Any]]) -> None:
        """Tell each chat once, while the database is down, to try again in a minute."""
        for update in updates:
            arrival = facts(update)
            if arrival.chat_type != "private" or arrival.chat_id is None:
                continue
            if arrival.chat_id in self.told_busy:
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

    async def fetch(self, timeout: int, limit: int = 100) -> list[dict[str, Any]]:
        """Ask Telegram for the updates after the offset, as raw JSON (never parsed here).

        ``Bot.get_updates`` would parse the batch and raise on one update it cannot read, and
        ``Bot.do_api_request`` warns for a method the library knows; ``_post`` is what both use,
        without the parsing. An answer that is not a list counts as empty.
        """
        params: dict[str, Any] = {"timeout": timeout, "limit": limit}
        if self.offset is not None:
            params["offset"] = self.offset
        if timeout:
            params["allowed_updates"] = ALLOWED_UPDATES
        answer = await self.bot._post(  # see the docstring
            "getUpdates", params, read_timeout=timeout + 10
        )
        return [u for u in answer if isinstance(u, dict)] if isinstance(answer, list) else []

    async def poll(self, stop: asyncio.Event) -> None:
        """Long-poll Telegram until ``stop`` is set.

        An empty answer that comes back at once (a server that does not long-poll) is followed
        by a pause (``EMPTY_POLL_PAUSE``); a run of errors by a growing one (``backoff``).
        """
        failures = quick = 0
        wake = asyncio.Event()
        self.polled = time.time()  # a poll in flight counts from when it began
        while not stop.is_set():
            began = time.monotonic()
            try:
                updates = await self.fetch(POLL_SECONDS)
                failures = 0
                self.polled = time.time()
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
                quick = quick + 1 if time.monotonic() - began < 1.0 else 0
                if quick:
                    await nap(wake, backoff(quick, most=EMPTY_POLL_PAUSE))
                continue
            quick = 0
            await self._take_batch(updates, stop, wake)

    async def _take_batch(
        self, updates: list[dict[str, Any]], stop: asyncio.Event, wake: asyncio.Event
    ) -> None:
        failpoint("intake.fetched")
        try:
            await self._restarted(updates)
            taken = await self.take_or_wait(updates, stop)
        except Exception as error:  # a bug must not stop the helpline from listening
            log.exception("intake.failed", extra={"error": type(error).__name__})
            await nap(wake, 1.0)
            return
        if taken:
            failpoint("intake.recorded")
            self.offset = next_offset(updates, self.offset)

    async def _restarted(self, updates: Sequence[dict[str, Any]]) -> None:
        """Forget the old ids if the server counts update ids from 1 again (a new server).

        The rule: Telegram never returns an update below the offset asked for, and redelivers
        at most the batches not yet confirmed; so a batch whose lowest id is more than
        ``RESTART_GAP`` below the offset (or, on the first poll after a start, below the
        newest id in the inbox) comes from a server that started counting again. The inbox
        then forgets the handled ids from that lowest one on, instead of dropping the new
        server's updates as seen. (The old server's own ids are rarely that low: Telegram's
        are nine digits and more.)
        """
        ids = [found.update_id for found in map(facts, updates) if found.update_id is not None]
        if not ids:
            return
        known = self.offset
        if known is None and not self.checked_restart:
            try:
                known = await asyncio.to_thread(self.inbox.newest)
            except DatabaseError:  # the batch waits for the database anyway: ask again then
                return
        self.checked_restart = True
        if known is None or min(ids) >= known - RESTART_GAP:
            return
        forgotten = await asyncio.to_thread(self.inbox.forget_handled, min(ids))
        log.warning("telegram.update_ids_restarted", extra={"forgotten": forgotten})
        self.offset = None

    async def confirm(self) -> None:
        """Tell Telegram that everything in the inbox arrived (on the way out)."""
        if self.offset is None:
            return
        try:
            await self.fetch(0, limit=1)
        except TelegramError as error:  # then Telegram sends them again; the inbox drops them
            log.warning("telegram.confirm_failed", extra={"error": type(error).__name__})


def next_offset(updates: Sequence[dict[str, Any]], offset: int | None) -> int | None:
    """The offset after a batch: past its highest update id, never back (a redelivery)."""
    ids = [found.update_id for found in map(facts, updates) if found.update_id is not None]
    if not ids:
        return offset
    return max(max(ids) + 1, offset or 0)
