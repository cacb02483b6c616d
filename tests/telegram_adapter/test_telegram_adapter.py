"""The helpline on the fake Telegram, through the production entry point (in process)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shutil
import signal
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.storage.connection import DatabaseError
from bot.storage.models import ConversationRow
from bot.telegram_adapter.jobs import wipe_idle

from ..conftest import ROOT
from ..fakes.telegram_world import FakeTelegram
from ..harness import Running, agree_at_the_desk, running

USER, OTHER = 424242, 535353
OUTCOMES = ("done", "refused")
CODE = re.compile(r"0[789]0-\d{4}-\d{5}")


async def say(bot: Running, text: str, user: int = USER, lang: str = "vi") -> None:
    bot.world.user_sends(user, text, language_code=lang)
    await bot.settle()


async def press(bot: Running, data: str, user: int = USER) -> None:
    bot.world.user_presses(user, data)
    await bot.settle()


async def press_nth(bot: Running, index: int, user: int = USER) -> None:
    await press(bot, bot.world.last_buttons(user)[index][1], user)


@pytest.mark.asyncio
async def test_start_shows_the_picker_and_every_message_is_protected(tmp_path: Path) -> None:
    async with running(tmp_path) as bot:
        await say(bot, "/start")
        world = bot.world
        assert world.bot_texts(USER)[0].startswith("Chọn ngôn ngữ")
        assert world.last_buttons(USER)[0] == ("Tiếng Việt", "lang:vi")
        sent = [params for method, params in world.calls if method == "sendMessage"]
        assert sent and all(params.get("protect_content") is True for params in sent)
        assert all(
            params["link_preview_options"] in ({"is_disabled": True}, '{"is_disabled": true}')
            for params in sent
        )
        assert all(m.protected for m in world.visible(USER) if m.from_bot)


@pytest.mark.asyncio
async def test_command_menus_are_set_in_every_language(tmp_path: Path) -> None:
    async with running(tmp_path) as bot:
        menus = bot.world.commands
        names = ["start", "menu", "language", "talk", "resume", "exit", "delete", "help"]
        for lang in ("", "vi", "zh", "ja"):
            menu = next(cmds for (_, code), cmds in menus.items() if (code or "") == lang)
            assert [c["command"] for c in menu] == names
        english = next(cmds for (_, code), cmds in menus.items() if not code)
        assert {c["description"] for c in english} >= {"Clear this chat", "Remove everything"}
        said = " ".join(c["description"] for cmds in menus.values() for c in cmds).casefold()
        assert "delete my data" not in said and "code" not in said  # what a glance could read


@pytest.mark.asyncio
async def test_a_trainee_walks_to_an_answer_and_exit_wipes_both_sides(tmp_path: Path) -> None:
    async with running(tmp_path) as bot:
        await say(bot, "/start")
        await press(bot, "lang:vi")
        await press_nth(bot, 0)  # pay
        await press_nth(bot, 0)  # below the minimum?
        await press_nth(bot, 1)  # by the hour
        for typed in ("900", "176", "Aichi"):
            await say(bot, typed)
        await press_nth(bot, 2)  # another industry
        await say(bot, "0")  # no overtime
        await press_nth(bot, 0)  # no night work
        await say(bot, "0")  # nothing deducted
        assert any("Luật Lương tối thiểu, Điều 4" in t for t in bot.world.bot_texts(USER))
        assert not bot.world.unanswered_callbacks
        await say(bot, "/exit")
        assert [(m.from_bot, m.text) for m in bot.world.visible(USER)] == [(True, "Tạm biệt.")]


@pytest.mark.asyncio
async def test_the_exit_word_and_the_exit_button_wipe_too(tmp_path: Path) -> None:
    async with running(tmp_path) as bot:
        await say(bot, "/start")
        await press(bot, "lang:vi")
        await say(bot, "  THOÁT ")
        assert [m.text for m in bot.world.visible(USER)] == ["Tạm biệt."]
        await say(bot, "/start", user=OTHER, lang="zh-hans")
        await press(bot, "lang:zh_Hans", user=OTHER)
        exit_button = next(
            data for label, data in bot.world.last_buttons(OTHER) if label == "清除这段聊天"
        )
        await press(bot, exit_button, user=OTHER)
        assert [m.text for m in bot.world.visible(OTHER)] == ["再见。"]


@pytest.mark.asyncio
async def test_help_explains_the_commands_in_the_trainees_language(tmp_path: Path) -> None:
    async with running(tmp_path) as bot:
        await say(bot, "/start", lang="ja")
        await press(bot, "lang:ja")
        await say(bot, "/help", lang="ja")
        texts = bot.world.bot_texts(USER)
        assert any("/exit" in t and "「終了」" in t for t in texts)
        assert texts[-1].startswith("こんにちは")  # then the menu again


@pytest.mark.asyncio
async def test_stickers_photos_and_voice_get_a_kind_answer(tmp_path: Path) -> None:
    async with running(tmp_path) as bot:
        await say(bot, "/start", lang="ja")
        await press(bot, "lang:ja")
        for send in (
            bot.world.user_sends_sticker,
            bot.world.user_sends_photo,
            bot.world.user_sends_voice,
        ):
            send(USER, language_code="ja")
            await bot.settle()
            assert "文字とボタンしか読めません" in bot.world.bot_texts(USER)[-2]


async def open_a_case_with_a_pin(bot: Running) -> str:
    """At a helpline with a desk (a case needs one): ask for a person and choose a PIN."""
    await say(bot, "/start")
    await press(bot, "lang:vi")
    await say(bot, "/talk")
    await agree_at_the_desk(bot, USER, "4 8 2 9 1 5", "４８２９１５")  # full-width digits
    code_message = next(t for t in bot.world.bot_texts(USER) if CODE.search(t))
    found = CODE.search(code_message)
    assert found is not None
    return found.group(0)


@pytest.mark.asyncio
async def test_messages_holding_a_pin_are_deleted_at_once(tmp_path: Path) -> None:
    async with running(tmp_path, desk=True) as bot:
        await open_a_case_with_a_pin(bot)
        typed = [m.text for m in bot.world.visible(USER) if not m.from_bot]
        assert "4 8 2 9 1 5" not in typed and "４８２９１５" not in typed
        assert "/talk" in typed  # other messages stay until /exit


@pytest.mark.asyncio
async def test_delete_wipes_the_chat_and_confirms_neutrally(tmp_path: Path) -> None:
    async with running(tmp_path, desk=True) as bot:
        await open_a_case_with_a_pin(bot)
        await say(bot, "/delete")
        assert [(m.from_bot, m.text) for m in bot.world.visible(USER)] == [
            (True, "Xong rồi. Mọi điều bạn đã kể với chúng tôi ở đây đều không còn nữa.")
        ]


@pytest.mark.asyncio
async def test_resume_from_another_account_asks_for_the_language_first(tmp_path: Path) -> None:
    async with running(tmp_path, desk=True) as bot:
        code = await open_a_case_with_a_pin(bot)
        await say(bot, "/resume", user=OTHER, lang="ja")
        assert bot.world.last_buttons(OTHER)[0] == ("日本語", "lang:ja")
        await press(bot, "lang:vi", user=OTHER)
        await say(bot, code, user=OTHER)
        await say(bot, "482915", user=OTHER)
        assert any(t.startswith("Chào mừng bạn quay lại") for t in bot.world.bot_texts(OTHER))
        typed = [m.text for m in bot.world.visible(OTHER) if not m.from_bot]
        assert typed == ["/resume"]  # the code and the PIN were deleted


@pytest.mark.asyncio
async def test_an_update_delivered_three_times_is_handled_once(tmp_path: Path) -> None:
    async with running(tmp_path) as bot:
        await say(bot, "/start")
        await press(bot, "lang:vi")
        update = bot.world.user_sends(USER, "/menu")
        await bot.settle()
        count = len(bot.world.bot_texts(USER))
        for _ in range(2):
            bot.world.deliver_again(update)
            await bot.settle()
        assert len(bot.world.bot_texts(USER)) == count


@pytest.mark.parametrize("error", [DatabaseError("locked"), RuntimeError("a bug")])
@pytest.mark.asyncio
async def test_an_update_that_fails_once_is_not_overtaken_by_the_next(
    tmp_path: Path, error: Exception
) -> None:
    async with running(tmp_path) as bot:
        await say(bot, "/start")
        await press(bot, "lang:vi")
        handled: list[str] = []
        handle = bot.parts.helpline.handle

        def flaky(chat: str, event: object, *args: Any, **kwargs: Any) -> Any:
            text = getattr(event, "text", "")
            if text == "một" and "một" not in handled and error not in handled:
                handled.append(error)  # type: ignore[arg-type]
                raise error
            handled.append(text)
            return handle(chat, event, *args, **kwargs)  # type: ignore[arg-type]

        bot.parts.helpline.handle = flaky  # type: ignore[method-assign]
        for text in ("một", "hai", "ba"):
            bot.world.user_sends(USER, text)
        await bot.settle()
        assert handled == [error, "một", "hai", "ba"]


@pytest.mark.asyncio
async def test_a_failure_after_the_update_was_handled_does_not_stop_the_chat(
    tmp_path: Path,
) -> None:
    async with running(tmp_path) as bot:
        await say(bot, "/start")
        await press(bot, "lang:vi")
        handle = bot.parts.helpline.handle
        failed: list[bool] = []

        def fails_afterwards(*args: Any, **kwargs: Any) -> Any:
            turn = handle(*args, **kwargs)
            if not failed:
                failed.append(True)
                raise DatabaseError("lost the connection after the commit")
            return turn

        bot.parts.helpline.handle = fails_afterwards  # type: ignore[method-assign]
        await say(bot, "/menu")
        shown = len(bot.world.bot_texts(USER))
        await say(bot, "/menu")
        assert failed and len(bot.world.bot_texts(USER)) > shown


@pytest.mark.asyncio
async def test_stale_buttons_get_the_current_menu(tmp_path: Path) -> None:
    async with running(tmp_path) as bot:
        await say(bot, "/start")
        await press(bot, "lang:vi")
        await press(bot, "wages.topics.0")  # from a menu that is not on screen
        texts = bot.world.bot_texts(USER)
        assert texts[-2] == "Menu đó đã cũ. Đây là menu mới nhất."  # "that menu has expired"
        assert not bot.world.unanswered_callbacks


@pytest.mark.asyncio
async def test_telegram_saying_429_and_the_chat_limit_are_obeyed(tmp_path: Path) -> None:
    async with running(tmp_path, real_limits=True) as bot:
        bot.world.fail_next("sendMessage", status=429, retry_after=1)
        started = time.monotonic()
        await say(bot, "/start")
        assert time.monotonic() - started >= 1.0
        assert bot.world.bot_texts(USER)[0].startswith("Chọn ngôn ngữ")
        await press(bot, "lang:vi")
        await press(bot, "menu.topics.4")
        await press(bot, "safety.check.0")  # the emergency texts: three messages at once
        assert bot.world.max_sends_in_window(USER, 1.0) <= 3
        assert bot.world.max_sends_in_window(USER, 3.0) <= 5


@pytest.mark.asyncio
async def test_a_trainee_who_blocked_the_bot_is_left_alone(tmp_path: Path) -> None:
    async with running(tmp_path) as bot:
        bot.world.user_sends(USER, "/start")
        bot.world.user_blocks_bot(USER)  # before the answer goes out
        await bot.settle()  # the answer was refused (403) and dropped: nothing waits
        assert bot.world.bot_texts(USER) == []
        bot.world.user_unblocks_bot(USER)
        await say(bot, "/menu")
        assert bot.world.bot_texts(USER)


@pytest.mark.asyncio
async def test_one_flooding_user_is_slowed_down_and_nobody_else_is(tmp_path: Path) -> None:
    async with running(tmp_path) as bot:
        await say(bot, "/start")
        await press(bot, "lang:vi")
        before = len(bot.world.bot_texts(USER))
        size_before = database_size(tmp_path)
        for number in range(1000):  # a thousand messages within the minute
            bot.world.user_sends(USER, f"spam {number}")
            if number == 500:
                bot.world.user_sends(OTHER, "/start", language_code="ja")
        started = time.monotonic()
        await bot.settle(timeout=60)
        assert "言語を選んでください：" in bot.world.bot_texts(OTHER)[0]
        assert time.monotonic() - started < 30
        replies = bot.world.bot_texts(USER)[before:]
        notices = [t for t in replies if t.startswith("Bạn hãy chờ một phút")]
        assert len(notices) == 1
        handled = len(replies) - 1
        assert handled <= 30 * 2  # each handled message: a re-prompt and the menu again
        assert database_size(tmp_path) - size_before <= 200 * 1024
        typed = {m.text for m in bot.world.visible(USER) if not m.from_bot}
        assert "spam 0" in typed and not {"spam 500", "spam 999"} & typed  # dropped: deleted
        await say(bot, "/exit")  # the flood does not hold back /exit
        assert [m.text for m in bot.world.visible(USER)] == ["Tạm biệt."]


def database_size(folder: Path) -> int:
    """The database file's size once its write-ahead log is folded in."""
    with contextlib.closing(sqlite3.connect(folder / "helpline.sqlite3")) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return (folder / "helpline.sqlite3").stat().st_size


@pytest.mark.asyncio
async def test_idle_chats_are_wiped_and_the_timer_survives_a_restart(tmp_path: Path) -> None:
    world = FakeTelegram()
    async with running(tmp_path, world) as bot:
        await say(bot, "/start")
        await press(bot, "lang:vi")
        assert bot.world.visible(USER)
        engine = bot.parts.database.engine
    long_ago = datetime.now(UTC) - timedelta(minutes=31)
    with Session(engine) as session, session.begin():
        session.execute(update(ConversationRow).values(updated_at=long_ago))
    async with running(tmp_path, world) as bot:  # a new process: the clock wipes at start
        await bot.settle()
        for _ in range(100):
            if not bot.world.visible(USER):
                break
            await wipe_idle(bot.settings, bot.parts)
            await bot.settle()
        assert bot.world.visible(USER) == []


@pytest.mark.asyncio
async def test_logs_carry_no_text_and_no_ids(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running(tmp_path) as bot:
        await say(bot, "/start")
        await press(bot, "lang:vi")
        await say(bot, "Nguyễn Văn A 090-1234-5678")
        await say(bot, "/exit")
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    for secret in ("Nguyễn", "090-1234-5678", str(USER), "TEST-token", "123456:"):
        assert secret not in logged


@pytest.mark.asyncio
async def test_sighup_reloads_edited_content_and_refuses_a_broken_set(tmp_path: Path) -> None:
    flows, locales = tmp_path / "flows", tmp_path / "locales"
    shutil.copytree(ROOT / "flows", flows)
    shutil.copytree(ROOT / "locales", locales)
    catalog = locales / "vi" / "LC_MESSAGES" / "messages.po"
    system = flows / "system.yaml"
    async with running(tmp_path, flows_dir=flows, locales_dir=locales) as bot:
        OUTCOMES = ("done", "refused")

        metrics = bot.parts.metrics

        async def hangup_then_exit() -> str:
            before = sum(metrics.value("helpline_reloads_total", outcome=o) for o in OUTCOMES)
            os.kill(os.getpid(), signal.SIGHUP)
            for _ in range(300):  # loading and checking every flow takes a moment
                done = sum(metrics.value("helpline_reloads_total", outcome=o) for o in OUTCOMES)
                if done > before:
                    break
                await asyncio.sleep(0.02)
            await say(bot, "/start")
            await say(bot, "/exit")
            return bot.world.bot_texts(USER)[-1]

        assert await hangup_then_exit() == "Tạm biệt."
        catalog.write_text(
            catalog.read_text().replace('msgstr "Tạm biệt."', 'msgstr "Hẹn gặp lại."')
        )
        assert await hangup_then_exit() == "Hẹn gặp lại."  # a translator's edit, live

        system.write_text(system.read_text().replace("goodbye: Goodbye.", "goodbye: Bye."))
        catalog.write_text(catalog.read_text().replace("Hẹn gặp lại.", "Tạm biệt nhé."))
        assert await hangup_then_exit() == "Hẹn gặp lại."  # English changed: not translated yet

        system.write_text(system.read_text().replace("goodbye: Bye.", "goodbye: [Bye"))
        assert await hangup_then_exit() == "Hẹn gặp lại."  # a broken file: the old set stays
        assert metrics.value("helpline_reloads_total", outcome="done") == 2
        assert metrics.value("helpline_reloads_total", outcome="refused") == 2


@pytest.mark.asyncio
async def test_a_busy_notice_is_deleted_once_the_database_is_back(tmp_path: Path) -> None:
    """It could not be noted in the ledger (the database was down): /exit would not find it."""
    async with running(tmp_path, FakeTelegram()) as bot:
        intake = bot.parts.intake
        take_in, failed = intake.inbox.take_in, []

        def down_once(arrivals: Any) -> None:
            if not failed:
                failed.append(True)
                raise DatabaseError("down")
            take_in(arrivals)

        intake.inbox.take_in = down_once  # type: ignore[method-assign]
        bot.world.user_sends(USER, "/start", language_code="vi")
        for _ in range(100):
            if failed and bot.world.bot_texts(USER):
                break
            await asyncio.sleep(0.05)
        await bot.settle(timeout=30)
        texts, busy = bot.world.bot_texts(USER), "Xin lỗi, bạn hãy thử lại sau một phút nhé."
        assert any(m.text == busy and m.deleted for m in bot.world.chats[USER])  # sent, gone
        assert busy not in texts
        assert texts  # the /start was answered after all
        await say(bot, "/exit")
        assert bot.world.bot_texts(USER) == ["Tạm biệt."]
