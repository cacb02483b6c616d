"""The Telegram adapter through the real python-telegram-bot stack and a fake Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from telegram import Update
from telegram.ext import Application

from bot.config import Secret, Settings
from bot.service import Helpline
from bot.telegram_adapter import TelegramFrontDesk, build_application

from .fakes.telegram_world import FakeRequest, FakeTelegram

USER = 424242


@pytest_asyncio.fixture(name="bot")
async def _bot(helpline: Helpline, tmp_path: Path) -> AsyncIterator[tuple[Any, FakeTelegram]]:
    world = FakeTelegram()
    settings = Settings(telegram_token=Secret("123456:TEST"))
    app: Application = build_application(
        settings,
        TelegramFrontDesk(helpline),  # type: ignore[type-arg]
        request=FakeRequest(world),
    )
    async with app:

        async def send(update: dict[str, Any]) -> None:
            await app.process_update(Update.de_json(update, app.bot))

        yield send, world


@pytest.mark.asyncio
async def test_start_shows_the_picker_and_every_message_is_protected(bot: Any) -> None:
    send, world = bot
    await send(world.user_sends(USER, "/start", language_code="vi"))
    assert world.bot_texts(USER)[0].startswith("Chọn ngôn ngữ")
    assert world.last_buttons(USER)[0] == ("Tiếng Việt", "lang:vi")
    assert all(m.protected for m in world.visible(USER) if m.from_bot)
    sent = [params for method, params in world.calls if method == "sendMessage"]
    assert sent[0]["link_preview_options"] == {"is_disabled": True}


@pytest.mark.asyncio
async def test_a_trainee_walks_to_an_answer_and_exit_wipes_both_sides(bot: Any) -> None:
    send, world = bot
    await send(world.user_sends(USER, "/start"))
    await send(world.user_presses(USER, "lang:vi"))
    await send(world.user_presses(USER, world.last_buttons(USER)[0][1]))  # pay
    await send(world.user_presses(USER, world.last_buttons(USER)[0][1]))  # below the minimum?
    await send(world.user_presses(USER, world.last_buttons(USER)[1][1]))  # by the hour
    for typed in ("900", "Aichi"):
        await send(world.user_sends(USER, typed))
    await send(world.user_presses(USER, world.last_buttons(USER)[2][1]))  # another industry
    await send(world.user_sends(USER, "0"))  # no overtime
    await send(world.user_presses(USER, world.last_buttons(USER)[0][1]))  # no night work
    await send(world.user_sends(USER, "0"))  # nothing deducted
    assert any("Luật Lương tối thiểu, Điều 4" in text for text in world.bot_texts(USER))
    assert not world.unanswered_callbacks
    await send(world.user_sends(USER, "/exit"))
    visible = world.visible(USER)
    assert [(m.from_bot, m.text) for m in visible] == [(True, "Tạm biệt.")]


@pytest.mark.asyncio
async def test_stickers_get_a_kind_answer(bot: Any) -> None:
    send, world = bot
    await send(world.user_sends(USER, "/start", language_code="ja"))
    await send(world.user_presses(USER, "lang:ja"))
    await send(world.user_sends_sticker(USER))
    assert "文字とボタンしか読めません" in world.bot_texts(USER)[-2]
