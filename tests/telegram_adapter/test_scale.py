"""Two helpline processes (webhook mode) on one PostgreSQL behind a round-robin proxy.

Each trainee's updates are posted alternately to the two workers, as a proxy spreading
Telegram's posts would. Every trainee must see exactly what a single helpline shows them (in
order, nothing twice, nothing missing); one process leads (sends, runs the jobs such as the idle
wipe) and the other handles updates only; when the leader stops, the other takes over.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.config import Secret
from bot.storage.models import ConversationRow
from bot.telegram_adapter import jobs

from ..conftest import require
from ..databases import PostgresServer
from ..fakes.telegram_server import post_update
from ..fakes.telegram_world import FakeTelegram
from ..harness import Running, running

SECRET = "two-workers-secret"
HOOK = "https://helpline.example.org/telegram/hook"
USERS = [600_000 + n for n in range(24)]
TYPED = ("1", "1", "2", "600", "176", "Aichi", "3", "0", "1", "0")  # a wage check, hourly, Aichi


def webhook(folder: Path, key_file: Path, url: str) -> dict[str, object]:
    return {
        "database_url": Secret(url),
        "key_file": key_file,
        "webhook_url": HOOK,
        "webhook_secret": Secret(SECRET),
        "webhook_listen": ("127.0.0.1", 0),
        "data_dir": folder,
    }


async def post(bot: Running, update: dict[str, object]) -> None:
    url = f"http://127.0.0.1:{bot.parts.webhook_port}/telegram/hook"
    assert await asyncio.to_thread(post_update, url, update, SECRET) == 200


async def conversation(world: FakeTelegram, workers: list[Running], user: int) -> None:
    """One trainee: each update to the next worker in turn (a round-robin proxy)."""
    turn = user % 2
    await post(workers[turn % 2], world.user_sends(user, "/start", language_code="vi"))
    for _ in range(500):  # the picker must be there to be pressed
        if world.last_buttons(user):
            break
        await asyncio.sleep(0.01)
    turn += 1
    await post(workers[turn % 2], world.user_presses(user, "lang:vi"))
    for typed in TYPED:
        turn += 1
        await post(workers[turn % 2], world.user_sends(user, typed, language_code="vi"))


async def settle_all(workers: list[Running]) -> None:
    for _ in range(3):  # one may queue work for the other: settle until both are quiet
        for worker in workers:
            await worker.settle(timeout=60)


async def reference(tmp_path: Path) -> list[str]:
    """What one trainee sees from a single helpline on SQLite, for comparison."""
    world = FakeTelegram()
    async with running(tmp_path / "single", world) as bot:
        world.user_sends(USERS[0], "/start", language_code="vi")
        await bot.settle()
        world.user_presses(USERS[0], "lang:vi")
        for typed in TYPED:
            world.user_sends(USERS[0], typed, language_code="vi")
        await bot.settle()
    return world.bot_texts(USERS[0])


@pytest.mark.asyncio
async def test_two_workers_keep_each_chat_in_order_and_send_nothing_twice(
    tmp_path: Path, postgres: PostgresServer | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = require(postgres)
    monkeypatch.setattr(jobs, "IDLE_CHECK", 0.1)  # the clock's rounds, ten a second
    expected = await reference(tmp_path)
    assert len(expected) > 8
    world = FakeTelegram()
    key_file = tmp_path / "keys.json"
    with server.database() as url:
        async with contextlib.AsyncExitStack() as stack:
            workers = [
                await stack.enter_async_context(
                    running(
                        tmp_path / name,
                        world,
                        http=True,
                        **webhook(tmp_path / name, key_file, url),
                    )
                )
                for name in ("a", "b")
            ]
            await asyncio.gather(*(conversation(world, workers, user) for user in USERS))
            await settle_all(workers)

            for user in USERS:
                assert world.bot_texts(user) == expected, user
            leaders = [w for w in workers if w.parts.sender.leading()]
            assert len(leaders) == 1
            (follower,) = [w for w in workers if w is not leaders[0]]
            sent = [w.parts.metrics.value("helpline_messages_sent_total") for w in workers]
            assert sent[workers.index(follower)] == 0 and sum(sent) >= len(USERS) * len(expected)
            handled = [w.parts.metrics.value("helpline_updates_handled_total") for w in workers]
            assert sum(handled) == len(USERS) * (2 + len(TYPED)) and min(handled) > 0

            # The jobs run in the leader only: a chat left idle is wiped once.
            rounds = [w.parts.metrics.value("helpline_job_rounds_total") for w in workers]
            assert rounds[workers.index(leaders[0])] > 0 and rounds[workers.index(follower)] == 0
            long_ago = datetime.now(UTC) - timedelta(hours=1)
            with Session(follower.parts.database.engine) as session, session.begin():
                session.execute(update(ConversationRow).values(updated_at=long_ago))
            for _ in range(200):
                if not any(world.visible(user) for user in USERS):
                    break
                await asyncio.sleep(0.05)
            await settle_all(workers)
            assert not any(world.visible(user) for user in USERS)
            assert all(world.bot_texts(user) == [] for user in USERS)

            # The leader stops: the other takes over the sending within seconds.
            leaders[0].stop.set()
            await asyncio.wait_for(leaders[0].task, timeout=20)
            for _ in range(200):
                if follower.parts.sender.leading():
                    break
                await asyncio.sleep(0.05)
            assert follower.parts.sender.leading()
            await post(follower, world.user_sends(USERS[0], "/start", language_code="vi"))
            await follower.settle(timeout=30)
            assert world.bot_texts(USERS[0])[-1].startswith("Chọn ngôn ngữ")  # a fresh start
