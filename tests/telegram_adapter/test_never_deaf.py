"""Issue 14: updates the library cannot read, refusals at start, and polls that never wait."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from bot import operator_tools
from bot.config import Settings
from bot.storage import Arrived
from bot.telegram_adapter import jobs

from ..fakes.telegram_world import FakeTelegram
from ..harness import Running, running, settings_for
from .test_e2e import SECRET, on_webhook, post_update

USER = 424242
PRIVATE = {"id": USER, "type": "private", "first_name": "Canary"}
SENDER = {"id": USER, "is_bot": False, "first_name": "Canary", "language_code": "vi"}

POISON: dict[str, dict[str, Any]] = {
    "press_without_chat_instance": {
        "callback_query": {
            "id": "77",
            "from": SENDER,
            "data": "lang:en",
            "message": {"message_id": 1, "date": 1767225600, "chat": PRIVATE},
        }
    },
    "date_in_milliseconds": {
        "message": {
            "message_id": 5,
            "date": 1767225600000,
            "chat": PRIVATE,
            "from": SENDER,
            "text": "/start",
        }
    },
    "membership_without_members": {
        "my_chat_member": {"chat": PRIVATE, "from": SENDER, "date": 1767225600}
    },
    "message_with_a_broken_entity": {
        "message": {
            "message_id": 6,
            "date": 1767225600,
            "chat": PRIVATE,
            "from": SENDER,
            "text": "hello",
            "entities": [{"type": "bold"}],
        }
    },
}


async def say(bot: Running, text: str) -> None:
    bot.world.user_sends(USER, text, language_code="vi")
    await bot.settle()


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", sorted(POISON))
async def test_an_update_the_library_cannot_read_does_not_make_the_bot_deaf(
    tmp_path: Path, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with running(tmp_path) as bot:
        await say(bot, "/start")
        bot.world.deliver_raw(POISON[kind])
        await bot.settle()
        before = len(bot.world.bot_texts(USER))
        await say(bot, "/start")
        texts = bot.world.bot_texts(USER)
        assert len(texts) > before  # the chat's later updates go on
        assert texts[-1] != bot.parts.helpline.text_for("use_buttons", "vi")
        assert bot.parts.intake.offset is not None
        unreadable = [r for r in caplog.records if r.getMessage() == "update.unreadable"]
        if kind != "press_without_chat_instance":  # kept supplies what that one lacks
            assert unreadable
            assert bot.parts.helpline.text_for("use_buttons", "vi") in texts
    assert "Canary" not in caplog.text


@pytest.mark.asyncio
async def test_a_refused_set_my_commands_is_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = FakeTelegram()
    world.fail_next("setMyCommands", status=500, times=4)
    async with running(tmp_path, world) as bot:
        await say(bot, "/start")
        assert bot.world.bot_texts(USER)[-1].startswith("Chọn ngôn ngữ")
    assert "telegram.menu_refused" in caplog.text


@pytest.mark.asyncio
async def test_an_unreachable_bot_api_at_start_is_tried_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = FakeTelegram()
    world.fail_next("getMe", status=502, times=3)
    async with running(tmp_path, world) as bot:
        await say(bot, "/start")
        assert bot.world.bot_texts(USER)[-1].startswith("Chọn ngôn ngữ")
    lines = [r for r in caplog.records if r.getMessage() == "telegram.unreachable_at_start"]
    assert len(lines) == 1


@pytest.mark.asyncio
async def test_empty_polls_are_spaced_out_when_the_server_answers_at_once(
    tmp_path: Path,
) -> None:
    world = FakeTelegram()
    world.long_polls = False
    async with running(tmp_path, world) as bot:
        began = len(world.calls)
        started = time.monotonic()
        await asyncio.sleep(3)
        polls = sum(1 for method, _ in world.calls[began:] if method == "getUpdates")
        assert polls <= 6, f"{polls} polls in {time.monotonic() - started:.1f} s"
        await say(bot, "/start")  # and an update still comes through
        assert bot.world.bot_texts(USER)[-1].startswith("Chọn ngôn ngữ")


@pytest.mark.asyncio
async def test_health_turns_unhealthy_when_the_intake_stalls_and_healthy_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "BEAT_EVERY", 0.05)
    monkeypatch.setitem(operator_tools.LOOPS_STALE, "intake", 1.0)

    def check() -> str:
        out = io.StringIO()
        operator_tools.health(bot.settings, out)
        return out.getvalue()

    async with running(tmp_path) as bot:
        await say(bot, "/start")
        await asyncio.sleep(0.2)
        assert check().startswith("healthy")
        intake, hung = bot.parts.intake, asyncio.Event()
        fetch = intake.fetch

        async def deaf(timeout: int, limit: int = 100) -> list[dict[str, Any]]:
            await hung.wait()  # a poll that never comes back
            return await fetch(timeout, limit)

        monkeypatch.setattr(intake, "fetch", deaf)
        bot.world.user_sends(USER, "hello")  # ends the poll in flight; the next one hangs
        await asyncio.sleep(1.5)
        assert check().startswith("unhealthy: the intake has not turned for")
        hung.set()
        await say(bot, "/start")  # a poll completes again
        await asyncio.sleep(0.2)
        assert check().startswith("healthy")


@pytest.mark.asyncio
async def test_a_new_server_counting_update_ids_from_1_again_is_heard(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running(tmp_path) as bot:  # the old server's history: ids 1 to 2000, handled
        old = [Arrived(n, None, None) for n in range(1, 2001)]
        await asyncio.to_thread(bot.parts.intake.inbox.take_in, old)
    async with running(tmp_path, FakeTelegram()) as bot:  # a new server: ids from 2 again
        await say(bot, "/start")
        assert bot.world.bot_texts(USER)[-1].startswith("Chọn ngôn ngữ")
        await say(bot, "/start")  # and the offset follows the new count
        assert len(bot.world.bot_texts(USER)) == 2
    assert "telegram.update_ids_restarted" in caplog.text


@pytest.mark.asyncio
async def test_the_webhook_takes_an_update_the_library_cannot_read(tmp_path: Path) -> None:
    async with on_webhook(tmp_path) as bot:
        url = f"http://127.0.0.1:{bot.parts.webhook_port}/telegram/hook"
        update = bot.world.user_sends(USER, "/start", language_code="vi")
        assert await asyncio.to_thread(post_update, url, update, SECRET) == 200
        await bot.settle()
        poison = {"update_id": 900, **POISON["date_in_milliseconds"]}
        assert await asyncio.to_thread(post_update, url, poison, SECRET) == 200
        await bot.settle()
        texts = bot.world.bot_texts(USER)
        assert texts[0].startswith("Chọn ngôn ngữ")
        assert texts[-1] == bot.parts.helpline.text_for("use_buttons", "vi")


def test_at_the_real_thresholds_a_deaf_intake_shows_within_60_s_and_a_recovered_one_at_once(
    tmp_path: Path,
) -> None:
    """The heartbeat's own numbers (no test values): stalled at 0 s, seen by 60 s."""
    settings = settings_for(tmp_path)
    out = io.StringIO()
    stalled = 1_800_000_000.0  # the last poll that came back
    # The last heartbeat before the check is at most BEAT_EVERY old; it carries the stall.
    checked = stalled + operator_tools.LOOPS_STALE["intake"] + jobs.BEAT_EVERY
    assert checked - stalled <= 60
    moving = {"clock": checked - 5, "intake": stalled, "worker": checked - 1, "sender": checked}
    beat_at(settings, checked - jobs.BEAT_EVERY + 0.1, moving)
    assert operator_tools.health(settings, out, now=checked) == 1
    assert out.getvalue().startswith("unhealthy: the intake has not turned for")
    out = io.StringIO()  # a poll completes; the next heartbeat (within 10 s) says so
    beat_at(settings, checked + 5, {**moving, "intake": checked + 4})
    assert operator_tools.health(settings, out, now=checked + 5) == 0
    assert out.getvalue().startswith("healthy")


def beat_at(settings: Settings, when: float, moving: dict[str, float]) -> None:
    """Write the heartbeat as ``jobs.beat`` does, dated ``when``."""
    jobs.beat(settings.heartbeat_file, True, moving)
    data = json.loads(settings.heartbeat_file.read_text())
    settings.heartbeat_file.write_text(json.dumps({**data, "at": when}))


@pytest.mark.asyncio
async def test_a_webhook_server_that_stops_serving_turns_health_unhealthy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(jobs, "BEAT_EVERY", 0.05)
    monkeypatch.setitem(operator_tools.LOOPS_STALE, "intake", 1.0)

    def check() -> str:
        out = io.StringIO()
        operator_tools.health(bot.settings, out)
        return out.getvalue()

    async with on_webhook(tmp_path) as bot:
        url = f"http://127.0.0.1:{bot.parts.webhook_port}/telegram/hook"
        update = bot.world.user_sends(USER, "/start", language_code="vi")
        assert await asyncio.to_thread(post_update, url, update, SECRET) == 200
        await bot.settle()
        await asyncio.sleep(1.5)  # no call for longer than the intake may rest: still listening
        assert check().startswith("healthy")
        (serving,) = [
            task
            for task in asyncio.all_tasks()
            if getattr(task.get_coro(), "__qualname__", "") == "Server.serve"
        ]
        serving.cancel()  # the server dies (a bug), the rest of the helpline goes on
        await asyncio.sleep(1.5)
        assert check().startswith("unhealthy: the intake has not turned for")
        assert bot.parts.webhook_port is None
    assert "webhook.stopped" in caplog.text
