"""The worker: handles the updates waiting in the inbox, in order per chat, chats in parallel.

Each update is parsed here, alone: one the library cannot read is logged by its id and the
error's class, marked done, and its private chat asked to use the buttons; the chat goes on.
For each update: answer a button press at once (so the phone stops waiting), note the trainee's
message in the ledger, hand the event to the service (a private message goes to the staff
step-up first, ``bot.service.staff``, which takes only a volunteer's), and, inside the
service's unit of work, queue the replies in the outbox and mark the update done. So the new
state, what to send and "handled" are committed together: after a crash an update is either not
yet handled (and is handled then) or handled once.

If the database is unreachable, the update stays waiting and the worker tries again; an update
that fails three times for another reason is set aside and logged, so one bad update cannot
stop a chat. Until a failed update is handled or set aside, the chat's later updates wait for
it: a trainee's answers are never taken out of order. A flood notice (see
``limits.FloodGate``) is sent in the chat's language. The service's work runs in worker
threads, never on the event loop.

Other processes may share the database (``bot.storage.locks``): each update is claimed inside
its unit of work, which waits while another process holds the chat and skips an update that
one has handled already.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from telegram import Bot, Update
from telegram.error import TelegramError

from bot.actions import DESK_ACTIONS, DESK_QUEUE, Action
from bot.effects import Turn
from bot.failpoints import failpoint
from bot.records import Unit
from bot.service import Helpline
from bot.storage import DatabaseError, Inbox, Ledger, Outbox, Waiting
from bot.telegram_adapter.group import Group
from bot.telegram_adapter.loop import backoff, nap
from bot.telegram_adapter.metrics import Metrics
from bot.telegram_adapter.raw import Facts, facts
from bot.telegram_adapter.reading import read, username_of
from bot.telegram_adapter.sender import to_actions

log = logging.getLogger(__name__)

GIVE_UP_AFTER = 3
PARALLEL = 16
"""Updates handled at once (of different chats)."""


class Worker:
    """Takes updates out of the inbox and through the service."""

    def __init__(
        self,
        helpline: Helpline,
        bot: Bot,
        *,
        inbox: Inbox,
        outbox: Outbox,
        ledger: Ledger,
        sent: Callable[[], None],
        desk: Group | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.helpline = helpline
        self.bot = bot
        self.inbox = inbox
        self.outbox = outbox
        self.ledger = ledger
        self.sent = sent
        self.desk = desk
        self.metrics = metrics or Metrics()
        self.wake = asyncio.Event()
        self.in_flight: set[int] = set()
        self.locks: dict[str, asyncio.Lock] = {}
        self.waiters: dict[str, int] = {}
        """Tasks holding or waiting for each chat's lock: one chat's updates go in order."""
        self.stalled: dict[str, int] = {}
        """Chats whose update (this id) failed and waits to be tried again: their later
        updates wait too, so that nothing overtakes it."""
        self.slots = asyncio.Semaphore(PARALLEL)
        self.tasks: set[asyncio.Task[None]] = set()
        self.failures = 0
        self.turned: float | None = None
        """When (Unix time) the loop last turned: ``helpline health``."""

    async def run(self, stop: asyncio.Event) -> None:
        """Handle waiting updates until ``stop`` is set; then finish what is in flight.

        Whoever sets ``stop`` also sets ``wake``, so that a nap ends at once.
        """
        while not stop.is_set():
            self.turned = time.time()
            try:
                waiting = await asyncio.to_thread(self.inbox.waiting)
                self.failures = 0
            except DatabaseError:
                self.failures += 1
                await nap(self.wake, backoff(self.failures))
                continue
            self._unstall(waiting)
            for item in waiting:
                if item.update_id not in self.in_flight:
                    self.in_flight.add(item.update_id)
                    task = asyncio.create_task(self._one(item))
                    self.tasks.add(task)
                    task.add_done_callback(self.tasks.discard)
            await nap(self.wake, 1.0)
        if self.tasks:
            await asyncio.wait(self.tasks)

    async def _one(self, item: Waiting) -> None:
        key = item.chat_key or ""
        lock = self.locks.setdefault(key, asyncio.Lock())
        self.waiters[key] = self.waiters.get(key, 0) + 1
        try:
            async with lock, self.slots:  # failures too are dealt with holding the lock
                if item.update_id > self.stalled.get(key, item.update_id):
                    return  # an earlier update of the chat failed: this one waits for it
                self.stalled[key] = item.update_id
                started = time.perf_counter()
                try:
                    handled = await self.handle(item)
                except DatabaseError:
                    log.warning("update.waits_for_database")  # tried again on the next round
                    self.metrics.count("helpline_update_failures_total", kind="database")
                    return
                except Exception as error:  # a bug or a malformed update: never stop the chat
                    log.exception("update.failed", extra={"error": type(error).__name__})
                    self.metrics.count("helpline_update_failures_total", kind="error")
                    if not await self._set_aside(item):
                        return
                else:
                    if handled:
                        self.metrics.count("helpline_updates_handled_total")
                        self.metrics.observe(time.perf_counter() - started)
                del self.stalled[key]
        finally:
            self.in_flight.discard(item.update_id)
            self.waiters[key] -= 1
            if not self.waiters[key]:  # nobody else holds or waits for this chat's lock
                del self.waiters[key], self.locks[key]

    def _unstall(self, waiting: list[Waiting]) -> None:
        """Let a chat go on once its failed update is no longer waiting.

        It was handled after all, or set aside: without this the chat would wait forever.
        """
        ids = {item.update_id for item in waiting}
        newest = waiting[-1].update_id if waiting else 0
        for key, update_id in list(self.stalled.items()):
            gone = (update_id not in ids and update_id <= newest) or not waiting
            if gone and update_id not in self.in_flight:
                del self.stalled[key]

    async def _set_aside(self, item: Waiting) -> bool:
        """Count a failure; after the third, give the update up. Say whether it was."""
        with contextlib.suppress(DatabaseError):  # then it is simply tried again
            if await asyncio.to_thread(self.inbox.failed, item.update_id) >= GIVE_UP_AFTER:
                await asyncio.to_thread(self.inbox.finish, item.update_id)
                log.error("update.given_up")
                return True
        return False

    async def handle(self, item: Waiting) -> bool:
        """Handle one update; False if another process holds its chat or has handled it."""
        data: dict[str, Any] = json.loads(item.payload)
        if "flood" in data:
            return await self._notice(item, data["flood"], "slow_down")
        try:  # the update is parsed here, per update, never in the intake
            if "unreadable" in data:
                raise ValueError("unreadable")
            update = Update.de_json(data, self.bot)
            arrival = read(update, username_of(self.bot))
        except Exception as error:  # a poison update must not stop its chat
            return await self._unreadable(item, data, error)
        if item.chat_key == DESK_QUEUE:
            return await self._desk_update(item, update)
        if arrival.callback_id is not None:
            # Too late or already answered: the press is handled all the same.
            with contextlib.suppress(TelegramError):
                await self.bot.answer_callback_query(arrival.callback_id)
        chat = item.chat_key
        if chat is None or arrival.chat_id is None:
            await asyncio.to_thread(self.inbox.finish, item.update_id)
            return True
        if len(self.inbox.keyring.index_ids) > 1:  # an index-key rotation: the chat moves first
            await asyncio.to_thread(self.inbox.follow, [arrival.chat_id])
            chat = self.inbox.keyring.pseudonym("chat", arrival.chat_id)
        if arrival.message_id is not None:
            await asyncio.to_thread(self.ledger.note, chat, [arrival.message_id], False)
        if arrival.blocked:
            await asyncio.to_thread(self.outbox.drop_chat, chat)
        if arrival.event is None:
            await asyncio.to_thread(self.inbox.finish, item.update_id)
            return True

        def after(unit: Unit, turn: Turn) -> None:
            actions = to_actions(
                turn,
                arrival.chat_id or 0,
                arrival.message_id,
                copyable=arrival.copyable,
                caption=arrival.caption,
            )
            self.queue(unit, chat, actions)
            unit.finish_update(item.update_id)
            failpoint("worker.before_commit")

        claim = _Claim(item.update_id, chat)
        if self.desk is not None and arrival.chat_id > 0:  # a private chat: a volunteer's step?
            staff = self.desk.rules.staff.private
            if await asyncio.to_thread(staff, arrival.chat_id, chat, arrival.event, after, claim):
                self.sent()
                return claim.got
        await asyncio.to_thread(
            self.helpline.handle, chat, arrival.event, str(arrival.chat_id), after, claim=claim
        )
        failpoint("worker.committed")
        self.sent()
        return claim.got

    async def _desk_update(self, item: Waiting, update: Update) -> bool:
        """An update from the desk's group: the desk's rules, or done if no desk runs here."""
        if self.desk is not None:
            await self.desk.staff(update)
            self.sent()
        else:
            await asyncio.to_thread(self.inbox.finish, item.update_id)
        return True

    async def _unreadable(self, item: Waiting, data: dict[str, Any], error: Exception) -> bool:
        """An update that cannot be read: logged by id and class, its chat asked for buttons."""
        log.warning(
            "update.unreadable", extra={"update": item.update_id, "error": type(error).__name__}
        )
        self.metrics.count("helpline_update_failures_total", kind="unreadable")
        found = facts(data)
        marker = data.get("unreadable")
        if isinstance(marker, dict):
            found = Facts(item.update_id, marker.get("chat"), marker.get("type"), None)
            found = replace(found, language_code=marker.get("lang"))
        private = found.chat_type == "private" and isinstance(found.chat_id, int)
        if item.chat_key in (None, DESK_QUEUE) or not private:
            await asyncio.to_thread(self.inbox.finish, item.update_id)
            return True
        return await self._notice(
            item, {"chat": found.chat_id, "lang": found.language_code}, "use_buttons"
        )

    async def _notice(self, item: Waiting, notice: dict[str, Any], key: str) -> bool:
        """Send a system text (a flood's "slow down", an unreadable update's "use buttons")."""
        chat = item.chat_key or ""
        chat_id = int(notice["chat"])

        def after(unit: Unit, turn: Turn) -> None:
            self.queue(unit, chat, to_actions(turn, chat_id, None))
            unit.finish_update(item.update_id)

        claim = _Claim(item.update_id, chat)
        await asyncio.to_thread(
            self.helpline.tell, chat, key, notice.get("lang"), after, claim=claim
        )
        self.sent()
        return claim.got

    def queue(self, unit: Unit, chat: str, actions: list[Action]) -> None:
        """Queue a chat's actions under its key, and the desk's under the desk's."""
        unit.send_later(chat, [a for a in actions if not isinstance(a, DESK_ACTIONS)])
        desk = [a for a in actions if isinstance(a, DESK_ACTIONS)]
        if desk and self.desk is not None:
            unit.send_later(DESK_QUEUE, desk)
        elif desk:
            log.info("desk.requested_without_desk")


class _Claim:
    """Claims an update for its chat first thing in the unit; remembers whether it got it."""

    def __init__(self, update_id: int, chat: str) -> None:
        self.update_id, self.chat = update_id, chat
        self.got = False

    def __call__(self, unit: Unit) -> bool:
        self.got = unit.claim_update(self.update_id, self.chat)
        return self.got
