"""The Telegram adapter: python-telegram-bot 22 in front of the helpline service.

Thin: it turns updates into service events and service replies into Bot API calls, and holds
no flow logic and no texts. What it does for a trainee on a shared phone:

* private chats only; inline keyboards only (a press leaves no message behind), every callback
  answered;
* every message sent with ``protect_content`` and link previews off;
* a ledger (in the database) of the message ids on both sides of each chat, so that ``/exit``
  and ``/delete`` delete them all (bots may delete incoming messages in private chats, within
  48 hours); a message holding a PIN or a case code is deleted at once;
* an update Telegram delivers twice is handled once (the inbox of update ids);
* chats are known by keyed pseudonym; the chat id needed to answer is kept sealed by the
  service; no Telegram id, name or text ever reaches a log.

The service's database work runs in a worker thread, so it never blocks the event loop; a purge
runs every few hours the same way. Idle wipes, rate limiting and the union desk come with the
issues that build them.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Sequence
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import engine
from bot.assemble import build_helpline
from bot.config import Settings
from bot.events import DeleteAsked, DeskRequest, Incoming, Opened, Reply, ResumeAsked, Scrub, Wipe
from bot.service import Helpline
from bot.storage.crypto import Keyring
from bot.storage.database import open_database
from bot.storage.inbox import Inbox
from bot.storage.ledger import Ledger
from bot.storage.maintenance import Purged, purge

log = logging.getLogger(__name__)

DELETE_BATCH = 100
"""``deleteMessages`` takes at most 100 ids."""
PURGE_EVERY = timedelta(hours=6)

COMMANDS: dict[str, Incoming] = {
    "menu": engine.CommandGiven(engine.Command.MENU),
    "back": engine.CommandGiven(engine.Command.BACK),
    "language": engine.CommandGiven(engine.Command.LANGUAGE),
    "talk": engine.CommandGiven(engine.Command.PERSON),
    "exit": engine.CommandGiven(engine.Command.EXIT),
}
CASE_COMMANDS: dict[str, type[ResumeAsked | DeleteAsked]] = {
    "resume": ResumeAsked,
    "delete": DeleteAsked,
}
"""Commands that may be a chat's first message: they carry the user's language code."""


class TelegramFrontDesk:
    """Carries updates to the service and replies back, and keeps the message ledger."""

    def __init__(self, helpline: Helpline, keyring: Keyring, ledger: Ledger, inbox: Inbox) -> None:
        self.helpline = helpline
        self.keyring = keyring
        self.ledger = ledger
        self.inbox = inbox

    def chat_ref(self, chat_id: int) -> str:
        """Return the pseudonym of a chat (HMAC-SHA256 with the index key; never the id)."""
        return self.keyring.pseudonym("chat", chat_id)

    async def handle(self, update: Update, event: Incoming) -> None:
        """Run one event through the service and send what it returns."""
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return
        if not await asyncio.to_thread(self.inbox.first_time, update.update_id):
            log.info("update.duplicate")
            return
        ref = self.chat_ref(chat.id)
        incoming = update.effective_message if update.callback_query is None else None
        if incoming is not None:
            await asyncio.to_thread(self.ledger.note, ref, [incoming.message_id], False)
        turn = await asyncio.to_thread(self.helpline.handle, ref, event, str(chat.id))
        bot = update.get_bot()
        for item in turn.out:
            match item:
                case Reply():
                    sent = await bot.send_message(
                        chat.id, item.text, reply_markup=_keyboard(item.buttons)
                    )
                    await asyncio.to_thread(self.ledger.note, ref, [sent.message_id], True)
                case Scrub() if incoming is not None:
                    await self._delete(chat.id, [incoming.message_id], bot)
                case Wipe():
                    ids = await asyncio.to_thread(self.ledger.take, ref)
                    await self._delete(chat.id, ids, bot)
                case DeskRequest(urgent=urgent, reason=reason):
                    log.info("desk.requested", extra={"urgent": urgent, "reason": reason})

    @staticmethod
    async def _delete(chat_id: int, ids: Sequence[int], bot: Bot) -> None:
        for start in range(0, len(ids), DELETE_BATCH):
            try:
                await bot.delete_messages(chat_id, ids[start : start + DELETE_BATCH])
            except TelegramError as error:  # older than 48 hours, or already gone
                log.warning("wipe.failed", extra={"error": type(error).__name__})

    # Handlers

    async def on_start(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """/start: open the chat (the user's language code seeds the language picker)."""
        user = update.effective_user
        await self.handle(update, Opened(user.language_code if user else None))

    async def on_command(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """/menu, /back, /language, /talk, /exit, /resume, /delete."""
        message = update.effective_message
        word = (message.text or "").split()[0].lstrip("/").split("@")[0].lower() if message else ""
        user = update.effective_user
        if word in COMMANDS:
            await self.handle(update, COMMANDS[word])
        elif word in CASE_COMMANDS:
            await self.handle(update, CASE_COMMANDS[word](user.language_code if user else None))

    async def on_text(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Typed text."""
        message = update.effective_message
        if message is not None and message.text is not None:
            await self.handle(update, engine.TextEntered(message.text))

    async def on_other(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice, files, unknown commands: one kind re-prompt."""
        await self.handle(update, engine.MediaSent())

    async def on_button(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press: answer the callback (so the client stops waiting), then handle it."""
        query = update.callback_query
        if query is None:
            return
        await query.answer()
        await self.handle(update, engine.ButtonPressed(query.data or ""))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure by class and update id only."""
        update_id = update.update_id if isinstance(update, Update) else None
        log.error(
            "update.failed",
            extra={"update_id": update_id, "error": type(context.error).__name__},
        )


def _keyboard(buttons: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data)] for label, data in buttons]
    )


def build_application(
    settings: Settings, desk: TelegramFrontDesk, request: BaseRequest | None = None
) -> Application:  # type: ignore[type-arg]
    """Build the PTB application; tests pass a fake ``request`` and the same settings."""
    if settings.telegram_token is None:
        raise ValueError("a Telegram token is needed")
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token.reveal())
        .defaults(
            Defaults(
                protect_content=True,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
    )
    if settings.telegram_api_url:
        builder = builder.base_url(settings.telegram_api_url)
    if request is not None:
        builder = builder.request(request).get_updates_request(request).updater(None)
    app = builder.build()
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", desk.on_start, filters=private))
    app.add_handler(CommandHandler([*COMMANDS, *CASE_COMMANDS], desk.on_command, filters=private))
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, desk.on_text))
    app.add_handler(CallbackQueryHandler(desk.on_button))
    app.add_handler(MessageHandler(private & ~filters.StatusUpdate.ALL, desk.on_other))
    app.add_error_handler(desk.on_error)
    return app


def schedule_purge(app: Application, purge_now: Callable[[], Purged]) -> None:  # type: ignore[type-arg]
    """Purge what has outlived its time a minute after start, then every few hours."""

    async def job(_: ContextTypes.DEFAULT_TYPE) -> None:
        done = await asyncio.to_thread(purge_now)
        log.info("purge.done", extra={"cases": done.cases, "conversations": done.conversations})

    if app.job_queue is None:  # pragma: no cover - the job-queue extra is a dependency
        raise RuntimeError("python-telegram-bot was installed without its job queue")
    app.job_queue.run_repeating(job, interval=PURGE_EVERY, first=60, name="purge")


def run_polling(settings: Settings) -> int:
    """Start the helpline on Telegram and poll until stopped (Ctrl-C or SIGTERM)."""
    database = open_database(settings)
    if database.notice:
        log.warning("keys.created_key_file")
    helpline = build_helpline(settings.flows_dir, settings.locales_dir, database.records)
    desk = TelegramFrontDesk(
        helpline, database.keys.keyring, Ledger(database.engine), Inbox(database.engine)
    )
    app = build_application(settings, desk)
    schedule_purge(app, functools.partial(purge, database.engine, settings.retention_days))
    log.info("telegram.starting")
    app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0
