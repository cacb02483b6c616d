"""The Telegram adapter through the real python-telegram-bot stack and a fake Telegram."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from telegram import Update
from telegram.ext import Application

from bot.assemble import build_helpline
from bot.config import Secret, Settings
from bot.storage.crypto import PRODUCTION_KDF, Keyring, new_key
from bot.storage.inbox import Inbox
from bot.storage.ledger import Ledger
from bot.storage.maintenance import Purged
from bot.storage.store import SqlRecords
from bot.telegram_adapter import TelegramFrontDesk, build_application, schedule_purge

from .conftest import FLOWS, LOCALES, TODAY, make_keyring
from .databases import sqlite_engine
from .fakes.telegram_world import FakeRequest, FakeTelegram

USER = 424242


@pytest_asyncio.fixture(name="bot")
async def _bot(tmp_path: Path) -> AsyncIterator[tuple[Any, FakeTelegram]]:
    """The real PTB stack over the fake world, with the real encrypted store in a SQLite file."""
    world = FakeTelegram()
    settings = Settings(telegram_token=Secret("123456:TEST"))
    engine = sqlite_engine(tmp_path)
    keyring = make_keyring()
    helpline = build_helpline(FLOWS, LOCALES, SqlRecords(engine, keyring), today=lambda: TODAY)
    app: Application = build_application(  # type: ignore[type-arg]
        settings,
        TelegramFrontDesk(helpline, keyring, Ledger(engine), Inbox(engine)),
        request=FakeRequest(world),
    )
    async with app:

        async def send(update: dict[str, Any]) -> None:
            await app.process_update(Update.de_json(update, app.bot))

        yield send, world
    engine.dispose()


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


async def open_a_case_with_a_pin(send: Any, world: FakeTelegram) -> None:
    await send(world.user_sends(USER, "/start", language_code="vi"))
    await send(world.user_presses(USER, "lang:vi"))
    await send(world.user_sends(USER, "/talk"))
    await send(world.user_presses(USER, "dialog:yes"))
    await send(world.user_sends(USER, "4 8 2 9 1 5"))
    await send(world.user_sends(USER, "４８２９１５"))  # full-width digits


@pytest.mark.asyncio
async def test_messages_holding_a_pin_are_deleted_at_once(bot: Any) -> None:
    send, world = bot
    await open_a_case_with_a_pin(send, world)
    texts = [m.text for m in world.visible(USER) if not m.from_bot]
    assert "4 8 2 9 1 5" not in texts and "４８２９１５" not in texts
    assert "/talk" in texts  # other messages stay until /exit
    code_message = next(t for t in world.bot_texts(USER) if t.startswith("Bạn hãy giữ lại số này"))
    assert re.search(r"0[789]0-\d{4}-\d{4}", code_message)


@pytest.mark.asyncio
async def test_delete_wipes_the_chat_and_confirms_neutrally(bot: Any) -> None:
    send, world = bot
    await open_a_case_with_a_pin(send, world)
    await send(world.user_sends(USER, "/delete"))
    visible = world.visible(USER)
    assert [(m.from_bot, m.text) for m in visible] == [
        (True, "Xong rồi. Mọi điều bạn đã kể với chúng tôi ở đây đều đã được xóa.")
    ]


@pytest.mark.asyncio
async def test_resume_from_another_account_asks_for_the_language_first(bot: Any) -> None:
    send, world = bot
    await open_a_case_with_a_pin(send, world)
    code_message = next(t for t in world.bot_texts(USER) if t.startswith("Bạn hãy giữ lại số này"))
    code = re.search(r"0[789]0-\d{4}-\d{4}", code_message)
    assert code is not None
    other = USER + 1
    await send(world.user_sends(other, "/resume", language_code="ja"))
    assert world.last_buttons(other)[0] == ("日本語", "lang:ja")
    await send(world.user_presses(other, "lang:vi"))
    await send(world.user_sends(other, code.group(0)))
    await send(world.user_sends(other, "482915"))
    texts = world.bot_texts(other)
    assert any(t.startswith("Chào mừng bạn quay lại") for t in texts)
    typed = [m.text for m in world.visible(other) if not m.from_bot]
    assert typed == ["/resume"]  # the code and the PIN were deleted


@pytest.mark.asyncio
async def test_the_purge_is_scheduled_and_runs_off_the_event_loop(tmp_path: Path) -> None:
    settings = Settings(telegram_token=Secret("123456:TEST"))
    engine = sqlite_engine(tmp_path)
    keyring = make_keyring()
    helpline = build_helpline(FLOWS, LOCALES, SqlRecords(engine, keyring), today=lambda: TODAY)
    desk = TelegramFrontDesk(helpline, keyring, Ledger(engine), Inbox(engine))
    app = build_application(settings, desk, request=FakeRequest(FakeTelegram()))
    threads: list[str] = []

    def purge_now() -> Purged:
        threads.append(threading.current_thread().name)
        return Purged(0, 0, 0)

    schedule_purge(app, purge_now)
    assert app.job_queue is not None
    (job,) = app.job_queue.get_jobs_by_name("purge")
    async with app:
        await job.callback(None)  # type: ignore[arg-type]
    assert threads and threads[0] != threading.main_thread().name
    engine.dispose()


@pytest.mark.asyncio
async def test_key_derivation_runs_while_the_event_loop_goes_on(tmp_path: Path) -> None:
    """The Argon2id lookup (production cost) runs in a worker thread, not on the loop."""
    world = FakeTelegram()
    engine = sqlite_engine(tmp_path)
    base = make_keyring()
    keyring = Keyring(base.masters, base.active, new_key(), PRODUCTION_KDF)
    ticks = [0]
    during: list[int] = []
    original = keyring.resume_index

    def watched(code: str, pin: str) -> str:
        before = ticks[0]
        result = original(code, pin)
        during.append(ticks[0] - before)
        return result

    keyring.resume_index = watched  # type: ignore[method-assign]
    helpline = build_helpline(FLOWS, LOCALES, SqlRecords(engine, keyring), today=lambda: TODAY)
    app = build_application(
        Settings(telegram_token=Secret("123456:TEST")),
        TelegramFrontDesk(helpline, keyring, Ledger(engine), Inbox(engine)),
        request=FakeRequest(world),
    )

    async def ticker() -> None:
        while True:
            await asyncio.sleep(0.001)
            ticks[0] += 1

    async with app:

        async def send(update: dict[str, Any]) -> None:
            await app.process_update(Update.de_json(update, app.bot))

        running = asyncio.create_task(ticker())
        await open_a_case_with_a_pin(send, world)  # the PIN: one Argon2id call
        running.cancel()
    assert len(during) == 1 and during[0] > 0
    engine.dispose()


@pytest.mark.asyncio
async def test_an_update_delivered_twice_is_handled_once(bot: Any) -> None:
    send, world = bot
    await send(world.user_sends(USER, "/start", language_code="vi"))
    await send(world.user_presses(USER, "lang:vi"))
    update = world.user_sends(USER, "/menu")
    await send(update)
    count = len(world.bot_texts(USER))
    await send(update)  # Telegram redelivers after a restart
    assert len(world.bot_texts(USER)) == count
