"""The Bot API client the helpline and its operator checks use: one place that makes it.

Kept apart from ``runtime`` so that ``helpline doctor`` (and every maintainer command that
imports the CLI) can ask Telegram something without importing the loops, the webhook server
and uvicorn. Makes a client; sends nothing itself.
"""

from __future__ import annotations

from telegram import Bot
from telegram.request import BaseRequest, HTTPXRequest

from bot.config import Settings

POLL_SECONDS = 10
"""How long one ``getUpdates`` waits for news (long polling); the intake's read timeout."""


def make_bot(settings: Settings, request: BaseRequest | None = None) -> Bot:
    """The Bot API client: Telegram's servers, or the self-hosted server the settings name."""
    if settings.telegram_token is None:
        raise ValueError("a Telegram token is needed")
    polling = request or HTTPXRequest(
        connection_pool_size=2, read_timeout=POLL_SECONDS + 10, connect_timeout=10
    )
    return Bot(
        settings.telegram_token.reveal(),
        base_url=settings.telegram_api_url or "https://api.telegram.org/bot",
        request=request or HTTPXRequest(connection_pool_size=32),
        get_updates_request=polling,
    )
