"""Floods on the fake Telegram: exit words, foreign groups and odd text must not fill the store."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.storage.models import AuditRow, InboxRow
from bot.telegram_adapter.limits import FloodGate

from ..harness import Running, running

USER = 424242
DESK, FOREIGN, STRANGER, SATO = -1001234567890, -1005555555555, 7777, 9001


def inbox_rows(bot: Running) -> int:
    with Session(bot.parts.database.engine) as session:
        return int(session.scalar(select(func.count()).select_from(InboxRow)) or 0)


def audit(bot: Running) -> list[tuple[str, str, str | None, str]]:
    with Session(bot.parts.database.engine) as session:
        rows = session.scalars(select(AuditRow).order_by(AuditRow.id)).all()
        return [(row.actor, row.action, row.case_public_id, row.detail) for row in rows]


@pytest.mark.asyncio
async def test_a_flood_of_exit_words_is_gated_and_an_exit_still_works(tmp_path: Path) -> None:
    async with running(tmp_path) as bot:
        bot.world.user_sends(USER, "/start")
        await bot.settle()
        bot.world.user_presses(USER, "lang:en")
        await bot.settle()
        now = [1000.0]
        bot.parts.intake.flood = FloodGate(clock=lambda: now[0])
        before = inbox_rows(bot)
        for number in range(600):  # within one second
            bot.world.user_sends(USER, "exit" if number % 2 else "/exit", language_code="en")
        await bot.settle(timeout=60)
        assert inbox_rows(bot) - before == 30 + 1 + 1  # the limit, one more exit, the notice
        typed = [m for m in bot.world.visible(USER) if not m.from_bot]
        assert typed == []  # what was dropped was deleted unread; what was taken, wiped
        now[0] += 5
        bot.world.user_sends(USER, "/exit", language_code="en")  # a few seconds on, exit works
        await bot.settle()
        assert [m.text for m in bot.world.visible(USER)] == ["Goodbye."]


@pytest.mark.asyncio
async def test_the_delete_word_passes_a_flood_like_an_exit(tmp_path: Path) -> None:
    async with running(tmp_path) as bot:
        bot.world.user_sends(USER, "/start")
        await bot.settle()
        bot.world.user_presses(USER, "lang:en")
        await bot.settle()
        bot.parts.intake.flood = FloodGate(clock=lambda: 1000.0)
        for number in range(35):  # past the limit of 30
            bot.world.user_sends(USER, f"hello {number}", language_code="en")
        bot.world.user_sends(USER, "delete", language_code="en")  # the delete word, alone
        await bot.settle(timeout=60)
        shown = [m.text for m in bot.world.visible(USER) if m.from_bot]
        assert shown[-1].startswith("Please type the number you saved.")  # it was read


@pytest.mark.asyncio
async def test_the_bot_leaves_a_foreign_group_and_keeps_nothing_of_it(tmp_path: Path) -> None:
    world_bot = running(
        tmp_path,
        staff_chat_id=DESK,
        staff_user_ids=frozenset({SATO}),
        roster_file=tmp_path / "roster.yaml",
    )
    async with world_bot as bot:
        bot.world.add_staff_group(DESK, "Desk")
        bot.world.add_staff_group(FOREIGN, "Somebody's group")
        before = inbox_rows(bot)
        for number in range(300):
            bot.world.staff_sends(FOREIGN, STRANGER if number % 2 else SATO, f"post {number}")
        await bot.settle(timeout=60)
        assert inbox_rows(bot) == before  # not even the ids of its updates
        assert audit(bot) == [("system", "left_group", None, "")]  # once, naming no chat
        left = [params for method, params in bot.world.calls if method == "leaveChat"]
        assert len(left) == 1 and FOREIGN not in bot.world.groups and DESK in bot.world.groups
        assert bot.parts.metrics.value("helpline_foreign_updates_dropped_total") == 300
        bot.world.staff_sends(DESK, STRANGER, "hello")  # the desk's own group is still read
        await bot.settle()
        assert inbox_rows(bot) == before + 1
        assert [action for _, action, _, _ in audit(bot)] == ["left_group", "staff_refused"]


@pytest.mark.asyncio
async def test_without_a_desk_the_bot_leaves_every_group(tmp_path: Path) -> None:
    async with running(tmp_path) as bot:
        bot.world.add_staff_group(FOREIGN, "Somebody's group")
        bot.world.staff_sends(FOREIGN, STRANGER, "hello")
        await bot.settle()
        assert FOREIGN not in bot.world.groups and inbox_rows(bot) == 0
        assert audit(bot) == [("system", "left_group", None, "")]


@pytest.mark.asyncio
async def test_a_lone_surrogate_is_taken_in_at_once(tmp_path: Path) -> None:
    async with running(tmp_path) as bot:
        bot.world.user_sends(USER, "/start")
        await bot.settle()
        bot.world.user_presses(USER, "lang:en")
        await bot.settle()
        replies = len(bot.world.bot_texts(USER))
        started = time.monotonic()
        bot.world.user_sends(USER, "half \ud800 of a pair", language_code="en")
        await bot.settle(timeout=5)
        assert time.monotonic() - started < 2
        assert len(bot.world.bot_texts(USER)) > replies  # answered, not stuck
