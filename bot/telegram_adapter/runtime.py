"""The helpline on Telegram: wire the parts together, run them, and stop cleanly.

``serve`` opens the database (migrating it), builds the service (``wire``), and runs four loops
side by side until it is told to stop (SIGTERM or SIGINT, or the ``stop`` event a test passes):

* the intake: long polling, or the webhook server when ``HELPLINE_WEBHOOK_URL`` is set;
* the worker: inbox → service → outbox;
* the sender: outbox → Telegram, within the rate limits;
* the jobs (``bot.telegram_adapter.jobs``): leading, the clock (the idle wipe every minute, the
  desk's rounds, the retention purge every six hours), the doorbell and the heartbeat.

It also reloads the content and the key file on SIGHUP (and marks the master key it wraps
with, ``bot.storage.keyuse``) and sets the command menus at every start (a refusal is a
warning; a Bot API unreachable at start is tried again with growing pauses, ``reach``). It decides
nothing about trainees or volunteers: that is the service's.

On stop it takes no more updates, lets the worker finish what it holds, lets the sender send
what is due (10 seconds in all), tells Telegram which updates arrived, and returns 0. Whatever
is left waits in the database for the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

from telegram import Bot, BotCommand
from telegram.error import InvalidToken, TelegramError
from telegram.request import BaseRequest

from bot import failpoints
from bot.assemble import build_helpline, japan_today, load_content
from bot.config import Settings
from bot.desk.roster import RosterError, read_roster
from bot.flowdefs.folder import FlowError
from bot.flowdefs.model import Msg
from bot.i18n import tools as i18n_tools
from bot.service import Helpline
from bot.service.desk import DeskRules, DeskSettings
from bot.storage import (
    Database,
    Inbox,
    KeyUse,
    Ledger,
    Locks,
    Outbox,
    open_database,
)
from bot.telegram_adapter import jobs
from bot.telegram_adapter.client import make_bot
from bot.telegram_adapter.gauges import gauges, polling
from bot.telegram_adapter.group import Group
from bot.telegram_adapter.intake import ALLOWED_UPDATES, Intake
from bot.telegram_adapter.limits import RateLimits
from bot.telegram_adapter.loop import backoff
from bot.telegram_adapter.metrics import Metrics
from bot.telegram_adapter.parts import Parts
from bot.telegram_adapter.sender import Sender
from bot.telegram_adapter.webhook import WebhookServer
from bot.telegram_adapter.worker import Worker

log = logging.getLogger(__name__)

STOP_WITHIN = 10.0
"""Seconds from SIGTERM to exit: in-flight updates finish and due replies go out."""
THREADS = 48
START_RETRY_MOST = 30.0
"""The longest pause between tries to reach the Bot API at start."""
MENU = ("start", "menu", "language", "talk", "resume", "exit", "delete", "help")
"""The command menu; /back works too but is not listed."""
MENU_LANGUAGES = {"vi": "vi", "zh_Hans": "zh", "ja": "ja"}
"""Telegram's command menus are chosen by two-letter language code; English is the default."""


def quiet_libraries() -> None:
    """Keep the libraries' own logs out, even at DEBUG: they hold texts, ids and the token.

    python-telegram-bot logs every update and every call's parameters at DEBUG; httpx logs
    each request's URL, which holds the bot token, at INFO; uvicorn its start at INFO.
    """
    for name in ("telegram", "httpx", "httpcore", "uvicorn"):
        logging.getLogger(name).setLevel(logging.WARNING)


def wire(
    settings: Settings, database: Database, bot: Bot, limits: RateLimits | None = None
) -> Parts:
    """Build the service and the loops around one database and one bot."""
    roster = read_roster(settings.roster_path)
    connected = settings.staff_chat_id is not None
    helpline = build_helpline(
        settings.flows_dir,
        settings.locales_dir,
        database.records,
        desk_connected=connected,
        office=roster.office if connected else None,
    )
    keyring = database.keys.keyring
    inbox = Inbox(database.engine, keyring)
    outbox = Outbox(database.engine, keyring)
    ledger = Ledger(database.engine, keyring=keyring)
    limits = limits or RateLimits()
    metrics = Metrics()
    desk = None
    if settings.staff_chat_id is not None:
        desk_settings = DeskSettings(
            settings.staff_chat_id,
            settings.staff_user_ids,
            roster,
            timedelta(hours=settings.unclaimed_hours),
        )
        rules = DeskRules(helpline, database.records, desk_settings, counter=metrics)
        desk = Group(rules, bot=bot, limits=limits)
    sender = Sender(bot, outbox, ledger, limits, desk, metrics=metrics)
    worker = Worker(
        helpline,
        bot,
        inbox=inbox,
        outbox=outbox,
        ledger=ledger,
        sent=sender.wake.set,
        desk=desk,
        metrics=metrics,
    )
    intake = Intake(
        helpline,
        bot,
        keyring,
        inbox=inbox,
        arrived=worker.wake.set,
        desk_chat=settings.staff_chat_id if desk is not None else None,
        metrics=metrics,
    )
    return Parts(
        database,
        helpline,
        bot,
        intake,
        worker,
        sender,
        desk,
        metrics=metrics,
        key_use=KeyUse(database.engine),  # held from the clock's first round (jobs.keep_keys)
    )


async def set_menus(bot: Bot, helpline: Helpline) -> None:
    """Set the command menu in English (the default) and in each trainee language."""
    for lang, code in (("en", None), *MENU_LANGUAGES.items()):
        commands = [
            BotCommand(
                command,
                helpline.renderer.text(
                    helpline.flows.system.get(f"command_{command}", Msg("", command)), lang
                ),
            )
            for command in MENU
        ]
        try:
            await bot.set_my_commands(commands, language_code=code)
        except TelegramError as error:  # a convenience: the helpline works without menus
            log.warning("telegram.menu_refused", extra={"error": type(error).__name__})


async def reach(bot: Bot, stop: asyncio.Event) -> bool:
    """Reach the Bot API (``getMe``), retrying with backoff; False if stopped first.

    One log line says the Bot API cannot be reached, and one that it can again; a rejected
    token is not retried (``InvalidToken`` ends the start, as ``helpline doctor`` explains).
    """
    failures = 0
    while not stop.is_set():
        try:
            await bot.initialize()
        except InvalidToken:
            raise
        except TelegramError as error:
            failures += 1
            if failures == 1:
                log.error("telegram.unreachable_at_start", extra={"error": type(error).__name__})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), backoff(failures, most=START_RETRY_MOST))
            continue
        if failures:
            log.info("telegram.reached", extra={"attempts": failures + 1})
        return True
    return False


async def serve(
    settings: Settings,
    request: BaseRequest | None = None,
    stop: asyncio.Event | None = None,
    started: Callable[[Parts], None] | None = None,
    limits: RateLimits | None = None,
) -> int:
    """Run the helpline on Telegram until stopped; return the exit status.

    Tests pass a fake ``request``, their own ``stop`` event, a ``started`` callback that gets
    the running parts, and (to run fast) looser ``limits``.
    """
    _prepare(settings)
    database = await asyncio.to_thread(open_database, settings)
    if database.notice:
        log.warning("keys.created_key_file")
    stop = stop or _stop_on_signals()
    bot = await _reached(make_bot(settings, request), stop)
    if isinstance(bot, int):
        await asyncio.to_thread(database.engine.dispose)
        return bot
    async with bot:
        parts = wire(settings, database, bot, limits)
        undo_hangup = _reload_on_hangup(settings, parts)
        await set_menus(bot, parts.helpline)
        intake = await _start_intake(settings, parts, stop)
        if started is not None:
            started(parts)
        log.info("telegram.started")
        sender_stop = asyncio.Event()
        leader = asyncio.Event()
        parts.sender.leading = leader.is_set
        lead = asyncio.create_task(jobs.lead(Locks(database.engine), leader, stop))
        doorbell = jobs.doorbell(database, parts)
        worker = asyncio.create_task(parts.worker.run(stop))
        sender = asyncio.create_task(parts.sender.run(sender_stop))
        clock = asyncio.create_task(jobs.clock(settings, parts, stop, leader))
        await stop.wait()
        log.info("telegram.stopping")
        deadline = time.monotonic() + STOP_WITHIN
        await _stop_intake(intake, parts)
        parts.worker.wake.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(worker, timeout=max(0.1, deadline - time.monotonic() - 2))
        sender_stop.set()
        parts.sender.wake.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(sender, timeout=max(0.1, deadline - time.monotonic()))
        clock.cancel()
        await lead  # lets go of the leader lock: another process takes over at once
        doorbell.set()
        undo_hangup()
        for use in (parts.key_use, parts.index_use):
            if use is not None:
                use.close()
        await parts.intake.confirm()
    await asyncio.to_thread(database.engine.dispose)
    log.info("telegram.stopped")
    return 0


def _prepare(settings: Settings) -> None:
    """Quiet the libraries, arm the failpoints and size the thread pool."""
    quiet_libraries()
    failpoints.arm(settings.failpoint)
    # Database calls run in threads: the default pool (cores + 4) is too small for 16 updates
    # and the sends in flight, and a starved pool would keep the webhook from answering.
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="helpline")
    )


async def _reached(bot: Bot, stop: asyncio.Event) -> Bot | int:
    """The bot once the Bot API answers; else the exit status (stopped first, or bad token)."""
    try:
        if await reach(bot, stop):
            return bot
    except InvalidToken:
        log.critical("telegram.invalid_token")  # one line: ``helpline doctor`` says more
        return 1
    await bot.shutdown()
    log.info("telegram.stopped")
    return 0


def run(settings: Settings) -> int:
    """Start the helpline on Telegram and serve until SIGTERM or Ctrl-C."""
    return asyncio.run(serve(settings))


def reload_content(settings: Settings, parts: Parts) -> bool:
    """Load the flows, translations and roster again (SIGHUP); say if the new ones are used.

    The old ones stay if the new ones fail the checker or a translation is missing.

    Conversations in flight finish their step on whichever set they started with; a question
    that no longer exists brings the trainee back to its flow's start, as after a restart.
    """
    try:
        flows, renderer = load_content(settings.flows_dir, settings.locales_dir, japan_today())
        _, complete = i18n_tools.check(flows, settings.flows_dir, settings.locales_dir)
        roster = read_roster(settings.roster_path)
    except (FlowError, RosterError) as error:
        log.error("reload.refused", extra={"error": type(error).__name__})
        parts.metrics.count("helpline_reloads_total", outcome="refused")
        return False
    if not complete:
        log.error("reload.refused", extra={"error": "translations_incomplete"})
        parts.metrics.count("helpline_reloads_total", outcome="refused")
        return False
    parts.helpline.set_content(flows, renderer)
    if parts.desk is not None:
        parts.desk.rules.settings = replace(parts.desk.rules.settings, roster=roster)
        parts.helpline.office = roster.office
    log.info("reload.done")
    parts.metrics.count("helpline_reloads_total", outcome="done")
    return True


def _reload_on_hangup(settings: Settings, parts: Parts) -> Callable[[], None]:
    """Reload keys and content on SIGHUP (``systemctl reload helpline``); return the undo."""
    loop = asyncio.get_running_loop()
    busy: set[asyncio.Future[bool]] = set()

    def reload() -> bool:
        jobs.keep_keys(parts)  # a key rotation: learn the key file's keys
        return reload_content(settings, parts)

    def hangup() -> None:
        if not busy:  # one reload at a time; a second SIGHUP meanwhile is the same request
            future = asyncio.ensure_future(asyncio.to_thread(reload))
            busy.add(future)
            future.add_done_callback(busy.discard)

    loop.add_signal_handler(signal.SIGHUP, hangup)

    def undo() -> None:
        loop.remove_signal_handler(signal.SIGHUP)

    return undo


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def _start_intake(
    settings: Settings, parts: Parts, stop: asyncio.Event
) -> asyncio.Task[None] | WebhookServer:
    if settings.webhook_url is None:
        await parts.bot.delete_webhook()
        return asyncio.create_task(polling(settings, parts, stop))
    secret = settings.webhook_secret.reveal() if settings.webhook_secret else ""
    path = "/" + settings.webhook_url.split("://", 1)[-1].partition("/")[2]
    server = WebhookServer(parts.intake, path, secret, lambda: gauges(parts))
    parts.webhook_port = await server.start(*settings.webhook_listen)
    server.ended(lambda: setattr(parts, "webhook_port", None))  # health: no longer turning
    await parts.bot.set_webhook(
        settings.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
    )
    return server


async def _stop_intake(intake: asyncio.Task[None] | WebhookServer, parts: Parts) -> None:
    if isinstance(intake, WebhookServer):
        await intake.close()
        return
    intake.cancel()
    with contextlib.suppress(asyncio.CancelledError, TelegramError):
        await intake
