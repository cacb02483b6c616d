"""End to end over loopback HTTP: the real Bot API client, long polling and the webhook.

The helpline runs through ``serve`` (what ``helpline run`` runs) with python-telegram-bot's own
HTTP client, against the fake Telegram served on 127.0.0.1; nothing is faked inside the bot.
"""

from __future__ import annotations

import asyncio
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.config import Secret

from ..fakes.telegram_server import post_update
from ..harness import Running, agree_at_the_desk, running

SECRET = "s3cret-token_1"
CODE = re.compile(r"0[789]0-\d{4}-\d{5}")
FIRST, SECOND = 424242, 535353

LANGUAGES = {
    # language: (Telegram code, picker data, a word of the passport answer, goodbye)
    "vi": ("vi", "lang:vi", "hộ chiếu", "Tạm biệt."),
    "zh_Hans": ("zh-hans", "lang:zh_Hans", "护照", "再见。"),
    "ja": ("ja", "lang:ja", "パスポート", "さようなら。"),
}


async def step(bot: Running, user: int, code: str, *, text: str = "", data: str = "") -> None:
    if data:
        bot.world.user_presses(user, data)
    else:
        bot.world.user_sends(user, text, language_code=code)
    await bot.settle(timeout=20)


@pytest.mark.asyncio
@pytest.mark.parametrize("lang", list(LANGUAGES))
async def test_a_whole_conversation_over_http(tmp_path: Path, lang: str) -> None:
    code, picker, passport, goodbye = LANGUAGES[lang]
    async with running(tmp_path, http=True, desk=True) as bot:  # a case needs a desk
        world = bot.world
        await step(bot, FIRST, code, text="/start")
        await step(bot, FIRST, code, data=picker)
        await step(bot, FIRST, code, data="menu.topics.1")  # passport, bank book, private life
        await step(bot, FIRST, code, data=world.last_buttons(FIRST)[0][1])  # the passport
        assert any(passport in text for text in world.bot_texts(FIRST))
        await step(bot, FIRST, code, text="/talk")
        await agree_at_the_desk(bot, FIRST, "482915", "482915", lang=code)
        found = [CODE.search(t) for t in world.bot_texts(FIRST)]
        case_code = next(m.group(0) for m in found if m)
        await step(bot, FIRST, code, text="/exit")
        assert [m.text for m in world.visible(FIRST)] == [goodbye]

        await step(bot, SECOND, code, text="/resume")
        await step(bot, SECOND, code, data=picker)
        await step(bot, SECOND, code, text=case_code)
        await step(bot, SECOND, code, text="482915")
        texts = world.bot_texts(SECOND)
        assert len(texts) >= 3 and not any(passport in t for t in texts)  # no history shown
        assert [m.text for m in world.visible(SECOND) if not m.from_bot] == ["/resume"]
        assert not world.unanswered_callbacks


def on_webhook(tmp_path: Path) -> object:
    """A helpline in webhook mode, over loopback HTTP, on a port of its own."""
    return running(
        tmp_path,
        http=True,
        webhook_url="https://helpline.example.org/telegram/hook",
        webhook_secret=Secret(SECRET),
        webhook_listen=("127.0.0.1", 0),
    )


@pytest.mark.asyncio
async def test_the_webhook_takes_updates_only_with_the_secret(tmp_path: Path) -> None:
    async with on_webhook(tmp_path) as bot:
        world = bot.world
        assert world.webhook_url == "https://helpline.example.org/telegram/hook"
        assert world.webhook_secret == SECRET
        url = f"http://127.0.0.1:{bot.parts.webhook_port}/telegram/hook"
        update = world.user_sends(FIRST, "/start", language_code="vi")
        assert await asyncio.to_thread(post_update, url, update, "wrong") == 403
        assert await asyncio.to_thread(post_update, url + "x", update, SECRET) == 404
        assert await asyncio.to_thread(post_update, url, update, SECRET) == 200
        await bot.settle()
        assert world.bot_texts(FIRST)[0].startswith("Chọn ngôn ngữ")
        assert await asyncio.to_thread(post_update, url, update, SECRET) == 200
        await bot.settle()
        assert len(world.bot_texts(FIRST)) == 1  # delivered twice, answered once


def fetch(url: str) -> tuple[int, str, str]:
    """GET a page of the bot's own server on this machine: status, content type, body."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


@pytest.mark.asyncio
async def test_health_and_metrics_in_webhook_mode_count_without_content(tmp_path: Path) -> None:
    async with on_webhook(tmp_path) as bot:
        base = f"http://127.0.0.1:{bot.parts.webhook_port}"
        for text in ("/start", "Nguyễn Văn A 090-1234-5678"):
            update = bot.world.user_sends(FIRST, text, language_code="vi")
            assert (
                await asyncio.to_thread(post_update, base + "/telegram/hook", update, SECRET)
                == 200
            )
            await bot.settle()
        status, kind, body = await asyncio.to_thread(fetch, base + "/healthz")
        assert (status, kind, body) == (200, "application/json", '{"ok":true}')

        status, kind, body = await asyncio.to_thread(fetch, base + "/metrics")
        assert status == 200 and kind.startswith("text/plain; version=0.0.4")
        assert "helpline_updates_received_total 2" in body
        assert "helpline_updates_handled_total 2" in body
        assert 'helpline_update_seconds_bucket{le="+Inf"} 2' in body
        assert 'helpline_queue_depth{queue="inbox"} 0' in body
        assert "helpline_database_up 1" in body
        for secret in ("Nguyễn", "090-1234-5678", str(FIRST), SECRET):
            assert secret not in body
        assert (await asyncio.to_thread(fetch, base + "/other"))[0] == 404
