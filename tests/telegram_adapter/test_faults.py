"""Crashes, stops and outages: nothing a trainee sent is lost, and nothing takes effect twice.

``helpline run`` runs as a real process against the fake Telegram over loopback HTTP. It is
killed with SIGKILL at five points of handling an update (``bot.failpoints``), 20 times each,
restarted, and finally left to finish; every chat must then show exactly what an undisturbed
run shows. Also: SIGTERM under load exits 0 and loses nothing; PostgreSQL stopped and started
in the middle of a conversation.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import Secret
from bot.failpoints import POINTS
from bot.storage.connection import make_engine
from bot.storage.models import InboxRow, OutboxRow
from bot.telegram_adapter import jobs

from ..conftest import ROOT, require
from ..databases import PostgresServer
from ..fakes.telegram_server import FakeTelegramServer
from ..fakes.telegram_world import FakeTelegram
from ..harness import TOKEN, running

USERS = {701: "vi", 702: "zh_Hans", 703: "ja", 704: "en"}
DESK = -1001234567890
CODES = {"vi": "vi", "zh_Hans": "zh-hans", "ja": "ja", "en": "en"}
ROUNDS = 20
STEPS = [
    ("say", "/start"),
    ("press", "lang:{lang}"),
    ("press", "menu.topics.0"),
    ("say", "/menu"),
    ("press", "menu.topics.5"),
    ("say", "/back"),
    ("say", "/help"),
    ("say", "/language"),
    ("press", "lang:{lang}"),
    ("press", "menu.topics.2"),
    ("say", "/menu"),
    ("press", "menu.topics.3"),
    ("say", "/back"),
    ("say", "hello"),
    ("say", "/menu"),
    ("press", "menu.topics.1"),
    ("say", "/menu"),
    ("press", "menu.topics.4"),
    ("press", "safety.check.6"),  # none of these: no danger
    ("say", "/menu"),
]
assert len(STEPS) == ROUNDS


def queue_round(world: FakeTelegram, number: int) -> None:
    """Every user takes step ``number``."""
    kind, value = STEPS[number]
    for user, lang in USERS.items():
        if kind == "say":
            world.user_sends(user, value, language_code=CODES[lang])
        else:
            world.user_presses(user, value.format(lang=lang))


def golden(tmp_path: Path) -> dict[int, list[str]]:
    """What every chat shows after an undisturbed run of all the rounds."""

    async def run() -> dict[int, list[str]]:
        async with running(tmp_path / "golden") as bot:
            for number in range(ROUNDS):
                queue_round(bot.world, number)
                await bot.settle()
            return {user: bot.world.bot_texts(user) for user in USERS}

    return asyncio.run(run())


class BotProcess:
    """``python -m bot run`` against a fake Telegram server, as a separate process."""

    def __init__(self, folder: Path, server: FakeTelegramServer) -> None:
        self.folder = folder
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("HELPLINE_")},
            "HELPLINE_TELEGRAM_TOKEN": TOKEN,
            "HELPLINE_TELEGRAM_API_URL": server.base_url,
            "HELPLINE_DATA_DIR": str(folder),
            "HELPLINE_LOG_LEVEL": "WARNING",
        }

    def start(self, failpoint: str | None = None, **extra: str) -> subprocess.Popen[bytes]:
        env = {**self.env, **extra}
        if failpoint:
            env["HELPLINE_FAILPOINT"] = failpoint
        with (self.folder / "bot.log").open("ab") as log:  # the child keeps its own copy
            return subprocess.Popen(
                [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=log, stderr=log
            )

    def leftovers(self) -> tuple[int, int]:
        """Updates still waiting and actions still queued, read from the database."""
        engine = make_engine(f"sqlite:///{self.folder / 'helpline.sqlite3'}")
        with Session(engine) as session:
            waiting = session.scalar(
                select(func.count()).select_from(InboxRow).where(InboxRow.done_at.is_(None))
            )
            queued = session.scalar(select(func.count()).select_from(OutboxRow))
        engine.dispose()
        return int(waiting or 0), int(queued or 0)


def wait_for(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.05)
    return False


def caught_up(world: FakeTelegram, bot: BotProcess, expected: dict[int, list[str]]) -> bool:
    """Every update fetched, every chat showing what it should, nothing left to do."""
    return (
        not world.pending_updates
        and all(collapse(world.bot_texts(u)) == collapse(expected[u]) for u in USERS)
        and bot.leftovers() == (0, 0)
    )


def collapse(texts: list[str]) -> list[str]:
    """The messages with runs of the same message counted once."""
    return [text for index, text in enumerate(texts) if index == 0 or texts[index - 1] != text]


@pytest.fixture(name="expected", scope="module")
def _expected(tmp_path_factory: pytest.TempPathFactory) -> dict[int, list[str]]:
    return golden(tmp_path_factory.mktemp("golden"))


@pytest.fixture(name="server")
def _server() -> Iterator[FakeTelegramServer]:
    with FakeTelegramServer(FakeTelegram(), token=TOKEN) as server:
        yield server


@pytest.mark.parametrize("point", [p for p in POINTS if not p.startswith("reindex.")])
def test_killed_at_any_point_twenty_times_nothing_is_lost_or_doubled(
    point: str,
    tmp_path: Path,
    server: FakeTelegramServer,
    expected: dict[int, list[str]],
) -> None:
    world = server.world
    bot = BotProcess(tmp_path, server)
    rng = random.Random(point)
    killed = 0
    for number in range(ROUNDS):
        queue_round(world, number)
        # A round's updates arrive in one batch: the intake points are reached once a round.
        hits = 1 if point.startswith("intake.") else rng.randint(1, 3)
        process = bot.start(f"{point}:{hits}")
        try:
            process.wait(timeout=8)
        except subprocess.TimeoutExpired:  # the point was not reached this time
            process.terminate()
            process.wait(timeout=15)
        killed += process.returncode == -signal.SIGKILL
    assert killed >= ROUNDS * 3 // 4, f"only {killed} runs reached {point}"

    final = bot.start()
    try:
        done = wait_for(lambda: caught_up(world, bot, expected), timeout=90)
        time.sleep(0.5)  # anything doubled would arrive now
    finally:
        final.send_signal(signal.SIGTERM)
        assert final.wait(timeout=15) == 0
    assert done, "the helpline did not catch up"
    assert bot.leftovers() == (0, 0)
    for user in USERS:
        shown = world.bot_texts(user)
        # Every update took effect exactly once: the same replies, in the same order. A kill
        # between sending a message and noting it sent (the sender runs beside whatever point
        # is armed) sends that message once more after the restart: at most once per kill.
        assert collapse(shown) == collapse(expected[user])
        assert len(shown) - len(expected[user]) <= killed


def test_sigterm_under_load_exits_cleanly_and_loses_nothing(
    tmp_path: Path, server: FakeTelegramServer, expected: dict[int, list[str]]
) -> None:
    world = server.world
    bot = BotProcess(tmp_path, server)
    process = bot.start()
    for number in range(ROUNDS):
        queue_round(world, number)
    assert wait_for(lambda: len(world.bot_texts(701)) >= 3, timeout=30)
    process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    assert process.wait(timeout=15) == 0
    assert time.monotonic() - started < 11
    again = bot.start()
    try:
        assert wait_for(lambda: caught_up(world, bot, expected), timeout=90)
        time.sleep(0.5)
    finally:
        again.send_signal(signal.SIGTERM)
        assert again.wait(timeout=15) == 0
    for user in USERS:
        shown = world.bot_texts(user)
        assert collapse(shown) == collapse(expected[user])
        assert len(shown) - len(expected[user]) <= 1  # one kill: at most one message again


@pytest.mark.asyncio
async def test_postgres_stopped_and_started_in_the_middle_of_a_conversation(
    tmp_path: Path, postgres: PostgresServer | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = require(postgres)
    if server.cluster is None:
        pytest.skip("the PostgreSQL server is not ours to stop")
    monkeypatch.setattr(jobs, "IDLE_CHECK", 0.2)  # the clock's rounds, every 0.2 s
    monkeypatch.setattr(jobs, "OUTAGE_ALERT_AFTER", timedelta(seconds=1))
    world = FakeTelegram()
    world.add_staff_group(DESK, "Desk")
    desk = {"staff_chat_id": DESK, "staff_user_ids": frozenset({9001})}
    with server.database() as url:
        async with running(tmp_path, world, database_url=Secret(url), **desk) as bot:
            world.user_sends(701, "/start", language_code="vi")
            await bot.settle()
            world.user_presses(701, "lang:vi")
            await bot.settle()
            await asyncio.to_thread(server.cluster.stop)
            try:
                world.user_sends(701, "/menu", language_code="vi")
                busy = "Xin lỗi, bạn hãy thử lại sau một phút nhé."
                for _ in range(200):
                    if busy in world.bot_texts(701):
                        break
                    await asyncio.sleep(0.05)
                assert busy in world.bot_texts(701)
                assert world.pending_updates  # not confirmed: Telegram keeps it
                for _ in range(100):  # the volunteers hear of it, out of band (R4)
                    if any(t.startswith("【障害】") for t in world.bot_texts(DESK)):
                        break
                    await asyncio.sleep(0.05)
                assert any(t.startswith("【障害】") for t in world.bot_texts(DESK))
                heartbeat = json.loads((tmp_path / "heartbeat.json").read_text())
                assert heartbeat["database"] is False  # `helpline health` says unhealthy
            finally:
                await asyncio.to_thread(server.cluster.start)
            await bot.settle(timeout=60)
            texts = world.bot_texts(701)
            assert texts[-1].startswith("Xin chào")  # the /menu, answered after the outage
            assert busy not in texts  # seen once, then deleted when the database came back
            for _ in range(100):
                if world.bot_texts(DESK)[-1].startswith("データベースが復旧しました"):
                    break
                await asyncio.sleep(0.05)
            assert world.bot_texts(DESK)[-1].startswith("データベースが復旧しました")
            assert sum(t.startswith("【障害】") for t in world.bot_texts(DESK)) == 1
