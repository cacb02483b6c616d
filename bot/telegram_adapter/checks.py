"""Checks over the Bot API for ``helpline doctor``: is the desk's group set up as it must be?

The bot must be an administrator of a supergroup with topics enabled, allowed to manage topics
(create, close and delete one per case) and to delete messages. Asks Telegram; changes nothing.
"""

from __future__ import annotations

import asyncio

from telegram import Bot, ChatMemberAdministrator
from telegram.error import TelegramError
from telegram.request import BaseRequest

from bot.config import Settings
from bot.telegram_adapter.runtime import make_bot

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


def telegram_desk_checks(settings: Settings, request: object = None) -> list[tuple[bool, str]]:
    """Ask Telegram about the desk's group, when a token and a group are configured.

    ``request`` is a python-telegram-bot ``BaseRequest`` (tests pass the fake Telegram).
    """
    if settings.telegram_token is None or settings.staff_chat_id is None:
        return []
    chat_id = settings.staff_chat_id
    transport = request if isinstance(request, BaseRequest) else None

    async def ask() -> list[tuple[bool, str]]:
        async with make_bot(settings, transport) as bot:
            return await desk_checks(bot, chat_id)

    try:
        return asyncio.run(ask())
    except TelegramError as error:
        return [(False, f"telegram: cannot reach the Bot API ({type(error).__name__})")]
