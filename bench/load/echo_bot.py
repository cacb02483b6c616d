"""The baseline of the load benchmark: a bare python-telegram-bot echo bot.

Polling, PTB's own rate limiter (30 messages a second overall, as Telegram asks), every text
echoed and every button press answered and echoed, nothing stored. Run by ``run.py`` against
the same fake Telegram server as the helpline, with ``ECHO_TOKEN`` and ``ECHO_BASE_URL``.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)


async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


async def pressed(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is not None and update.effective_chat is not None:
        await query.answer()
        await update.get_bot().send_message(update.effective_chat.id, query.data or "?")


def main() -> None:
    app = (
        ApplicationBuilder()
        .token(os.environ["ECHO_TOKEN"])
        .base_url(os.environ["ECHO_BASE_URL"])
        .rate_limiter(AIORateLimiter())
        .concurrent_updates(True)
        .build()
    )
    app.add_handler(MessageHandler(filters.ALL, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    app.run_polling(timeout=10)


if __name__ == "__main__":
    main()
