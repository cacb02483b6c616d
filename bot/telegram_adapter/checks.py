"""Checks over the Bot API for ``helpline doctor``: the desk's group, and the webhook.

The bot must be an administrator of a supergroup with topics enabled, allowed to manage topics
(create, close and delete one per case) and to delete messages. In webhook mode, Telegram must
post to the configured address, and its last posts should have been answered (Telegram keeps
the last error it got: docs/telegram.md, "What the webhook answers"). Asks Telegram; changes
nothing; prints no address.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from telegram import Bot, ChatMemberAdministrator
from telegram.error import TelegramError
from telegram.request import BaseRequest

from bot.config import Settings
from bot.telegram_adapter.client import make_bot

NEEDED = {
    "can_manage_topics": "Manage topics",
    "can_delete_messages": "Delete messages",
}
"""The rights the desk needs, with their names in Telegram's admin settings."""


async def desk_checks(bot: Bot, chat_id: int) -> list[tuple[bool, str]]:
    """One (ok, line) per check of the desk's group."""
    try:
        chat = await bot.get_chat(chat_id)
        me = await bot.get_me()
        member = await bot.get_chat_member(chat_id, me.id)
    except TelegramError as error:
        return [
            (
                False,
                f"desk: Telegram cannot show the group {chat_id} to the bot "
                f"({type(error).__name__}); add the bot to the group and check "
                "HELPLINE_STAFF_CHAT_ID",
            )
        ]
    results = [
        (
            bool(chat.is_forum),
            "desk: the group has topics"
            if chat.is_forum
            else "desk: the group has no topics; turn on Topics in the group's settings",
        )
    ]
    if not isinstance(member, ChatMemberAdministrator):
        results.append(
            (False, f"desk: the bot is '{member.status}' in the group; make it an administrator")
        )
        return results
    missing = [label for right, label in NEEDED.items() if not getattr(member, right, False)]
    results.append(
        (
            not missing,
            "desk: the bot is an administrator with the rights it needs"
            if not missing
            else f"desk: give the bot the admin rights: {', '.join(missing)}",
        )
    )
    return results


RECENT = 3600.0
"""Seconds: a webhook error Telegram reports from within the last hour is a problem to fix."""


async def webhook_checks(bot: Bot, url: str, now: float) -> list[tuple[bool, str]]:
    """Whether Telegram posts to ``url``, and whether its last post failed lately."""
    info = await bot.get_webhook_info()
    if info.url != url:
        where = "another address" if info.url else "no address"
        return [
            (
                False,
                f"webhook: Telegram posts updates to {where}; 'helpline run' sets "
                "HELPLINE_WEBHOOK_URL when it starts",
            )
        ]
    pending = info.pending_update_count
    failed = info.last_error_date
    if info.last_error_message and failed is not None and now - failed.timestamp() < RECENT:
        return [
            (
                False,
                f"webhook: Telegram's last post failed {(now - failed.timestamp()) / 60:.0f} min "
                f"ago ({info.last_error_message}); updates waiting: {pending}; see 'What the "
                "webhook answers' in docs/telegram.md",
            )
        ]
    return [(True, f"webhook: Telegram posts updates to it; updates waiting: {pending}")]


def telegram_desk_checks(settings: Settings, request: object = None) -> list[tuple[bool, str]]:
    """Ask Telegram about the desk's group, when a token and a group are configured.

    ``request`` is a python-telegram-bot ``BaseRequest`` (tests pass the fake Telegram).
    """
    if settings.telegram_token is None or settings.staff_chat_id is None:
        return []
    chat_id = settings.staff_chat_id
    return _ask(settings, request, lambda bot: desk_checks(bot, chat_id))


def telegram_webhook_checks(settings: Settings, request: object = None) -> list[tuple[bool, str]]:
    """Ask Telegram about the webhook, in webhook mode (``request`` as above)."""
    if settings.telegram_token is None or settings.webhook_url is None:
        return []
    url = settings.webhook_url
    return _ask(settings, request, lambda bot: webhook_checks(bot, url, time.time()))


def _ask(
    settings: Settings,
    request: object,
    checks: Callable[[Bot], Awaitable[list[tuple[bool, str]]]],
) -> list[tuple[bool, str]]:
    transport = request if isinstance(request, BaseRequest) else None

    async def ask() -> list[tuple[bool, str]]:
        async with make_bot(settings, transport) as bot:
            return await checks(bot)

    try:
        return asyncio.run(ask())
    except TelegramError as error:
        return [(False, f"telegram: cannot reach the Bot API ({type(error).__name__})")]
